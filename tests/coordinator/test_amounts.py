"""Amounts typed the office's way: 5000万, 1.5亿元, 250m; targets counted in 万."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coordinator.errors import ValidationError
from coordinator.labels import F_AMOUNT
from coordinator.services import cases
from coordinator.store.storage import Store
from coordinator.validation import parse_amount

WAN = Decimal(10_000)


@pytest.mark.parametrize(
    ("typed", "yuan", "in_wan"),
    [
        ("50000000", 50_000_000, 500_000_000_000),
        ("5,000万", 50_000_000, 50_000_000),
        ("5000 万元", 50_000_000, 50_000_000),
        ("1.5亿", 150_000_000, 150_000_000),
        ("1.5亿元", 150_000_000, 150_000_000),
        ("CNY 1.5 m", 1_500_000, 1_500_000),
        ("250000000元", 250_000_000, 250_000_000),  # a unit said outright wins
        ("２５０００", 25_000, 250_000_000),
        ("25000", 25_000, 250_000_000),
    ],
)
def test_amounts_in_the_offices_units(typed: str, yuan: int, in_wan: int) -> None:
    assert parse_amount(typed, F_AMOUNT) == yuan
    assert parse_amount(typed, F_AMOUNT, bare_unit=WAN) == in_wan


def test_a_currency_named_must_be_the_fields() -> None:
    assert parse_amount("2,260万美元", F_AMOUNT, currency="USD") == 22_600_000
    with pytest.raises(ValidationError) as info:
        parse_amount("2,260万美元", F_AMOUNT, currency="CNY")
    assert info.value.message("en") == "Amount is counted in CNY, not USD."
    assert info.value.message("zh_CN") == "金额以 CNY 计，不能填 USD。"


def test_a_case_amount_typed_in_yi(store: Store) -> None:
    case = cases.open_case(store, "甲").value
    assert cases.update(store, case.id, amount="1.5亿").value.amount == Decimal(150_000_000)
    assert cases.update(store, case.id, amount="2,260万").value.amount == Decimal(22_600_000)
