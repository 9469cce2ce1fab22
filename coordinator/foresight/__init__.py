"""Foresight: where an unfiled message belongs, and when a pending step will finish.

Both learn from the office's own records and nothing else: no network, no downloaded
model. :mod:`.filing` ranks the open cases for a message by what it says, who sent it
and when, and learns from every filing; :mod:`.history` and :mod:`.forecast` turn each
department's finished steps into an expected finish time with a range, carried along a
case's chain of steps to its expected close.

Building either from the database reads the whole office, so the screens build them off
the GUI thread once and then keep them current from the change sets; a suggestion or a
forecast afterwards is a lookup in memory.
"""
