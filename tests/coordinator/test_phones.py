"""Phone numbers: one normal form whatever the typing, readable refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.errors import DomainError, ValidationError
from coordinator.phones import NormalisedNumber, normalise, search_digits

InChinese = Callable[[DomainError], DomainError]
MOBILE = "+8613800138000"
NINGBO = "+8657487654321"


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "+8613800138000",
        "0086 138 0013 8000",
        "0086-13800138000",
        "(+86) 138 0013 8000",
        "  13800138000  ",
        "１３８００１３８０００",  # full-width digits, as a Chinese input method types them
        "＋８６ １３８ ００１３ ８０００",
        "138\u30000013\u30008000",  # ideographic spaces
        "138－0013－8000",  # full-width hyphen
        "138—0013—8000",  # em dash
        "138.0013.8000",
    ],
)
def test_mobile_typings(typed: str) -> None:
    number = normalise(typed)
    assert number.e164 == MOBILE
    assert number.extension == ""
    assert number.digits == "13800138000"
    assert number.raw == typed.strip()


@pytest.mark.parametrize(
    "typed",
    [
        "0574-87654321",
        "0574 8765 4321",
        "(0574) 8765 4321",
        "（0574）87654321",  # full-width brackets
        "+86 574 8765 4321",
        "0086 574 87654321",
        "87654321",  # no area code: the office's own (Ningbo, 574)
        "8765 4321",
        "8765-4321",
        "８７６５４３２１",
        "０５７４－８７６５４３２１",
    ],
)
def test_landline_typings(typed: str) -> None:
    number = normalise(typed)
    assert number.e164 == NINGBO
    assert number.digits == "57487654321"
    assert number.extension == ""


def test_area_code_of_a_local_number_can_be_chosen() -> None:
    assert normalise("65529988", area_code="10").e164 == "+861065529988"
    assert normalise("010-65529988").e164 == "+861065529988"
    assert normalise("021 6321 1234").e164 == "+862163211234"


@pytest.mark.parametrize(
    ("typed", "extension"),
    [
        ("0574-87654321 转 808", "808"),
        ("0574-87654321转808", "808"),
        ("0574-87654321 分机 808", "808"),
        ("0574-87654321 分机号 808", "808"),
        ("0574-87654321 ext 12", "12"),
        ("0574-87654321 ext. 12", "12"),
        ("0574-87654321 EXT 12", "12"),
        ("0574-87654321 x12", "12"),
        ("0574-87654321x12", "12"),
        ("0574-87654321 #12", "12"),
        ("87654321 转 808", "808"),
        ("０５７４－８７６５４３２１ 转 ８０８", "808"),
    ],
)
def test_extensions(typed: str, extension: str) -> None:
    number = normalise(typed)
    assert (number.e164, number.extension) == (NINGBO, extension)
    assert number.display.endswith(f" 转 {extension}")


@pytest.mark.parametrize(
    ("typed", "e164", "digits"),
    [
        ("+1 650 253 0000", "+16502530000", "6502530000"),
        ("001 650 253 0000", "+16502530000", "6502530000"),
        ("+44 20 7946 0958", "+442079460958", "2079460958"),
        ("+852 2123 4567", "+85221234567", "21234567"),
        ("+886 2 2345 6789", "+886223456789", "223456789"),
        ("+81 3-1234-5678", "+81312345678", "312345678"),
        ("+49 30 123456", "+4930123456", "30123456"),
    ],
)
def test_foreign_numbers(typed: str, e164: str, digits: str) -> None:
    number = normalise(typed)
    assert (number.e164, number.digits) == (e164, digits)


def test_display_is_the_national_format() -> None:
    assert normalise("+8613800138000").display == "138 0013 8000"
    assert normalise("87654321").display == "0574 8765 4321"
    assert NormalisedNumber("x", MOBILE, "", "13800138000").display == "138 0013 8000"


@pytest.mark.parametrize(
    ("typed", "english"),
    [
        ("", "The phone number is empty."),
        ("   ", "The phone number is empty."),
        ("+", "“+” is not a phone number."),
        ("++", "“++” is not a phone number."),
        ("x12", "“x12” is not a phone number."),
        ("abc", "“abc” is not a phone number: only digits, spaces, +, - and brackets."),
        (
            "138OO138OOO",  # letters O for zeros
            "“138OO138OOO” is not a phone number: only digits, spaces, +, - and brackets.",
        ),
        ("王成峰", "“王成峰” is not a phone number: only digits, spaces, +, - and brackets."),
        (
            "138\x0000138000",
            "“138\x0000138000” is not a phone number: only digits, spaces, +, - and brackets.",
        ),
        (
            "138\t0013 8000",
            "“138\t0013 8000” is not a phone number: only digits, spaces, +, - and brackets.",
        ),
        ("1234", "“1234” is not a valid phone number (check the number of digits)."),
        ("1380013", "“1380013” is not a valid phone number (check the number of digits)."),
        (
            "138001380001",  # one digit too many
            "“138001380001” is not a valid phone number (check the number of digits).",
        ),
        (
            "1" * 25,
            f"“{'1' * 25}” is not a valid phone number (check the number of digits).",
        ),
        ("1" * 41, f"“{'1' * 40}” is too long to be a phone number."),
    ],
)
def test_refused_with_the_reason(typed: str, english: str, in_chinese: InChinese) -> None:
    with pytest.raises(ValidationError) as info:
        normalise(typed)
    assert info.value.message("en") == english
    in_chinese(info.value)


def test_not_text_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        normalise(13800138000)  # type: ignore[arg-type]
    assert info.value.message("en") == "“13800138000” is not a phone number."


@pytest.mark.parametrize(
    ("fragment", "digits"),
    [
        ("138", "138"),
        ("0013 8000", "0013 8000".replace(" ", "")),
        ("+86 138", "138"),
        ("0086 138", "138"),
        ("0574-8765", "5748765"),
        ("8765 4321", "87654321"),
        ("１３８", "138"),
        ("王", ""),
    ],
)
def test_search_digits(fragment: str, digits: str) -> None:
    assert search_digits(fragment) == digits


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=45))
def test_any_text_is_a_number_or_a_validation_error(typed: str) -> None:
    try:
        number = normalise(typed)
    except ValidationError as err:
        message = err.message("en")
    else:
        message = ""
        assert number.e164.startswith("+")
        assert number.e164[1:].isdigit()
        assert number.digits.isdigit()
        assert number.raw == typed.strip()
    assert message or number


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["138", "139", "150", "186", "199"]),
    st.integers(min_value=0, max_value=99_999_999),
    st.sampled_from(["{a}{b}", "+86 {a} {b}", "0086-{a}-{b}", "({a}) {b}", "{a}-{b}"]),
)
def test_every_typing_of_a_mobile_gives_one_form(prefix: str, rest: int, layout: str) -> None:
    line = f"{rest:08d}"
    expected = normalise(prefix + line).e164
    typed = layout.format(a=prefix, b=f"{line[:4]} {line[4:]}")
    assert normalise(typed).e164 == expected == f"+86{prefix}{line}"


# -- short numbers and numbers abroad ----------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("12345", "12345"),  # the citizens' service hotline
        ("95588", "95588"),  # a bank
        ("10086", "10086"),  # a carrier
        ("９５５８８", "95588"),
        ("  12315 ", "12315"),
        ("110", "110"),
    ],
)
def test_short_numbers_are_numbers_shown_as_dialled(typed: str, shown: str) -> None:
    number = normalise(typed)
    assert number.is_short
    assert number.display == shown
    assert number.digits == shown
    assert number.e164 == "+86" + shown
    # Typed twice, the same normal form: a caller from a hotline is recognised.
    assert normalise(shown) == NormalisedNumber(shown, number.e164, "", shown)


@pytest.mark.parametrize("typed", ["1234", "99999", "123456", "+86 12345", "0086 95588"])
def test_digits_no_short_number_list_knows_are_still_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="check the number of digits"):
        normalise(typed)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("+1 650 253 0000", "+1 650-253-0000"),
        ("001 650 253 0000", "+1 650-253-0000"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("0044 20 7946 0958 ext 12", "+44 20 7946 0958 转 12"),
        ("+852 2123 4567", "+852 2123 4567"),
        # At home, a number reads as dialled at home: no +86.
        ("+86 138 0013 8000", "138 0013 8000"),
        ("0574-87654321 转 808", "0574 8765 4321 转 808"),
    ],
)
def test_a_number_abroad_shows_its_country_code(typed: str, shown: str) -> None:
    number = normalise(typed)
    assert not number.is_short
    assert number.display == shown


def test_a_stored_number_is_shown_as_typed_at_home_and_with_its_code_abroad() -> None:
    from coordinator.phones import shown

    home = normalise("0574-87654321 转 808")
    assert shown(home.raw, home.e164, home.extension) == "0574-87654321 转 808"
    hotline = normalise("95588")
    assert shown(hotline.raw, hotline.e164) == "95588"
    abroad = normalise("001 650 253 0000 ext 7")
    assert shown(abroad.raw, abroad.e164, abroad.extension) == "+1 650-253-0000 转 7"
