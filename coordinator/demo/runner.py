"""The demo's timed-step runner: the scenario is a list of timed steps executed in time
order under a simulated clock (the store's clock is swapped for the duration of the
build), so that every Event, ``created_at`` and reference number reads as if the officer
had typed it at that moment. Runs of communications are logged inside one unit of work
each, which keeps the build well under a few seconds. The random choices come from a
fixed seed: the same ``now`` always gives the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import select

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.demo.scenario import (
    CONTACTS,
    IN,
    MOBILE_PREFIXES,
    OFFICER,
    ORGANISATIONS,
    SEED,
    A,
    D,
)
from coordinator.kinds import ActionStatus, CaseStatus, Channel, Direction, DocumentState
from coordinator.names import name_keys
from coordinator.services import (
    actions,
    cases,
    communications,
    contacts,
    documents,
    organisations,
    templates,
)
from coordinator.services._common import KEEP
from coordinator.store.models import Action, Document, Organisation
from coordinator.store.storage import Store, Work


@contextmanager
def simulated_clock(store: Store, clock: Callable[[], datetime]) -> Iterator[None]:
    """``store``'s clock is ``clock`` inside the block."""
    original = store.clock
    store.clock = clock
    try:
        yield
    finally:
        store.clock = original


@dataclass(frozen=True)
class _Comm:
    """One communication to log (resolved to ids when it runs)."""

    contact: str | None
    raw: str
    case: str | None
    channel: Channel
    direction: Direction
    duration: int
    notes: str
    follow_up_due: datetime | None
    key: str | None


@dataclass(frozen=True)
class _Step:
    at: datetime
    rank: int  # state changes before communications logged at the same second
    seq: int
    run: Callable[[], object] | None = None
    comm: _Comm | None = None


@dataclass(frozen=True)
class CaseSpec:
    """A case to open: what the officer types in the new-case dialog."""

    title: str
    company: str | None
    template_key: str | None = None
    kind: str = ""
    fast_track: bool = False
    amount: Decimal | None = None
    currency: str = "CNY"
    target_at: datetime | None = None
    tags: tuple[str, ...] = ()
    notes: str = ""


@dataclass
class CasePlan:
    """What the random traffic needs to know about a case."""

    key: str
    kind: str  # which notes its people's calls carry (see NOTES)
    opened: datetime
    until: datetime  # talked about until then (a little after closing)
    parties: tuple[str, ...]  # organisations whose people talk about it
    weight: float
    focus: frozenset[date]  # days on which it fills the officer's phone


class Runner:
    """The scenario as timed steps: scheduled in any order, then run in time order."""

    def __init__(self, store: Store, now: datetime) -> None:
        self.store = store
        self.now = now
        self.today = now.date()
        self.cal: WorkingCalendar = store.calendar()
        self.rng = random.Random(SEED)
        self.steps: list[_Step] = []
        self.plans: list[CasePlan] = []
        self._clock_at = now
        self._workdays = self._past_workdays(120)
        self.setup_at = self.t(90, "08:30")  # the address book is older than every case
        self._numbers: set[str] = set()
        self._handles: set[tuple[Channel, str]] = set()
        # registries filled while the steps run
        self.org_ids: dict[str, int] = {}
        self.contact_ids: dict[str, int] = {}
        self.contact_phone: dict[str, str] = {}
        self.contact_topic = {name: topic for name, _, _, topic, _, _ in CONTACTS}
        self.contact_handles = {name: handles for name, _, _, _, _, handles in CONTACTS}
        self.case_ids: dict[str, int] = {}
        self.action_ids: dict[tuple[str, str], int] = {}
        self.document_ids: dict[tuple[str, str], int] = {}
        self.comm_ids: dict[str, int] = {}

    # -- time --------------------------------------------------------------------------

    def _past_workdays(self, count: int) -> list[date]:
        days: list[date] = []
        day = self.today
        while len(days) < count:
            day -= timedelta(days=1)
            if self.cal.is_workday(day):
                days.append(day)
        return days

    def day(self, k: int) -> date:
        """Today for 0, else the k-th working day before today."""
        return self.today if k == 0 else self._workdays[k - 1]

    def t(self, k: int, hhmm: str) -> datetime:
        hour, minute = hhmm.split(":")
        return datetime.combine(self.day(k), time(int(hour), int(minute)))

    def later_today(self) -> datetime:
        """A moment still to come today (17:00 if the afternoon is not over)."""
        five = datetime.combine(self.today, time(17, 0))
        if self.now < five:
            return five
        midnight = datetime.combine(self.today + timedelta(days=1), time.min)
        return (self.now + (midnight - self.now) / 2).replace(microsecond=0)

    def _clock(self) -> datetime:
        return self._clock_at

    # -- scheduling --------------------------------------------------------------------

    def do(self, at: datetime, run: Callable[[], object]) -> None:
        if at > self.now:
            raise AssertionError(f"demo step in the future: {at} > {self.now}")
        self.steps.append(_Step(at, 0, len(self.steps), run=run))

    def say(
        self,
        at: datetime,
        who: str | None,
        notes: str,
        *,
        case: str | None = None,
        channel: Channel = Channel.PHONE,
        direction: Direction = IN,
        duration: int | None = None,
        raw: str = "",
        follow_up: datetime | None = None,
        key: str | None = None,
    ) -> None:
        if at > self.now:
            raise AssertionError(f"demo call in the future: {at} > {self.now}")
        if duration is None:
            duration = self._duration(channel)
        self.steps.append(
            _Step(
                at,
                1,
                len(self.steps),
                comm=_Comm(who, raw, case, channel, direction, duration, notes, follow_up, key),
            )
        )

    def _duration(self, channel: Channel) -> int:
        if channel == Channel.PHONE:
            return self.rng.randint(25, 420)
        if channel == Channel.IN_PERSON:
            return self.rng.randint(10, 40) * 60
        if channel == Channel.MEETING:
            return self.rng.randint(30, 90) * 60
        return 0

    # -- running -----------------------------------------------------------------------

    def install_templates(self) -> None:
        """The shipped case templates (if not installed yet), at the start of the story."""
        self._clock_at = self.setup_at
        with simulated_clock(self.store, self._clock):
            templates.install_builtin(self.store)

    def run(self) -> None:
        """Every step scheduled, in time order, under the simulated clock."""
        steps = sorted(self.steps, key=lambda s: (s.at, s.rank, s.seq))
        with simulated_clock(self.store, self._clock):
            index = 0
            while index < len(steps):
                step = steps[index]
                self._clock_at = step.at
                if step.run is not None:
                    step.run()
                    index += 1
                    continue
                end = index
                while end < len(steps) and steps[end].comm is not None:
                    end += 1
                with self.store.work() as work:
                    for batched in steps[index:end]:
                        assert batched.comm is not None
                        work.now = batched.at  # logged as the call comes in
                        self._log(work, batched.at, batched.comm)
                index = end

    def _log(self, work: Work, at: datetime, comm: _Comm) -> None:
        contact_id = self.contact_ids[comm.contact] if comm.contact else None
        raw = comm.raw
        if not raw and comm.contact and comm.channel in (Channel.PHONE, Channel.SMS):
            raw = self.contact_phone[comm.contact]
        row = communications.log_in(
            work,
            at=at,
            channel=comm.channel,
            direction=comm.direction,
            contact_id=contact_id,
            raw_number=raw,
            case_id=self.case_ids[comm.case] if comm.case else None,
            duration_seconds=comm.duration,
            notes=comm.notes,
            follow_up_due=comm.follow_up_due,
        )
        if comm.key:
            self.comm_ids[comm.key] = row.id

    # -- the operations a step runs ----------------------------------------------------

    def _make_directory(self) -> None:
        with self.store.work() as work:
            for name, kind, notes in ORGANISATIONS:
                existing = work.session.scalar(
                    select(Organisation).where(Organisation.name == name)
                )
                org = existing or organisations.create_in(work, name, kind, notes)
                self.org_ids[name] = org.id
            for name, org_name, role, _topic, phone_spec, handle_spec in CONTACTS:
                phones = self._phones(phone_spec)
                handles = self._contact_handles(name, handle_spec)
                contact = contacts.create_in(
                    work,
                    name,
                    organisation_id=self.org_ids[org_name] if org_name else None,
                    role=role,
                    phones=phones,
                    handles=handles,
                )
                self.contact_ids[name] = contact.id
                self.contact_phone[name] = phones[0][0].split(" 转 ")[0]

    def _open(self, key: str, at: datetime, spec: CaseSpec) -> None:
        with self.store.work() as work:
            case = cases.open_case_in(
                work,
                spec.title,
                company_id=self.org_ids[spec.company] if spec.company else None,
                template_key=spec.template_key,
                kind=spec.kind,
                fast_track=spec.fast_track,
                owner=OFFICER,
                opened_at=at,
                target_at=spec.target_at,
                amount=spec.amount,
                currency=spec.currency,
                tags=spec.tags,
                notes=spec.notes,
            )
            self.case_ids[key] = case.id
            for action_id, template_key in work.session.execute(
                # In id order, on every database: the last of two alike is the one kept.
                select(Action.id, Action.template_key)
                .where(Action.case_id == case.id)
                .order_by(Action.id)
            ):
                self.action_ids[(key, template_key)] = action_id
            for document_id, doc_title in work.session.execute(
                select(Document.id, Document.title)
                .where(Document.case_id == case.id)
                .order_by(Document.id)
            ):
                self.document_ids[(key, doc_title)] = document_id

    def _add_action(
        self,
        case: str,
        key: str,
        department: str,
        title: str,
        promised_hours: float,
        normal_hours: float,
        depends_on: Sequence[str],
        contact: str | None,
    ) -> None:
        record = actions.add(
            self.store,
            self.case_ids[case],
            self.org_ids[department],
            title,
            contact_id=self.contact_ids[contact] if contact else None,
            promised_limit_hours=promised_hours,
            normal_duration_hours=normal_hours,
            depends_on=[self.action_ids[(case, dep)] for dep in depends_on],
        ).value
        self.action_ids[(case, key)] = record.id

    def _add_document(
        self, case: str, title: str, source: str | None, destination: str, original: bool
    ) -> None:
        record = documents.add(
            self.store,
            self.case_ids[case],
            title,
            source_id=self.org_ids[source] if source else None,
            destination_id=self.org_ids[destination],
            is_original=original,
            stamped=True,
        ).value
        self.document_ids[(case, title)] = record.id

    # -- scheduling helpers ------------------------------------------------------------

    def plan_directory(self) -> None:
        """The organisations and the people, before every case."""
        self.do(self.setup_at, self._make_directory)

    def open_case(self, key: str, at: datetime, spec: CaseSpec) -> None:
        self.do(at, partial(self._open, key, at, spec))

    def new_action(
        self,
        at: datetime,
        case: str,
        key: str,
        department: str,
        title: str,
        promised_hours: float,
        normal_hours: float,
        depends_on: Sequence[str] = (),
        contact: str | None = None,
    ) -> None:
        """A step added by hand (not from the case's template)."""
        self.do(
            at,
            partial(
                self._add_action,
                case,
                key,
                department,
                title,
                promised_hours,
                normal_hours,
                depends_on,
                contact,
            ),
        )

    def new_document(
        self,
        at: datetime,
        case: str,
        title: str,
        source: str | None,
        destination: str,
        original: bool,
    ) -> None:
        """A document added by hand (not from the case's template)."""
        self.do(at, partial(self._add_document, case, title, source, destination, original))

    def step(
        self, case: str, action: str, status: ActionStatus, at: datetime, why: str = ""
    ) -> None:
        self.do(
            at,
            lambda: actions.set_status(
                self.store, self.action_ids[(case, action)], status, at=at, reason=why
            ),
        )

    def held(self, case: str, action: str, start: datetime, done: datetime) -> None:
        """An action worked on from ``start`` and done at ``done``."""
        self.step(case, action, A.IN_PROGRESS, start)
        self.step(case, action, A.DONE, done)

    def assign(
        self,
        case: str,
        action: str,
        at: datetime,
        contact: str | None = None,
        department: str | None = None,
    ) -> None:
        def run() -> None:
            actions.update(
                self.store,
                self.action_ids[(case, action)],
                contact_id=self.contact_ids[contact] if contact else KEEP,
                department_id=self.org_ids[department] if department else None,
            )

        self.do(at, run)

    def doc(
        self,
        case: str,
        title: str,
        state: DocumentState,
        at: datetime,
        *,
        reason: str = "",
        missing_items: str = "",
        promised: datetime | None = None,
        destination: str | None = None,
    ) -> None:
        def run() -> None:
            documents.transition(
                self.store,
                self.document_ids[(case, title)],
                state,
                at=at,
                reason=reason,
                missing_items=missing_items,
                promised_completion_at=promised,
                destination_id=self.org_ids[destination] if destination else None,
            )

        self.do(at, run)

    def relay(
        self,
        case: str,
        title: str,
        received: datetime,
        forwarded: datetime | None = None,
        accepted: datetime | None = None,
        destination: str | None = None,
    ) -> None:
        """Received, then (optionally) forwarded, then (optionally) accepted."""
        self.doc(case, title, D.RECEIVED, received)
        if forwarded is not None:
            self.doc(case, title, D.FORWARDED, forwarded, destination=destination)
        if accepted is not None:
            self.doc(case, title, D.ACCEPTED, accepted)

    def close(
        self, case: str, at: datetime, reason: str = "", status: CaseStatus = CaseStatus.CLOSED
    ) -> None:
        self.do(
            at,
            lambda: cases.set_status(self.store, self.case_ids[case], status, at=at, reason=reason),
        )

    def file(self, at: datetime, keys: Sequence[str], case: str) -> None:
        self.do(
            at,
            lambda: communications.file_to_case(
                self.store, [self.comm_ids[k] for k in keys], self.case_ids[case]
            ),
        )

    def follow_up_done(self, key: str, at: datetime) -> None:
        self.do(
            at,
            lambda: communications.complete_follow_up(self.store, self.comm_ids[key], at=at),
        )

    def plan(
        self,
        key: str,
        kind: str,
        opened: datetime,
        closed: datetime | None,
        parties: Sequence[str],
        weight: float = 1.0,
        focus: Sequence[int] = (),
    ) -> None:
        until = self.now if closed is None else self.cal.add_working_days(closed, 2)
        self.plans.append(
            CasePlan(
                key,
                kind,
                opened,
                min(until, self.now),
                tuple(parties),
                weight,
                frozenset(self.day(k) for k in focus),
            )
        )

    # -- random but plausible values ---------------------------------------------------

    def _digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def mobile(self) -> str:
        return self._new_number(lambda: self.rng.choice(MOBILE_PREFIXES) + self._digits(8))

    def landline(self) -> str:
        return self._new_number(lambda: f"0574-8{self.rng.choice('3567')}{self._digits(6)}")

    def _new_number(self, draw: Callable[[], str]) -> str:
        """Numbers drawn until one that nobody in the scenario has yet."""
        while True:
            number = draw()
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def _phones(self, spec: str) -> list[tuple[str, str]]:
        phones: list[tuple[str, str]] = []
        for kind in spec.split("+"):
            if kind == "m":
                label = "手机" if not any(lbl == "手机" for _, lbl in phones) else "备用手机"
                phones.append((self.mobile(), label))
            elif kind == "l":
                phones.append((self.landline(), "办公室"))
            else:
                phones.append((f"{self.landline()} 转 8{self._digits(2)}", "办公室"))
        return phones

    def _contact_handles(self, name: str, spec: str) -> list[tuple[Channel, str]]:
        base = name_keys(name).pinyin.split()
        handles: list[tuple[Channel, str]] = []
        for kind in spec:
            while True:
                if kind == "w":
                    handle = f"{''.join(base)}_{self._digits(self.rng.choice((2, 4)))}"
                    channel = Channel.WECHAT
                else:
                    handle = f"{base[0]}{''.join(s[0] for s in base[1:])}{self._digits(3)}"
                    channel = Channel.DINGTALK
                if (channel, handle) not in self._handles:
                    self._handles.add((channel, handle))
                    handles.append((channel, handle))
                    break
        return handles
