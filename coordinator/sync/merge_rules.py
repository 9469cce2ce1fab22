"""How two copies' changes to one field of one record are merged, by what the field means.

Two changes made without seeing each other (concurrent) to the same field keep, on every
copy alike, the one these rules pick; the other is not dropped but kept in the conflicts
list for the officer (except where the fields' meaning settles it: a step done stays done,
a record's "last changed" time is the later one, a name's pinyin follows its name).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

Stamp = tuple[str, str]
"""An operation's place in the one order every copy agrees on: its time, then its uid."""

DONE: Final = "done"

LATEST_WINS_SILENTLY: Final = frozenset(
    {
        ("organisations", "pinyin"),
        ("organisations", "initials"),
        ("contacts", "pinyin"),
        ("contacts", "initials"),
        ("phone_numbers", "e164"),
        ("phone_numbers", "digits"),
    }
)
"""Fields worked out from another field: they follow it and are no conflict of their own."""


def stamp_of(op: dict[str, Any]) -> Stamp:
    at = op["at"]
    text = at.isoformat() if isinstance(at, datetime) else str(at)
    return (text, str(op["op_uid"]))


def is_silent(table: str, field: str) -> bool:
    """A field whose concurrent changes are settled by meaning, not shown as a conflict."""
    return (
        field == "updated_at"
        or (table, field) in LATEST_WINS_SILENTLY
        or (table == "actions" and field == "done_at")
    )


def incoming_wins(
    table: str,
    field: str,
    ours: object,
    theirs: object,
    ours_stamp: Stamp | None,
    theirs_stamp: Stamp,
) -> bool:
    """Which of two concurrent values of one field every copy keeps."""
    if field == "updated_at":
        return str(theirs or "") > str(ours or "")
    if table == "actions" and field == "status" and (ours == DONE) != (theirs == DONE):
        return theirs == DONE  # a step done on one side stays done
    if table == "actions" and field == "done_at" and (ours is None) != (theirs is None):
        return theirs is not None
    if ours_stamp is None:
        return True
    return theirs_stamp > ours_stamp


def conflict_kind(table: str, field: str, ours: object, theirs: object) -> str:
    if table == "actions" and field == "status" and DONE in (ours, theirs):
        return "done_kept"
    return "field"
