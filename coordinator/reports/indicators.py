"""The yearly indicators: each indicator's total from cases, against target and last year.

Percentages are computed here from the exact totals (to one decimal, half up), so the
page and a hand calculation agree: 67.128 m used against a 22 m target is 305.1 %.
The chart is horizontal bars drawn as HTML tables — target, this year and last year
for each indicator, on one scale per indicator (their currencies differ) — so it prints
and shows on screen alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from coordinator.i18n import _
from coordinator.queries import indicators as indicator_queries
from coordinator.queries.indicators import IndicatorFigure
from coordinator.reports import figures
from coordinator.reports.base import Report
from coordinator.reports.blocks import Bar, page, printing_time
from coordinator.services import indicators as indicator_service
from coordinator.store.models import Case, CaseAmount, Organisation
from coordinator.store.storage import Store


@dataclass(frozen=True)
class IndicatorRow:
    label: str
    total: str
    target: str
    percent_of_target: str
    reached: bool
    last_year: str
    growth: str


@dataclass(frozen=True)
class IndicatorChart:
    label: str
    headline: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class ContributionRow:
    reference: str
    title: str
    company: str
    indicator: str
    amount: str
    counted_on: str


def percent_of_target(figure: IndicatorFigure) -> Decimal | None:
    return figures.ratio_percent(figure.total, figure.target) if figure.target else None


def growth(figure: IndicatorFigure) -> Decimal | None:
    if not figure.last_year:
        return None
    return figures.ratio_percent(figure.total - figure.last_year, figure.last_year)


def _contributions(store: Store, year: int) -> list[ContributionRow]:
    with store.read() as session:
        rows = session.execute(
            select(
                Case.reference,
                Case.title,
                Organisation.name,
                CaseAmount.indicator,
                CaseAmount.amount_minor,
                CaseAmount.currency,
                CaseAmount.counted_on,
            )
            .join(Case, Case.id == CaseAmount.case_id)
            .outerjoin(Organisation, Organisation.id == Case.company_id)
            .where(
                CaseAmount.counted_on >= date(year, 1, 1),
                CaseAmount.counted_on <= date(year, 12, 31),
            )
            .order_by(CaseAmount.indicator, CaseAmount.counted_on, CaseAmount.id)
        ).all()
    return [
        ContributionRow(
            reference=r[0],
            title=r[1],
            company=r[2] or "",
            indicator=indicator_service.LABEL[r[3]].tr(),
            amount=figures.money(Decimal(r[4]) / 100, r[5]),
            counted_on=figures.day(r[6]),
        )
        for r in rows
    ]


def _chart(figure: IndicatorFigure, label: str) -> IndicatorChart:
    values = [
        (_("Target"), figure.target, "fill-muted"),
        (str(figure.year), figure.total, "fill"),
        (str(figure.year - 1), figure.last_year, "fill-light"),
    ]
    top = max((v for _label, v, _tone in values if v is not None), default=Decimal(0))
    bars = tuple(
        Bar(
            label=name,
            value=figures.money(value, figure.currency),
            percent=int((value * 100 / top).to_integral_value()) if top > 0 else 0,
            tone=tone,
        )
        for name, value, tone in values
        if value is not None
    )
    reached = percent_of_target(figure)
    headline = (
        _("{percent} of target").format(percent=figures.percent(reached))
        if reached is not None
        else _("no target entered")
    )
    return IndicatorChart(label, headline, bars)


def indicators(store: Store, year: int, now: datetime | None = None) -> Report:
    moment = printing_time(store, now)
    yearly = indicator_queries.yearly(store, year)
    rows = []
    charts = []
    for figure in yearly:
        label = indicator_service.LABEL[figure.indicator].tr()
        reached = percent_of_target(figure)
        rows.append(
            IndicatorRow(
                label=label,
                total=figures.money(figure.total, figure.currency),
                target=figures.money(figure.target, figure.currency) if figure.target else "—",
                percent_of_target=figures.percent(reached),
                reached=reached is not None and reached >= 100,
                last_year=figures.money(figure.last_year, figure.currency),
                growth=figures.percent(growth(figure), signed=True),
            )
        )
        charts.append(_chart(figure, label))
    return page(
        store,
        moment,
        "indicators.html",
        title=_("Yearly indicators {year}").format(year=year),
        heading=_("Yearly indicators"),
        qualifier=str(year),
        year=year,
        last_year=year - 1,
        rows=rows,
        charts=charts,
        contributions=_contributions(store, year),
    )
