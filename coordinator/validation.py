"""Checks on values typed by a person: length, control characters, dates in range.

Whatever passes is stored exactly as typed (emoji included); whatever fails raises a
ValidationError naming the field in the reader's language. The services check what a
person types here, and an import checks each row of a file by the same rules
(:mod:`coordinator.exchange.transfer_specs`).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from coordinator.errors import ValidationError
from coordinator.i18n import N_, Msg

EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 12, 31, 23, 59, 59)

# Tabs and newlines are fine inside notes; the other C0/C1 controls (NUL, escape,
# backspace, NEL ...) come from broken pastes and would corrupt exports and printouts.
# The C0 and C1 controls are Unicode's category Cc; lone surrogates (Cs) cannot be stored.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Ordinary spaces (ASCII, no-break, ideographic and the other Unicode "Zs" spaces).
_SPACES = " \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
# A one-line value loses spaces, tabs and line breaks at both ends. Other controls are
# never trimmed silently (``str.strip()`` would drop a trailing U+0085 the check refuses).
_EDGE_SPACE = _SPACES + "\t\n\r"
# A note loses blank lines before its text and whitespace after it, but keeps the
# indentation of its first line (a Chinese paragraph starts with two ideographic spaces).
_LEADING_BLANK_LINES = re.compile(f"^(?:[{_SPACES}\t]*\n)+")


def clean_text(
    value: str | None,
    field: Msg,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(N_("{field} must be text."), field=field)
    if multiline:
        text = value.replace("\r\n", "\n").replace("\r", "\n").rstrip(_EDGE_SPACE)
        text = _LEADING_BLANK_LINES.sub("", text)
    else:
        text = value.strip(_EDGE_SPACE)
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)
    if found is not None:
        raise ValidationError(
            N_("{field} contains an invisible control character (U+{code:04X})."),
            field=field,
            code=ord(found.group()),
        )
    if required and not text:
        raise ValidationError(N_("{field} is required."), field=field)
    if len(text) > max_length:
        raise ValidationError(
            N_("{field} is too long: {length} characters, at most {limit}."),
            field=field,
            length=len(text),
            limit=max_length,
        )
    return text


def check_datetime(
    value: datetime | None, field: Msg, *, required: bool = False
) -> datetime | None:
    if value is None:
        if required:
            raise ValidationError(N_("{field} is required."), field=field)
        return None
    if not isinstance(value, datetime):
        raise ValidationError(N_("{field} must be a date and time."), field=field)
    if value.tzinfo is not None:
        # Stored times are local wall-clock times; convert aware ones rather than refuse.
        try:
            value = value.astimezone().replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            value = datetime.min  # beyond any calendar: refused just below
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(
            N_("{field} must be between {earliest} and {latest}."),
            field=field,
            earliest=EARLIEST.year,
            latest=LATEST.year,
        )
    return value.replace(microsecond=0)


def required_datetime(value: datetime | None, field: Msg) -> datetime:
    checked = check_datetime(value, field, required=True)
    assert checked is not None
    return checked


def check_date(value: date, field: Msg) -> date:
    if not isinstance(value, date):
        raise ValidationError(N_("{field} must be a date."), field=field)
    if isinstance(value, datetime):
        value = value.date()  # a datetime cannot be compared with the date bounds
    if not EARLIEST.date() <= value <= LATEST.date():
        raise ValidationError(
            N_("{field} must be between {earliest} and {latest}."),
            field=field,
            earliest=EARLIEST.year,
            latest=LATEST.year,
        )
    return value


def check_hours(value: float | None, field: Msg) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(N_("{field} must be a number of hours."), field=field)
    try:
        hours = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(N_("{field} must be a number of hours."), field=field) from None
    if not 0 <= hours <= 24 * 365 * 5 or hours != hours:
        raise ValidationError(
            N_("{field} must be between 0 and {limit} working hours."), field=field, limit=43800
        )
    return hours
