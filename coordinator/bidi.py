"""User text among the app's own: bidirectional controls kept inside the user's part.

A note pasted from elsewhere may hold U+202E RIGHT-TO-LEFT OVERRIDE or another
explicit bidirectional control.  Left open, it runs on past the note: the app's own
words printed or shown after it ("Follow-up by …", a status, a time) come out
reversed.  :func:`isolate` is applied wherever user text is put on paper or in a row
on screen, so that whatever the user typed is laid out on its own and everything
after it is laid out as if the note were a single neutral word.
"""

from __future__ import annotations

import unicodedata

__all__ = ["FSI", "PDI", "isolate"]

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_EMBEDDINGS = frozenset({LRE, RLE, LRO, RLO})
_ISOLATES = frozenset({LRI, RLI, FSI})
# Bidirectional classes that can move text around them: right-to-left letters and
# numbers, and the explicit controls.  Text without any is left exactly as it is, so
# Latin and Chinese never gain invisible characters.
_MOVERS = frozenset(
    {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
)


def _needs_isolating(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in _MOVERS for ch in text)


def _balanced(line: str) -> str:
    """``line`` with every control it opens closed at its end and every stray closer
    (a PDF or PDI with nothing to close) dropped: a stray PDI would end our isolate."""
    out: list[str] = []
    open_: list[str] = []  # the closer each opened control is waiting for
    for ch in line:
        if ch in _EMBEDDINGS:
            open_.append(PDF)
        elif ch in _ISOLATES:
            open_.append(PDI)
        elif ch == PDF:
            # A PDF inside an isolate cannot close an embedding opened outside it.
            if not open_ or open_[-1] != PDF:
                continue
            open_.pop()
        elif ch == PDI:
            if PDI not in open_:
                continue
            # A PDI also closes the embeddings opened inside its isolate.
            while open_.pop() != PDI:
                pass
        out.append(ch)
    out.extend(reversed(open_))
    return "".join(out)


def isolate(text: str) -> str:
    """``text`` wrapped line by line in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE,
    its own controls balanced, when it holds anything that could reorder what follows;
    otherwise ``text`` unchanged."""
    if not text or not _needs_isolating(text):
        return text
    return "\n".join(
        FSI + _balanced(line) + PDI if _needs_isolating(line) else line for line in text.split("\n")
    )
