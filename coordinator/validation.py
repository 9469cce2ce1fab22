"""Checks on values typed by a person: length, control characters, dates in range.

Whatever passes is stored exactly as typed (emoji included); whatever fails raises a
ValidationError naming the field in the reader's language. The services check what a
person types here, and an import checks each row of a file by the same rules
(:mod:`coordinator.exchange.transfer_specs`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

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


# How an amount may be typed: a currency code or name around it, thousands separators, and
# the units a Chinese office counts in (5000万, 1.5亿元) or an English reader (250m).
_MULTIPLIERS: dict[str, Decimal] = {
    "亿": Decimal(100_000_000),
    "万": Decimal(10_000),
    "million": Decimal(1_000_000),
    "m": Decimal(1_000_000),
}
_CURRENCY_WORDS: dict[str, str] = {"元": "CNY", "美元": "USD", "欧元": "EUR", "港元": "HKD"}
_AMOUNT = re.compile(
    r"^(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?P<multiplier>亿|万|million|m)?"
    r"(?P<currency>元|美元|欧元|港元|[a-z]{3})?$",
    re.IGNORECASE,
)


def parse_amount(
    text: str, field: Msg, *, bare_unit: Decimal = Decimal(1), currency: str = ""
) -> Decimal | None:
    """An amount as typed: “50000000”, “5,000万”, “5000万元”, “1.5亿”, “CNY 1.5 m”; None when
    empty. A number without 万, 亿 or m counts in ``bare_unit`` (a field asking for 万元
    gives 10 000). A currency named with it must be ``currency`` (when given)."""
    if not text.strip():
        return None
    clean = "".join(text.split()).replace(",", "").replace("，", "")
    code = clean[:3].upper()
    if len(clean) > 3 and code.isascii() and code.isalpha() and not clean[3].isalpha():
        clean = clean[3:]  # a leading code: CNY 1.5m
        named: str | None = code
    else:
        named = None
    found = _AMOUNT.match(clean)
    if found is None:
        raise ValidationError(N_("{field} must be a number, such as 5000万 or 1.5亿."), field=field)
    try:
        number = Decimal(found["number"])
    except InvalidOperation:
        raise ValidationError(
            N_("{field} must be a number, such as 5000万 or 1.5亿."), field=field
        ) from None
    multiplier = found["multiplier"]
    words = found["currency"]
    if words is not None:
        named = _CURRENCY_WORDS.get(words, words.upper())
    if multiplier:
        unit = _MULTIPLIERS[multiplier.lower()]
    else:
        # “250000000元”, “CNY 25000”: a currency said, the number is in its units.
        unit = Decimal(1) if named is not None else bare_unit
    if currency and named is not None and named != currency:
        raise ValidationError(
            N_("{field} is counted in {currency}, not {named}."),
            field=field,
            currency=currency,
            named=named,
        )
    return number * unit
