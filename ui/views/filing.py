"""Where to file unfiled communications: the cases suggested for them, and a filing.

The suggestions put first the cases the filing model ranks best for the messages
themselves (:mod:`coordinator.foresight.filing`), each with its reasons; then the open
cases of the callers (their most recently active), then the office's other open cases.
A search text narrows the last two and leaves the ranked ones out: the officer is
looking for something else. A filing remembers what it moved, so that it can be undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from coordinator.errors import DomainError
from coordinator.foresight.filing import Suggestion
from coordinator.foresight.reasons import reasons_text
from coordinator.queries import caller_card
from coordinator.queries import cases as caseq
from coordinator.queries.cases import CaseFilter
from coordinator.queries.communications import CommunicationRow
from coordinator.store.storage import Store

SUGGESTIONS_SHOWN = 30
CALLERS_CONSIDERED = 5
"""The selected rows' callers whose cases are suggested first (the first ones in the list)."""


@dataclass(frozen=True)
class CaseChoice:
    case_id: int
    reference: str
    title: str
    company: str
    caller_name: str = ""
    """Set when the case is suggested because it is one of this caller's open cases."""
    reasons: str = ""
    """Set when the filing model ranked the case: why, in words."""

    def label(self) -> str:
        text = f"{self.reference} · {self.title}"
        return f"{text} — {self.company}" if self.company else text

    def matches(self, text: str) -> bool:
        needle = text.casefold()
        return any(needle in part.casefold() for part in (self.reference, self.title, self.company))


def suggested_cases(
    store: Store,
    rows: Sequence[CommunicationRow],
    text: str,
    now: datetime,
    ranked: Sequence[Suggestion] = (),
) -> list[CaseChoice]:
    """Open cases to file ``rows`` to: the ``ranked`` ones first (unless there is a search
    text), then their callers' recent open cases, then the office's open cases (newest
    first); ``text`` narrows the last two."""
    text = text.strip()
    choices: dict[int, CaseChoice] = {}
    if not text and ranked:
        found_ranked = caseq.rows(store, [s.case_id for s in ranked])
        for suggestion in ranked:
            case_row = found_ranked.get(suggestion.case_id)
            if case_row is not None:
                choices[case_row.id] = CaseChoice(
                    case_row.id,
                    case_row.reference,
                    case_row.title,
                    case_row.company_name,
                    reasons=reasons_text(suggestion.reasons),
                )
    contacts: dict[int, str] = {}
    numbers: list[str] = []
    for row in rows:
        if row.contact_id is not None:
            contacts.setdefault(row.contact_id, row.who)
        elif row.raw_number and row.raw_number not in numbers:
            numbers.append(row.raw_number)

    def offer(choice: CaseChoice) -> None:
        if not text or choice.matches(text):
            choices.setdefault(choice.case_id, choice)

    with store.snapshot():
        for contact_id, name in list(contacts.items())[:CALLERS_CONSIDERED]:
            try:
                card = caller_card.caller_card(store, contact_id, now, recent_limit=0)
            except DomainError:  # deleted meanwhile: nothing to suggest for them
                continue
            for case in card.open_cases:
                offer(CaseChoice(case.case_id, case.reference, case.title, case.company_name, name))
        for number in numbers[:CALLERS_CONSIDERED]:
            try:
                case_id = caller_card.defaults(store, raw_number=number).case_id
            except DomainError:  # a number as typed that is no phone number
                continue
            if case_id is not None and case_id not in choices:
                found = caseq.rows(store, [case_id]).get(case_id)
                if found is not None:
                    offer(
                        CaseChoice(
                            found.id, found.reference, found.title, found.company_name, number
                        )
                    )
        others = caseq.ids(store, CaseFilter(open_only=True, text=text), limit=SUGGESTIONS_SHOWN)
        rows_found = caseq.rows(store, [i for i in others if i not in choices])
    for ident in others:
        found = rows_found.get(ident)
        if found is not None:
            choices[ident] = CaseChoice(found.id, found.reference, found.title, found.company_name)
    return list(choices.values())[:SUGGESTIONS_SHOWN]


@dataclass(frozen=True)
class Filing:
    """One filing, as U undoes it."""

    ids: tuple[int, ...]
    case_id: int
    reference: str
