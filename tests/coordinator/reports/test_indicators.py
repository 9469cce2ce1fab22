"""Yearly indicators: totals, % of target and growth on a hand-computed example.

The figures are the article's: 1.428 bn domestic capital from outside the city against
a 1.2 bn target (119 %); foreign capital actually used USD 67.128 m against a USD 22 m
target (305.13 %) and USD 13.6 m the year before (+393.59 %).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from coordinator.errors import ValidationError
from coordinator.kinds import Indicator
from coordinator.queries import indicators as indicator_queries
from coordinator.safety.opening import open_store
from coordinator.services import cases, indicators
from coordinator.store.storage import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "data")


def test_percent_of_target_and_growth(store: Store) -> None:
    a = cases.open_case(store, "甲项目").value.id
    b = cases.open_case(store, "乙项目").value.id
    indicators.add_amount(
        store, a, Indicator.DOMESTIC_OUTSIDE_CITY, "1000000000", counted_on=date(2026, 3, 1)
    )
    indicators.add_amount(
        store, b, Indicator.DOMESTIC_OUTSIDE_CITY, "428000000", counted_on=date(2026, 9, 30)
    )
    indicators.set_target(store, 2026, Indicator.DOMESTIC_OUTSIDE_CITY, "1200000000")
    indicators.add_amount(
        store, b, Indicator.FOREIGN_USED, "67128000", counted_on=date(2026, 12, 31)
    )
    indicators.add_amount(store, a, Indicator.FOREIGN_USED, "13600000", counted_on=date(2025, 6, 1))
    indicators.set_target(store, 2026, Indicator.FOREIGN_USED, "22000000")

    figures = {f.indicator: f for f in indicator_queries.yearly(store, 2026)}

    domestic = figures[Indicator.DOMESTIC_OUTSIDE_CITY]
    assert domestic.total == Decimal("1428000000")
    assert domestic.percent_of_target == Decimal("119.00")
    assert domestic.growth_percent is None  # nothing the year before
    used = figures[Indicator.FOREIGN_USED]
    assert (used.total, used.last_year, used.currency) == (
        Decimal("67128000"),
        Decimal("13600000"),
        "USD",
    )
    assert used.percent_of_target == Decimal("305.13")
    assert used.growth_percent == Decimal("393.59")
    assert figures[Indicator.OUTSIDE_PROVINCE].total == 0
    assert figures[Indicator.OUTSIDE_PROVINCE].percent_of_target is None


def test_wrong_currency_is_refused(store: Store) -> None:
    case_id = cases.open_case(store, "丙项目").value.id
    with pytest.raises(ValidationError) as info:
        indicators.add_amount(
            store,
            case_id,
            Indicator.FOREIGN_CONTRACTED,
            "100",
            counted_on=date(2026, 1, 1),
            currency="CNY",
        )
    assert info.value.message("en") == "Contracted foreign capital is counted in USD."
    assert indicator_queries.for_case(store, case_id) == []


def test_removing_an_amount_and_clearing_a_target(store: Store) -> None:
    case_id = cases.open_case(store, "丁项目").value.id
    added = indicators.add_amount(
        store, case_id, "outside_province", "639000000", counted_on=date(2026, 5, 5)
    ).value
    indicators.set_target(store, 2026, "outside_province", "600000000")
    assert {f.indicator: f for f in indicator_queries.yearly(store, 2026)}[
        Indicator.OUTSIDE_PROVINCE
    ].percent_of_target == Decimal("106.50")
    indicators.remove_amount(store, added.id)
    indicators.set_target(store, 2026, "outside_province", None)
    figure = {f.indicator: f for f in indicator_queries.yearly(store, 2026)}[
        Indicator.OUTSIDE_PROVINCE
    ]
    assert (figure.total, figure.target) == (0, None)
