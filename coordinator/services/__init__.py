"""Services: the only way anything changes data.

One module per area. Every mutating function opens one unit of work, validates, changes
rows, appends Events and returns an :class:`~coordinator.store.changes.Outcome` (plain data plus
a change set). Bad input raises a :class:`~coordinator.errors.DomainError`.
"""
