"""Yearly indicators: amounts cases bring in, against annual targets and last year.

Domestic indicators are counted in CNY and foreign ones in USD, as the office reports
them; an amount in another currency is refused rather than silently converted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from coordinator.errors import ValidationError
from coordinator.i18n import N_, Msg
from coordinator.kinds import Indicator
from coordinator.labels import F_DATE, F_NOTES
from coordinator.services._common import WHAT_CASE, get_or_raise
from coordinator.services.cases import _amount_minor
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.models import NOTE_MAX, Case, CaseAmount, IndicatorTarget
from coordinator.store.records import amount_from_minor
from coordinator.store.storage import Store
from coordinator.validation import check_date, clean_text

ENTITY = "indicator"

CURRENCY: dict[Indicator, str] = {
    Indicator.DOMESTIC_OUTSIDE_CITY: "CNY",
    Indicator.OUTSIDE_PROVINCE: "CNY",
    Indicator.FOREIGN_CONTRACTED: "USD",
    Indicator.FOREIGN_USED: "USD",
}

LABEL: dict[Indicator, Msg] = {
    Indicator.DOMESTIC_OUTSIDE_CITY: N_("Domestic capital from outside the city"),
    Indicator.OUTSIDE_PROVINCE: N_("Capital from outside the province"),
    Indicator.FOREIGN_CONTRACTED: N_("Contracted foreign capital"),
    Indicator.FOREIGN_USED: N_("Foreign capital actually used"),
}


@dataclass(frozen=True)
class AmountRecord:
    id: int
    case_id: int
    indicator: Indicator
    amount: Decimal
    currency: str
    counted_on: date
    note: str


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


def _indicator(value: Indicator | str) -> Indicator:
    try:
        return Indicator(value)
    except ValueError:
        raise ValidationError(N_("“{value}” is not an indicator."), value=value) from None


def _checked_currency(indicator: Indicator, currency: str) -> str:
    wanted = CURRENCY[indicator]
    if currency.strip().upper() != wanted:
        raise ValidationError(
            N_("{indicator} is counted in {currency}."),
            indicator=LABEL[indicator],
            currency=wanted,
        )
    return wanted


def add_amount(
    store: Store,
    case_id: int,
    indicator: Indicator | str,
    amount: Decimal | int | str,
    *,
    counted_on: date,
    currency: str | None = None,
    note: str = "",
) -> Outcome[AmountRecord]:
    which = _indicator(indicator)
    minor = _amount_minor(amount)
    if minor is None:
        raise ValidationError(N_("{field} is required."), field=N_("Amount"))
    code = _checked_currency(which, currency or CURRENCY[which])
    day = check_date(counted_on, F_DATE)
    with store.work() as work:
        case = get_or_raise(work.session, Case, case_id, WHAT_CASE)
        row = CaseAmount(
            case_id=case.id,
            indicator=which,
            amount_minor=minor,
            currency=code,
            counted_on=day,
            note=clean_text(note, F_NOTES, max_length=NOTE_MAX, multiline=True),
        )
        work.session.add(row)
        work.session.flush()
        work.record(
            ENTITY, row.id, which.value, None, f"{amount_from_minor(minor)} {code}", case_id=case.id
        )
        work.changed(ChangeKind.CASE, case.id)
        record = AmountRecord(row.id, case.id, which, Decimal(minor) / 100, code, day, row.note)
    return Outcome(record, work.changes)


def remove_amount(store: Store, amount_id: int) -> Outcome[None]:
    with store.work() as work:
        row = get_or_raise(work.session, CaseAmount, amount_id, N_("amount"))
        work.record(
            ENTITY,
            row.id,
            row.indicator.value,
            f"{amount_from_minor(row.amount_minor)} {row.currency}",
            None,
            case_id=row.case_id,
        )
        work.session.delete(row)
        work.changed(ChangeKind.CASE, row.case_id)
    return Outcome(None, work.changes)


def set_target(
    store: Store, year: int, indicator: Indicator | str, amount: Decimal | int | str | None
) -> Outcome[None]:
    """Set (or with ``None`` clear) the annual target of one indicator."""
    which = _indicator(indicator)
    if not 2000 <= year <= 2100:
        raise ValidationError(N_("The year must be between 2000 and 2100."))
    minor = _amount_minor(amount)
    with store.work() as work:
        row = work.session.get(IndicatorTarget, (year, which))
        before = None if row is None else str(amount_from_minor(row.target_minor))
        if minor is None:
            if row is not None:
                work.session.delete(row)
        elif row is None:
            work.session.add(
                IndicatorTarget(
                    year=year, indicator=which, target_minor=minor, currency=CURRENCY[which]
                )
            )
        else:
            row.target_minor = minor
        work.record(
            ENTITY,
            year,
            f"target:{which.value}",
            before,
            None if minor is None else str(amount_from_minor(minor)),
        )
        work.changed(ChangeKind.SETTING, year)
    return Outcome(None, work.changes)


def for_case(store: Store, case_id: int) -> list[AmountRecord]:
    with store.read() as session:
        rows = session.scalars(
            select(CaseAmount).where(CaseAmount.case_id == case_id).order_by(CaseAmount.counted_on)
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
