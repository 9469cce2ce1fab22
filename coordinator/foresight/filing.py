"""Where an unfiled message belongs: the open cases ranked, each with its reasons.

A case is scored for a message from four kinds of evidence, each a plain count the
officer can be told about:

* **what the message says**: its terms (:mod:`.terms`) found in what the case is known
  by (its reference, company, amount, kind, tags, the titles of its documents, the
  names of the departments owing it steps) and in the messages already filed to it.
  Each term weighs by how rare it is among the open cases (a term most cases hold, such
  as 材料 or 公司, tells nothing), and by where it was found: a company name or a
  reference says more than a document title every case of the kind shares;
* **who sent it**: how many of this caller's (or this number's) messages were filed to
  the case, as a share of all their filed messages; whether they work at the case's
  company, or at a department owing the case a step;
* **how**: the share of the case's messages that came by this channel;
* **when**: how recently the case was last active.

The learned part is the officer's own filings: the latest :data:`.case_facts.LEARN_WINDOW`
messages of each open case. Filing, refiling, editing a case or its steps updates the
cases concerned (:meth:`FilingModel.apply`), so a correction changes the very next
suggestion. Plain counts measured better here than a trained classifier would be
worth: they update in a millisecond, need no training run, and every point of a score
can be said in words (``bench/bench_foresight.py`` measures them).
"""

from __future__ import annotations

import bisect
import enum
import heapq
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Row, select

from coordinator.kinds import Channel
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.models import (
    Action,
    Communication,
    Contact,
    Document,
    Organisation,
)
from coordinator.store.storage import Store

from .case_facts import HOLDS, OWES, Filed, read_cases
from .reasons import BUSY_DAYS, RECENT_DAYS, Reason, ReasonKind
from .terms import amount_terms, company_core, placed_terms, term_set, terms

SHOWN = 3
COMMON_SHARE = 0.2
"""A term held by more than this share of the open cases is passed over: it ranks
nothing and costs the most to look up."""


class Field(enum.IntEnum):
    """Where a case holds a term; the higher, the more the term says of the case."""

    DOCUMENT = 1
    STEP = 2
    """A step of the case done or to come, or its department."""
    KIND = 3
    TAG = 4
    ACTIVE = 5
    """A step under way now, or the department holding it: what people call about."""
    AMOUNT = 6
    COMPANY = 7
    REFERENCE = 8


FIELD_WEIGHT = {
    Field.DOCUMENT: 0.6,
    Field.STEP: 0.6,
    Field.KIND: 1.0,
    Field.TAG: 1.0,
    Field.ACTIVE: 2.0,
    Field.AMOUNT: 2.5,
    Field.COMPANY: 2.5,
    Field.REFERENCE: 4.0,
}
LEARNED_WEIGHT = 1.0
PRIOR_MESSAGES = 8.0
LEARNED_CAP = 4.0
"""The most one term learned from the filings can add (a company's name said in every
message of its case lifts it about this much)."""
CALLER_WEIGHT = 3.0
CALLER_COMPANY_WEIGHT = 6.0
CALLER_DEPARTMENT_WEIGHT = 2.0
CALLER_OWING_WEIGHT = 0.4
CALLER_RECENT_WEIGHT = 1.5
CALLER_RECENT_DAYS = 2.0
CHANNEL_WEIGHT = 0.3
ACTIVITY_WEIGHT = 0.6
PRIOR_FLOOR = 0.05
PRIOR_CANDIDATES = 30
"""Cases without evidence considered for their prior alone: the most recently active."""
RECENCY_WEIGHT = 1.0


@dataclass(frozen=True)
class Suggestion:
    case_id: int
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Message:
    """What filing looks at in one communication."""

    text: str
    contact_id: int | None
    number: str
    channel: Channel
    at: datetime


def caller_key(contact_id: int | None, number: str) -> str | None:
    """Who sent a message, as the counts know them (interned: one copy per caller)."""
    if contact_id is not None:
        return sys.intern(f"c{contact_id}")
    return sys.intern(f"n{number}") if number else None


@dataclass
class _Profile:
    case_id: int
    company_id: int | None
    opened_at: datetime
    static: dict[str, Field] = field(default_factory=dict)
    departments: frozenset[int] = frozenset()
    """Departments holding one of the case's steps now (requested, not finished)."""
    owing: frozenset[int] = frozenset()
    """Departments owing a step not yet requested of them."""
    learned: Counter[str] = field(default_factory=Counter)
    callers: Counter[str] = field(default_factory=Counter)
    called_last: dict[str, datetime] = field(default_factory=dict)
    """Each caller's latest message filed here: people call back about what they called
    about."""
    channels: Counter[Channel] = field(default_factory=Counter)
    filed: int = 0
    last_at: datetime | None = None
    times: list[datetime] = field(default_factory=list)
    """When its learned messages came, in order: a busy case is called about more."""

    def holds(self) -> set[str]:
        return set(self.static) | set(self.learned)


@dataclass
class _Index:
    of_company: dict[int, list[int]] = field(default_factory=dict)
    holding: dict[int, list[int]] = field(default_factory=dict)
    owed: dict[int, list[int]] = field(default_factory=dict)
    by_activity: list[tuple[datetime, int]] = field(default_factory=list)


class FilingModel:
    """The open cases as filing sees them; build with :meth:`build`, keep current with
    :meth:`apply`. Not thread-safe: built on one thread, then used on one."""

    def __init__(self) -> None:
        self._profiles: dict[int, _Profile] = {}
        self._postings: dict[str, set[int]] = {}
        self._callers: dict[str, Counter[int]] = {}
        # How many of all the learned messages hold each term: what a term in one case's
        # messages is compared against (a filler such as 未接通 is everywhere).
        self._said: Counter[str] = Counter()
        self._messages = 0
        self._built_index: _Index | None = None
        self._contact_org: dict[int, int] = {}
        self._org_names: dict[int, str] = {}

    # -- building ---------------------------------------------------------------------

    @classmethod
    def build(cls, store: Store) -> FilingModel:
        model = cls()
        with store.read() as session:
            model._contact_org = _contact_orgs(
                session.execute(
                    select(Contact.id, Contact.organisation_id).where(
                        Contact.organisation_id.is_not(None)
                    )
                )
            )
            model._org_names = dict(
                session.execute(select(Organisation.id, Organisation.name)).all()
            )
        model._load_cases(store, None)
        return model

    def _load_cases(self, store: Store, case_ids: Iterable[int] | None) -> None:
        """(Re)read the given cases (all open ones for None) from the database."""
        self._built_index = None
        wanted = None if case_ids is None else sorted(set(case_ids))
        for ident in wanted or ():
            self._drop(ident)
        rows, filed = read_cases(store, wanted)
        if not rows:
            return
        for r in rows:
            if r.company_id is not None:
                self._org_names[r.company_id] = r.company_name
        for r in rows:
            profile = _Profile(r.id, r.company_id, r.opened_at)
            static = profile.static

            def put(texts: Iterable[str], where: Field, static: dict[str, Field] = static) -> None:
                # Called in rising order of Field: a term keeps the place that says most.
                for term in term_set(texts):
                    static[term] = where

            company = r.company_name
            put([*r.documents, company], Field.DOCUMENT)
            owed = r.departments
            others, under_way = r.step_titles
            put(others, Field.STEP)
            put(
                (self._org_names.get(d, "") for d, state in owed.items() if state < HOLDS),
                Field.STEP,
            )
            put((r.title, r.kind), Field.KIND)
            put(r.tags, Field.TAG)
            put(under_way, Field.ACTIVE)
            put(
                (self._org_names.get(d, "") for d, state in owed.items() if state == HOLDS),
                Field.ACTIVE,
            )
            put(amount_terms(r.amount_minor), Field.AMOUNT)
            if company:
                put((company_core(company),), Field.COMPANY)
            put((r.reference,), Field.REFERENCE)
            profile.departments = frozenset(d for d, state in owed.items() if state == HOLDS)
            profile.owing = frozenset(d for d, state in owed.items() if state == OWES)
            self._profiles[r.id] = profile
        for item in filed:
            profile_of = self._profiles.get(item.case_id)
            if profile_of is not None:
                self._learn(profile_of, item)
        for profile in (self._profiles[r.id] for r in rows):
            self._said.update(profile.learned)
            self._messages += profile.filed
            for term in profile.holds():
                self._postings.setdefault(term, set()).add(profile.case_id)
            for key, count in profile.callers.items():
                self._callers.setdefault(key, Counter())[profile.case_id] += count

    def _learn(self, profile: _Profile, item: Filed) -> None:
        profile.filed += 1
        profile.learned.update(set(terms(item.notes)))
        key = caller_key(item.contact_id, item.number)
        if key is not None:
            profile.callers[key] += 1
            last = profile.called_last.get(key)
            if last is None or item.at > last:
                profile.called_last[key] = item.at
        profile.channels[item.channel] += 1
        bisect.insort(profile.times, item.at)
        if profile.last_at is None or item.at > profile.last_at:
            profile.last_at = item.at

    def _drop(self, case_id: int) -> None:
        profile = self._profiles.pop(case_id, None)
        if profile is None:
            return
        self._said.subtract(profile.learned)
        self._messages -= profile.filed
        for term in profile.holds():
            holders = self._postings.get(term)
            if holders is not None:
                holders.discard(case_id)
                if not holders:
                    del self._postings[term]
        for key in profile.callers:
            counts = self._callers.get(key)
            if counts is not None:
                counts.pop(case_id, None)
                if not counts:
                    del self._callers[key]

    # -- keeping current ----------------------------------------------------------------

    def apply(self, store: Store, changes: ChangeSet) -> None:
        """Bring the model up to date with a change set (a filing, a new step…)."""
        cases = set(changes.ids_of(ChangeKind.CASE))
        with store.read() as session:
            comms = changes.ids_of(ChangeKind.COMMUNICATION)
            if comms:
                cases.update(
                    session.scalars(
                        select(Communication.case_id).where(
                            Communication.id.in_(comms), Communication.case_id.is_not(None)
                        )
                    )
                )
            for kind, model in ((ChangeKind.ACTION, Action), (ChangeKind.DOCUMENT, Document)):
                ids = changes.ids_of(kind)
                if ids:
                    cases.update(session.scalars(select(model.case_id).where(model.id.in_(ids))))
            contacts = changes.ids_of(ChangeKind.CONTACT)
            if contacts:
                for ident in contacts:
                    self._contact_org.pop(ident, None)
                self._contact_org.update(
                    _contact_orgs(
                        session.execute(
                            select(Contact.id, Contact.organisation_id).where(
                                Contact.id.in_(contacts), Contact.organisation_id.is_not(None)
                            )
                        )
                    )
                )
            organisations = changes.ids_of(ChangeKind.ORGANISATION)
            if organisations:
                self._org_names.update(
                    session.execute(
                        select(Organisation.id, Organisation.name).where(
                            Organisation.id.in_(organisations)
                        )
                    ).all()
                )
                cases.update(
                    p.case_id for p in self._profiles.values() if p.company_id in organisations
                )
                # A department's name is among the terms of the cases it owes steps.
                cases.update(
                    session.scalars(
                        select(Action.case_id).where(Action.department_id.in_(organisations))
                    )
                )
        if cases:
            self._load_cases(store, cases)

    @property
    def open_cases(self) -> int:
        return len(self._profiles)

    # -- suggesting ---------------------------------------------------------------------

    def suggest(self, messages: Sequence[Message], limit: int = SHOWN) -> list[Suggestion]:
        """The ``limit`` open cases most likely meant by ``messages`` (the officer's
        selection: usually one), best first, each with the reasons it ranks; fewer when
        fewer cases have anything in common with the messages."""
        if not self._profiles or not messages:
            return []
        scores: defaultdict[int, float] = defaultdict(float)
        for message in messages:
            for case_id, score in self._scores(message).items():
                scores[case_id] += score
        best = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], -item[0]))
        return [
            Suggestion(case_id, round(score, 3), self._reasons(messages[0], case_id))
            for case_id, score in best
        ]

    def _idf(self, holders: int) -> float:
        return math.log(1.0 + len(self._profiles) / holders)

    def _common(self, holders: int) -> bool:
        total = len(self._profiles)
        return total >= 20 and holders > COMMON_SHARE * total

    def _scores(self, message: Message) -> defaultdict[int, float]:
        scores: defaultdict[int, float] = defaultdict(float)
        profiles = self._profiles
        # A phrase counts once, by its most telling term: "外商投资项目备案" is one
        # match, not seven pairs outvoting everything else the message says.
        best: dict[int, dict[int, tuple[int, float]]] = {}  # case -> phrase start -> (end, score)
        seen_terms: set[str] = set()
        for item in placed_terms(message.text):
            if item.term in seen_terms:
                continue
            seen_terms.add(item.term)
            holders = self._postings.get(item.term)
            if not holders or self._common(len(holders)):
                continue
            idf = self._idf(len(holders))
            for case_id in holders:
                profile = profiles[case_id]
                where = profile.static.get(item.term)
                weight = FIELD_WEIGHT[where] if where is not None else 0.0
                value = idf * weight + self._lift(profile, item.term)
                if value <= 0.0:
                    continue
                spans = best.setdefault(case_id, {})
                joined = next(
                    (start for start, (end, _) in spans.items() if start <= item.start < end),
                    None,
                )
                if joined is None:
                    spans[item.start] = (item.end, value)
                else:
                    end, top = spans[joined]
                    spans[joined] = (max(end, item.end), max(top, value))
        for case_id, spans in best.items():
            scores[case_id] = sum(top for _, top in spans.values())
        key = caller_key(message.contact_id, message.number)
        counts = self._callers.get(key) if key is not None else None
        if counts and key is not None:
            total = sum(counts.values())
            sureness = min(1.0, total / 2)
            for case_id, count in counts.items():
                scores[case_id] += CALLER_WEIGHT * sureness * count / total
                last = profiles[case_id].called_last.get(key)
                if last is not None:
                    days = max(0.0, (message.at - last).total_seconds() / 86_400)
                    scores[case_id] += CALLER_RECENT_WEIGHT * math.exp(-days / CALLER_RECENT_DAYS)
        org = self._contact_org.get(message.contact_id) if message.contact_id is not None else None
        index = self._index()
        if org is not None:
            for case_id in index.of_company.get(org, ()):
                scores[case_id] += CALLER_COMPANY_WEIGHT
            for case_id in index.holding.get(org, ()):
                if profiles[case_id].company_id != org:
                    scores[case_id] += CALLER_DEPARTMENT_WEIGHT
            for case_id in index.owed.get(org, ()):
                profile = profiles[case_id]
                if profile.company_id != org and org not in profile.departments:
                    scores[case_id] += CALLER_OWING_WEIGHT
        # A prior: how recently and how busily each case is being called about. It is
        # worked out for the cases with evidence, and for the most recently active others
        # (the only ones a prior alone could raise into the list): it ranks the cases a
        # bare "收到" says nothing of.
        at = message.at
        since = at - timedelta(days=BUSY_DAYS)
        evidence = set(scores)
        candidates = list(scores)
        candidates.extend(case_id for _, case_id in index.by_activity[-PRIOR_CANDIDATES:])
        for case_id in dict.fromkeys(candidates):
            profile = profiles[case_id]
            last = profile.last_at or profile.opened_at
            days = (at - last).total_seconds() / 86_400
            prior = RECENCY_WEIGHT * (math.exp(-days / RECENT_DAYS) if days > 0 else 1.0)
            times = profile.times
            if times and times[-1] >= since:
                busy = bisect.bisect_left(times, at) - bisect.bisect_left(times, since)
                if busy:
                    prior += ACTIVITY_WEIGHT * math.log1p(busy)
            if prior >= PRIOR_FLOOR or case_id in evidence:  # else it would only pad the list
                scores[case_id] += prior
        for case_id in scores:
            profile = profiles[case_id]
            if profile.filed:
                share = (profile.channels.get(message.channel, 0) + 1) / (profile.filed + 2)
                scores[case_id] += CHANNEL_WEIGHT * share
        return scores

    def _index(self) -> _Index:
        """The cases by company, by department and by last activity (built again after a
        change: a change reloads a few cases, a suggestion reads all of these)."""
        if self._built_index is None:
            index = _Index()
            for profile in self._profiles.values():
                if profile.company_id is not None:
                    index.of_company.setdefault(profile.company_id, []).append(profile.case_id)
                for dept in profile.departments:
                    index.holding.setdefault(dept, []).append(profile.case_id)
                for dept in profile.owing:
                    index.owed.setdefault(dept, []).append(profile.case_id)
                index.by_activity.append((profile.last_at or profile.opened_at, profile.case_id))
            index.by_activity.sort()
            self._built_index = index
        return self._built_index

    def _lift(self, profile: _Profile, term: str) -> float:
        """How much more often the case's filed messages say ``term`` than the other
        cases' do, as a log ratio (0 when not more often)."""
        filed = profile.learned.get(term, 0)
        if not filed:
            return 0.0
        # Against the other cases' messages: a case that says it often must not count
        # in its own background.
        elsewhere = self._said.get(term, 0) - filed
        everywhere = (elsewhere + 0.5) / (self._messages - profile.filed + 1.0)
        # A case with few messages is drawn towards the background: one 未接通 in three
        # messages is chance, its company's name in five of ten is not.
        here = (filed + PRIOR_MESSAGES * everywhere) / (profile.filed + PRIOR_MESSAGES)
        return LEARNED_WEIGHT * min(LEARNED_CAP, max(0.0, math.log(here / everywhere)))

    @staticmethod
    def _busy(profile: _Profile, at: datetime) -> int:
        """Messages filed to the case in the :data:`BUSY_DAYS` before ``at``."""
        times = profile.times
        return bisect.bisect_left(times, at) - bisect.bisect_left(
            times, at - timedelta(days=BUSY_DAYS)
        )

    @staticmethod
    def _recency(profile: _Profile, at: datetime) -> float:
        last = profile.last_at or profile.opened_at
        days = max(0.0, (at - last).total_seconds() / 86_400)
        return math.exp(-days / RECENT_DAYS)

    def _quoted_kind(self, profile: _Profile, term: str) -> ReasonKind | None:
        where = profile.static.get(term)
        if where is Field.REFERENCE:
            return ReasonKind.REFERENCE
        if where is Field.COMPANY:
            return ReasonKind.COMPANY
        if where is Field.AMOUNT:
            return ReasonKind.AMOUNT
        if where is not None:
            return ReasonKind.MENTIONS
        return ReasonKind.LIKE_FILED if self._lift(profile, term) > 0 else None

    def _reasons(self, message: Message, case_id: int) -> tuple[Reason, ...]:
        profile = self._profiles[case_id]
        # Each matched phrase of the message is said once, under the strongest thing it
        # matched: "营业执照副本" is one mention, not 营业执 and 照副本 apart.
        phrases: list[tuple[int, int, int]] = []  # start, end, rank in _QUOTED
        for placed in placed_terms(message.text):
            holders = self._postings.get(placed.term)
            if not holders or case_id not in holders or self._common(len(holders)):
                continue
            kind = self._quoted_kind(profile, placed.term)
            if kind is None:
                continue
            rank = _QUOTED.index(kind)
            if phrases and placed.start < phrases[-1][1]:
                start, end, best = phrases[-1]
                phrases[-1] = (start, max(end, placed.end), min(best, rank))
            else:
                phrases.append((placed.start, placed.end, rank))
        reasons = []
        for rank, kind in enumerate(_QUOTED):
            words = [message.text[start:end] for start, end, r in phrases if r == rank]
            if words:
                reasons.append(Reason(kind, tuple(dict.fromkeys(words))))
        key = caller_key(message.contact_id, message.number)
        filed = profile.callers.get(key, 0) if key is not None else 0
        if filed:
            reasons.append(Reason(ReasonKind.CALLER_FILED, count=filed))
        org = self._contact_org.get(message.contact_id) if message.contact_id is not None else None
        if org is not None and org == profile.company_id:
            reasons.append(Reason(ReasonKind.CALLER_COMPANY, (self._org_names.get(org, ""),)))
        elif org is not None and (org in profile.departments or org in profile.owing):
            kind = (
                ReasonKind.CALLER_DEPARTMENT
                if org in profile.departments
                else ReasonKind.CALLER_OWING
            )
            reasons.append(Reason(kind, (self._org_names.get(org, ""),)))
        busy = self._busy(profile, message.at)
        if busy:
            reasons.append(Reason(ReasonKind.BUSY, count=busy))
        elif self._recency(profile, message.at) > math.exp(-1):
            reasons.append(Reason(ReasonKind.RECENT, count=round(RECENT_DAYS)))
        return tuple(reasons)


def _contact_orgs(rows: Iterable[Row[int, int | None]]) -> dict[int, int]:
    return {contact: org for contact, org in rows if org is not None}


_QUOTED = (
    ReasonKind.REFERENCE,
    ReasonKind.COMPANY,
    ReasonKind.AMOUNT,
    ReasonKind.MENTIONS,
    ReasonKind.LIKE_FILED,
)


def messages_of(store: Store, communication_ids: Sequence[int]) -> list[Message]:
    """The messages of these communications, in the order given (missing ones left out)."""
    if not communication_ids:
        return []
    with store.read() as session:
        found = {
            r.id: Message(r.notes, r.contact_id, r.number_e164 or r.raw_number, r.channel, r.at)
            for r in session.execute(
                select(
                    Communication.id,
                    Communication.notes,
                    Communication.contact_id,
                    Communication.number_e164,
                    Communication.raw_number,
                    Communication.channel,
                    Communication.at,
                ).where(Communication.id.in_(list(communication_ids)))
            )
        }
    return [found[i] for i in communication_ids if i in found]
