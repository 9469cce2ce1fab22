"""Yearly indicators: amounts cases bring in, against annual targets and last year.

Domestic indicators are counted in CNY and foreign ones in USD, as the office reports
them; an amount in another currency is refused rather than silently converted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from coordinator.errors import ValidationError
from coordinator.i18n import N_
from coordinator.kinds import INDICATOR_CURRENCY, Indicator
from coordinator.labels import F_DATE, F_NOTES, INDICATOR
from coordinator.services.cases import _amount_minor
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.lookup import WHAT_CASE, get_or_raise
from coordinator.store.models import NOTE_MAX, Case, CaseAmount, IndicatorTarget
from coordinator.store.records import AmountRecord, amount_from_minor
from coordinator.store.storage import Store
from coordinator.validation import check_date, clean_text

ENTITY = "indicator"

CURRENCY = INDICATOR_CURRENCY
LABEL = INDICATOR


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
