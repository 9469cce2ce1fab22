"""The demo: a few weeks in the life of one liaison officer, ending today.

:func:`build_demo` fills an empty store with the situations of the article the product
comes from (see ``shared/seed/README.md``): a project that lands in half a day under the
fast-track procedure, a cross-district filing done in half an hour, a capital increase by
overseas bonds due by the end of January, a talent match, plus ordinary cases of the
same office.

Every date is relative to ``now``, so that the "Today" screen has something in each of
its lists whenever the demo is built: actions overdue and due today, follow-ups due,
unfiled calls, documents waiting at departments.

Everything goes through the services, as timed steps (:mod:`coordinator.demo.runner`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from coordinator.demo import background, story
from coordinator.demo.runner import Runner, simulated_clock
from coordinator.demo.scenario import DEMO_TARGETS, INDICATOR_TAGS, TEMPLATE_KEYS
from coordinator.errors import ConflictError, ValidationError
from coordinator.i18n import N_
from coordinator.kinds import CaseStatus, Indicator
from coordinator.queries import cases as case_queries
from coordinator.services import indicators
from coordinator.store.models import (
    Action,
    Base,
    Case,
    Communication,
    Contact,
    Document,
    Organisation,
    Template,
)
from coordinator.store.storage import Store


@dataclass(frozen=True)
class DemoSummary:
    """What the demo wrote (counted from the store once it is built)."""

    organisations: int
    contacts: int
    cases: int
    open_cases: int
    actions: int
    documents: int
    communications: int
    unfiled_communications: int
    open_follow_ups: int

    def __str__(self) -> str:
        return (
            f"cases={self.cases} (open {self.open_cases}), contacts={self.contacts}, "
            f"organisations={self.organisations}, communications={self.communications} "
            f"(unfiled {self.unfiled_communications}, open follow-ups {self.open_follow_ups}), "
            f"actions={self.actions}, documents={self.documents}"
        )


def build_demo(store: Store, now: datetime | None = None) -> DemoSummary:
    """Fill an empty store with the demo scenario, every date relative to ``now``.

    Raises :class:`ConflictError` if the store already holds cases, contacts or
    communications, and :class:`ValidationError` if one of the shipped case templates
    was deleted; nothing of the scenario is written then (the shipped templates are
    installed first if they never were, as the app itself does).
    """
    moment = (now or store.clock()).replace(microsecond=0)
    with store.read() as session:
        used = any(_count(session, model) for model in (Case, Contact, Communication))
    if used:
        raise ConflictError(
            N_(
                "The demo can only fill an empty store: this one already holds cases, "
                "contacts or communications."
            )
        )
    demo = Runner(store, moment)
    demo.install_templates()
    with store.read() as session:
        present = set(session.scalars(select(Template.key)))
    missing = [key for key in TEMPLATE_KEYS if key not in present]
    if missing:  # the officer deleted a shipped template: nothing else is written
        raise ValidationError(N_("There is no case template “{key}”."), key=missing[0])
    # The random choices are drawn in this order: each part plans after the one before.
    demo.plan_directory()
    story.plan(demo)
    background.plan(demo)
    demo.run()
    _count_indicators(store, moment)
    return _summary(store)


def _count_indicators(store: Store, moment: datetime) -> None:
    """Count each case's amount towards the indicators its tags name.

    Contracted amounts count when the case opens, the others when it is done (money
    actually in); cancelled cases count for nothing. The events are dated ``moment``, the
    demo's "now", like the rest of the scenario.
    """
    with simulated_clock(store, lambda: moment):
        _add_indicator_amounts(store, moment)


def _add_indicator_amounts(store: Store, moment: datetime) -> None:
    for case in case_queries.list_cases(store):
        if case.status == CaseStatus.CANCELLED or case.amount is None:
            continue
        for tag in case.tags:
            which = INDICATOR_TAGS.get(tag)
            if which is None or case.currency != indicators.CURRENCY[which]:
                continue
            when = case.opened_at if which == Indicator.FOREIGN_CONTRACTED else case.closed_at
            if when is None:
                continue
            indicators.add_amount(store, case.id, which, case.amount, counted_on=when.date())
    for which, target in DEMO_TARGETS.items():
        indicators.set_target(store, moment.year, which, target)


def _count(session: Session, model: type[Base], *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _summary(store: Store) -> DemoSummary:
    def count(model: type[Base], *where: ColumnElement[bool]) -> int:
        return _count(session, model, *where)

    with store.read() as session:
        return DemoSummary(
            organisations=count(Organisation),
            contacts=count(Contact),
            cases=count(Case),
            open_cases=count(Case, Case.status == CaseStatus.OPEN),
            actions=count(Action),
            documents=count(Document),
            communications=count(Communication),
            unfiled_communications=count(Communication, Communication.case_id.is_(None)),
            open_follow_ups=count(
                Communication,
                Communication.follow_up_due.is_not(None),
                Communication.follow_up_done_at.is_(None),
            ),
        )
