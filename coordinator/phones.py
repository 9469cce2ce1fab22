"""Phone numbers: one normal form whatever way a number is typed.

+86 138 0013 8000, 0086-13800138000, 138-0013-8000, (0574) 8765 4321, 8765 4321 (a local
landline, the office's area code assumed), 0574-87654321 转 808: each maps to E.164
plus an extension, so a caller is recognised however the number was typed.

Short numbers are numbers too: a service hotline (12345), a bank's or a carrier's
(95588, 10086) is accepted when the phone library's short-number data knows it as one in
China, kept under the same normal form (+86 and its digits) and shown as dialled. A
number abroad shows with its country code (+1 650-253-0000); a Chinese one as dialled at
home (138 0013 8000, 0574 8765 4321).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import shortnumberinfo

from coordinator.errors import ValidationError
from coordinator.i18n import N_

DEFAULT_REGION = "CN"
DEFAULT_AREA_CODE = "574"  # Ningbo; a setting in the store overrides it

_EXTENSION_WORDS = re.compile(r" *(转|分机号?|ext\.?|x|#) *(\d{1,6}) *$", re.IGNORECASE)
# After folding (see _fold): ASCII digits, spaces, +, dashes, brackets and dots only. Tabs,
# line breaks and other controls are refused, not stored inside the number as typed.
_ALLOWED = re.compile(r"^[0-9 +\-().\u2010-\u2015]*$")


_WRONG_DIGITS = N_("“{number}” is not a valid phone number (check the number of digits).")
_WRONG_LENGTH = frozenset(
    {
        phonenumbers.NumberParseException.TOO_SHORT_NSN,
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD,
        phonenumbers.NumberParseException.TOO_LONG,
    }
)


def _fold(text: str) -> str:
    """Full-width forms to ASCII (＋８６ → +86), any script's digits to 0-9."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in folded)


@dataclass(frozen=True)
class NormalisedNumber:
    raw: str
    e164: str
    extension: str
    digits: str  # national significant number, for "any part of the number" search

    @property
    def is_short(self) -> bool:
        """A short number (a hotline, a bank's or a carrier's), dialled as it is."""
        return is_short_number(phonenumbers.parse(self.e164))

    @property
    def display(self) -> str:
        parsed = phonenumbers.parse(self.e164)
        if is_short_number(parsed):
            text = str(parsed.national_number)
        elif parsed.country_code == HOME_COUNTRY_CODE:
            text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        else:
            text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        return f"{text} 转 {self.extension}" if self.extension else text


HOME_COUNTRY_CODE = 86


def is_short_number(parsed: phonenumbers.PhoneNumber) -> bool:
    """A number the short-number data knows in China and the full plan does not."""
    return (
        parsed.country_code == HOME_COUNTRY_CODE
        and not phonenumbers.is_valid_number(parsed)
        and shortnumberinfo.is_valid_short_number_for_region(parsed, DEFAULT_REGION)
    )


def shown(raw: str, e164: str, extension: str = "") -> str:
    """A stored number on screen: a Chinese one as the officer typed it, one abroad with its
    country code (“001 650 253 0000” shows as +1 650-253-0000)."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return raw
    if parsed.country_code == HOME_COUNTRY_CODE:
        return raw
    return NormalisedNumber(raw, e164, extension, str(parsed.national_number)).display


def normalise(raw: str, *, area_code: str = DEFAULT_AREA_CODE) -> NormalisedNumber:
    """Parse a number as typed; raise ValidationError with a readable reason if it is not one."""
    if raw is not None and not isinstance(raw, str):
        raise ValidationError(N_("“{number}” is not a phone number."), number=str(raw)[:40])
    text = (raw or "").strip()
    if not text:
        raise ValidationError(N_("The phone number is empty."))
    if len(text) > 40:
        raise ValidationError(N_("“{number}” is too long to be a phone number."), number=text[:40])
    text = _fold(text)
    extension = ""
    match = _EXTENSION_WORDS.search(text)
    if match:
        extension = match.group(2)
        text = text[: match.start()]
    if not _ALLOWED.match(text):
        raise ValidationError(
            N_("“{number}” is not a phone number: only digits, spaces, +, - and brackets."),
            number=raw.strip(),
        )
    digits = re.sub(r"[^0-9]", "", text)
    if text.lstrip().startswith("+"):
        candidate = "+" + digits
    elif digits.startswith("00"):
        candidate = "+" + digits[2:]
    elif len(digits) in (7, 8) and not digits.startswith(("0", "1")):
        # A local landline typed without its area code.
        candidate = "0" + area_code + digits
    else:
        candidate = digits
    try:
        parsed = phonenumbers.parse(candidate, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        if digits and exc.error_type in _WRONG_LENGTH:
            raise ValidationError(_WRONG_DIGITS, number=raw.strip()) from None
        raise ValidationError(N_("“{number}” is not a phone number."), number=raw.strip()) from None
    # A short number counts only dialled at home: "+86 12345" is no number anywhere.
    domestic = candidate == digits
    if not phonenumbers.is_valid_number(parsed) and not (domestic and is_short_number(parsed)):
        raise ValidationError(_WRONG_DIGITS, number=raw.strip())
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return NormalisedNumber(
        raw=raw.strip(),
        e164=e164,
        extension=extension,
        digits=str(parsed.national_number),
    )


def split_extension(text: str) -> tuple[str, str]:
    """``(number, extension)`` of a typed number or fragment: "4321 转 12" → ("4321", "12")."""
    folded = _fold(text).strip()
    match = _EXTENSION_WORDS.search(folded)
    if match is None:
        return folded, ""
    return folded[: match.start()].strip(), match.group(2)


def looks_like_number(text: str) -> bool:
    """True if the text is a number or part of one as typed (digits and number punctuation,
    an extension allowed), as opposed to a name."""
    main, _extension = split_extension(text)
    return any(c.isdigit() for c in main) and bool(_ALLOWED.match(main))


def search_digits(fragment: str) -> str:
    """The digits of a typed fragment, without a country prefix, for substring search."""
    # An extension is not part of the stored digits: "87654321 转 808" searches 87654321.
    main, _extension = split_extension(fragment)
    digits = re.sub(r"[^0-9]", "", main)
    if digits.startswith("0086"):
        return digits[4:]
    if main.lstrip("( ").startswith("+") and digits.startswith("86"):
        return digits[2:]
    if digits.startswith("0") and not digits.startswith("00"):
        return digits[1:]  # the trunk prefix of an area code is not stored
    return digits
