"""Yearly indicators and the amounts each case counts towards them: reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from coordinator.kinds import Indicator
from coordinator.services.indicators import CURRENCY
from coordinator.store.models import CaseAmount, IndicatorTarget
from coordinator.store.records import AmountRecord
from coordinator.store.storage import Store


@dataclass(frozen=True)
class IndicatorFigure:
    indicator: Indicator
    year: int
    currency: str
    total: Decimal
    target: Decimal | None
    last_year: Decimal
    percent_of_target: Decimal | None  # 119.0 means 119 %
    growth_percent: Decimal | None  # on last year; None when last year was zero


def for_case(store: Store, case_id: int) -> list[AmountRecord]:
    with store.read() as session:
        rows = session.scalars(
            select(CaseAmount)
            .where(CaseAmount.case_id == case_id)
            .order_by(CaseAmount.counted_on, CaseAmount.id)
        )
        return [
            AmountRecord(
                r.id,
                r.case_id,
                r.indicator,
                Decimal(r.amount_minor) / 100,
                r.currency,
                r.counted_on,
                r.note,
            )
            for r in rows
        ]


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def yearly(store: Store, year: int) -> list[IndicatorFigure]:
    """Each indicator's total for the year, % of target and growth on the year before."""
    with store.read() as session:

        def total(y: int) -> dict[Indicator, int]:
            rows = session.execute(
                select(CaseAmount.indicator, func.sum(CaseAmount.amount_minor))
                .where(
                    CaseAmount.counted_on >= date(y, 1, 1), CaseAmount.counted_on <= date(y, 12, 31)
                )
                .group_by(CaseAmount.indicator)
            )
            return {Indicator(r[0]): int(r[1] or 0) for r in rows}

        this_year, last_year = total(year), total(year - 1)
        targets = {
            t.indicator: t.target_minor
            for t in session.scalars(select(IndicatorTarget).where(IndicatorTarget.year == year))
        }
    figures = []
    for which in Indicator:
        now_total = Decimal(this_year.get(which, 0)) / 100
        before = Decimal(last_year.get(which, 0)) / 100
        target_minor = targets.get(which)
        target = None if target_minor is None else Decimal(target_minor) / 100
        figures.append(
            IndicatorFigure(
                indicator=which,
                year=year,
                currency=CURRENCY[which],
                total=now_total,
                target=target,
                last_year=before,
                percent_of_target=_percent(now_total, target) if target else None,
                growth_percent=_percent(now_total - before, before) if before else None,
            )
        )
    return figures
