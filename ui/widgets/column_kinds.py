"""What a list's column holds, which says how wide it is drawn (:mod:`ui.widgets.tables`).

Its own module so that the models declaring their columns need not import the table code.
"""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    """What a column holds, which says how wide it is."""

    TIME = "time"  # a moment ("11-27 10:30", "2026-11-27 10:30", a forecast finish)
    DURATION = "duration"  # working time held, over or left
    STATUS = "status"  # a status or state label
    PHONE = "phone"  # a phone number
    NUMBER = "number"  # a count
    CODE = "code"  # a case's reference
    NAME = "name"  # a person, department, organisation, channel: fits up to a cap
    TEXT = "text"  # a title, a company, a reason: fits up to a wider cap
    NOTES = "notes"  # what was said or written: takes the width left over
