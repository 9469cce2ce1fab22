"""Actions: the steps departments owe a case, their states, dependencies and clocks.

While an action waits on the company its clock stands still: a pause span is opened,
and when it closes, the due time moves on by the working time paused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.errors import TransitionError, ValidationError
from coordinator.i18n import N_
from coordinator.kinds import ActionStatus, CaseStatus
from coordinator.labels import (
    ACTION_STATUS,
    F_AT,
    F_DUE,
    F_NORMAL,
    F_NOTES,
    F_OWNER,
    F_PROMISED_LIMIT,
    F_REASON,
    F_STATUTORY,
    F_TITLE,
)
from coordinator.services._common import (
    KEEP,
    Unchanged,
    check_version,
    flush_checked,
    set_field,
    touch,
)
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.lookup import (
    WHAT_ACTION,
    WHAT_CASE,
    WHAT_CONTACT,
    WHAT_ORGANISATION,
    get_or_raise,
)
from coordinator.store.models import (
    NAME_MAX,
    NOTE_MAX,
    TITLE_MAX,
    Action,
    ActionDependency,
    ActionPause,
    Case,
    Contact,
    Organisation,
)
from coordinator.store.records import ActionRecord
from coordinator.store.storage import Store, Work
from coordinator.validation import check_datetime, check_hours, clean_text, required_datetime

ENTITY = "action"
S = ActionStatus
FINISHED = frozenset({S.DONE, S.CANCELLED})
# Statuses that do not put the step in a department's hands: still to do, waiting on
# another step (the department has not been asked yet), or cancelled.
NOT_REQUESTED = frozenset({S.TODO, S.WAITING, S.CANCELLED})

_TRANSITIONS: dict[ActionStatus, frozenset[ActionStatus]] = {
    S.TODO: frozenset(
        {S.IN_PROGRESS, S.WAITING, S.WAITING_COMPANY, S.BLOCKED, S.DONE, S.CANCELLED}
    ),
    S.IN_PROGRESS: frozenset(
        {S.TODO, S.WAITING, S.WAITING_COMPANY, S.BLOCKED, S.DONE, S.CANCELLED}
    ),
    S.WAITING: frozenset(
        {S.TODO, S.IN_PROGRESS, S.WAITING_COMPANY, S.BLOCKED, S.DONE, S.CANCELLED}
    ),
    S.WAITING_COMPANY: frozenset({S.IN_PROGRESS, S.WAITING, S.BLOCKED, S.DONE, S.CANCELLED}),
    S.BLOCKED: frozenset(
        {S.TODO, S.IN_PROGRESS, S.WAITING, S.WAITING_COMPANY, S.DONE, S.CANCELLED}
    ),
    S.DONE: frozenset({S.IN_PROGRESS}),
    S.CANCELLED: frozenset({S.TODO}),
}


def _status(value: ActionStatus | str) -> ActionStatus:
    try:
        return ActionStatus(value)
    except ValueError:
        raise ValidationError(N_("“{value}” is not an action status."), value=value) from None


def _dependencies(work: Work, action_id: int) -> tuple[int, ...]:
    return tuple(
        work.session.scalars(
            select(ActionDependency.depends_on_id)
            .where(ActionDependency.action_id == action_id)
            .order_by(ActionDependency.depends_on_id)
        )
    )


def _record(work: Work, action: Action, expected_version: int | None = None) -> ActionRecord:
    flush_checked(work, ENTITY, action, expected_version)
    work.session.refresh(action)
    return ActionRecord.of(action, _dependencies(work, action.id))


def _limit_hours(action: Action) -> float | None:
    for hours in (
        action.promised_limit_hours,
        action.statutory_limit_hours,
        action.normal_duration_hours,
    ):
        if hours is not None:
            return hours
    return None


def _open_case(work: Work, case_id: int) -> Case:
    case = get_or_raise(work.session, Case, case_id, WHAT_CASE)
    if case.status in (CaseStatus.CLOSED, CaseStatus.CANCELLED):
        raise TransitionError(
            N_("The case {reference} is closed: reopen it to change its steps."),
            reference=case.reference,
        )
    return case


def add(
    store: Store,
    case_id: int,
    department_id: int,
    title: str,
    *,
    contact_id: int | None = None,
    statutory_limit_hours: float | None = None,
    promised_limit_hours: float | None = None,
    normal_duration_hours: float | None = None,
    due_at: datetime | None = None,
    depends_on: Sequence[int] = (),
    notes: str = "",
    owner: str | None = None,
) -> Outcome[ActionRecord]:
    """Add a step to an open case; ``owner`` None: the case's owner chases it."""
    with store.work() as work:
        case = _open_case(work, case_id)
        department = get_or_raise(work.session, Organisation, department_id, WHAT_ORGANISATION)
        if contact_id is not None:
            get_or_raise(work.session, Contact, contact_id, WHAT_CONTACT)
        position = len(
            list(work.session.scalars(select(Action.id).where(Action.case_id == case.id)))
        )
        action = Action(
            case_id=case.id,
            department_id=department.id,
            contact_id=contact_id,
            title=clean_text(title, F_TITLE, max_length=TITLE_MAX, required=True),
            status=S.TODO,
            statutory_limit_hours=check_hours(statutory_limit_hours, F_STATUTORY),
            promised_limit_hours=check_hours(promised_limit_hours, F_PROMISED_LIMIT),
            normal_duration_hours=check_hours(normal_duration_hours, F_NORMAL),
            due_at=check_datetime(due_at, F_DUE),
            notes=clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True),
            position=position,
            owner=clean_text(case.owner if owner is None else owner, F_OWNER, max_length=NAME_MAX),
            created_at=work.now,
            updated_at=work.now,
        )
        work.session.add(action)
        work.session.flush()
        work.record(ENTITY, action.id, "created", None, action.title, case_id=case.id)
        _replace_dependencies(work, action, depends_on)
        work.changed(ChangeKind.ACTION, action.id)
        work.changed(ChangeKind.CASE, case.id)  # a new step: the case's clock and lists change
        record = _record(work, action)
    return Outcome(record, work.changes)


def _replace_dependencies(work: Work, action: Action, depends_on: Sequence[int]) -> None:
    wanted = sorted(set(depends_on))
    for dep_id in wanted:
        if dep_id == action.id:
            raise ValidationError(N_("A step cannot wait on itself."))
        dep = get_or_raise(work.session, Action, dep_id, WHAT_ACTION)
        if dep.case_id != action.case_id:
            raise ValidationError(N_("A step can only wait on steps of the same case."))
    # Refuse a circle: nothing the new dependencies reach may lead back here.
    graph: dict[int, list[int]] = {}
    for row in work.session.execute(
        select(ActionDependency.action_id, ActionDependency.depends_on_id)
        .join(Action, Action.id == ActionDependency.action_id)
        .where(Action.case_id == action.case_id, ActionDependency.action_id != action.id)
    ):
        graph.setdefault(row.action_id, []).append(row.depends_on_id)
    stack, seen = list(wanted), set()
    while stack:
        node = stack.pop()
        if node == action.id:
            raise ValidationError(N_("These steps would wait on each other in a circle."))
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, ()))
    current = list(_dependencies(work, action.id))
    if current == wanted:
        return
    for link in work.session.scalars(
        select(ActionDependency).where(ActionDependency.action_id == action.id)
    ):
        work.session.delete(link)
    work.session.flush()
    for dep_id in wanted:
        work.session.add(ActionDependency(action_id=action.id, depends_on_id=dep_id))
    work.record(
        ENTITY, action.id, "depends_on", current or None, wanted or None, case_id=action.case_id
    )


def set_dependencies(
    store: Store,
    action_id: int,
    depends_on: Sequence[int],
    *,
    expected_version: int | None = None,
) -> Outcome[ActionRecord]:
    """The steps this one waits on; ``expected_version`` as for :func:`update`."""
    with store.work() as work:
        action = get_or_raise(work.session, Action, action_id, WHAT_ACTION)
        check_version(work, ENTITY, action, expected_version)
        _open_case(work, action.case_id)
        _replace_dependencies(work, action, depends_on)
        touch(work, action)
        work.changed(ChangeKind.ACTION, action.id)
        record = _record(work, action, expected_version)
    return Outcome(record, work.changes)


def update(
    store: Store,
    action_id: int,
    *,
    title: str | None = None,
    department_id: int | None = None,
    contact_id: int | Unchanged | None = KEEP,
    statutory_limit_hours: float | Unchanged | None = KEEP,
    promised_limit_hours: float | Unchanged | None = KEEP,
    normal_duration_hours: float | Unchanged | None = KEEP,
    due_at: datetime | Unchanged | None = KEEP,
    notes: str | None = None,
    owner: str | None = None,
    depends_on: Sequence[int] | None = None,
    expected_version: int | None = None,
    undoing: bool = False,
) -> Outcome[ActionRecord]:
    """Change the fields given (``KEEP`` leaves one alone, ``None`` clears it).

    ``expected_version``: the version the officer's form or list showed; refused with who
    changed what when a colleague has saved the step since.
    ``undoing``: this puts back an earlier edit, and the timeline says so.
    """
    with store.work() as work:
        action = get_or_raise(work.session, Action, action_id, WHAT_ACTION)
        check_version(work, ENTITY, action, expected_version)
        _open_case(work, action.case_id)

        def put(field: str, value: object) -> bool:
            return set_field(
                work,
                action,
                field,
                value,
                entity=ENTITY,
                entity_id=action.id,
                case_id=action.case_id,
            )

        changed = False
        if title is not None:
            changed |= put("title", clean_text(title, F_TITLE, max_length=TITLE_MAX, required=True))
        if department_id is not None:
            get_or_raise(work.session, Organisation, department_id, WHAT_ORGANISATION)
            changed |= put("department_id", department_id)
        if not isinstance(contact_id, Unchanged):
            if contact_id is not None:
                get_or_raise(work.session, Contact, contact_id, WHAT_CONTACT)
            changed |= put("contact_id", contact_id)
        if not isinstance(statutory_limit_hours, Unchanged):
            changed |= put("statutory_limit_hours", check_hours(statutory_limit_hours, F_STATUTORY))
        if not isinstance(promised_limit_hours, Unchanged):
            changed |= put(
                "promised_limit_hours", check_hours(promised_limit_hours, F_PROMISED_LIMIT)
            )
        if not isinstance(normal_duration_hours, Unchanged):
            changed |= put("normal_duration_hours", check_hours(normal_duration_hours, F_NORMAL))
        if not isinstance(due_at, Unchanged):
            changed |= put("due_at", check_datetime(due_at, F_DUE))
        if notes is not None:
            changed |= put("notes", clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True))
        if owner is not None:
            changed |= put("owner", clean_text(owner, F_OWNER, max_length=NAME_MAX))
        if depends_on is not None:
            waited_on = _dependencies(work, action.id)
            _replace_dependencies(work, action, depends_on)
            changed |= _dependencies(work, action.id) != waited_on
        if undoing:
            work.record(ENTITY, action.id, "undone", None, None, case_id=action.case_id)
            changed = True
        if changed:
            touch(work, action)
            work.changed(ChangeKind.ACTION, action.id)
        record = _record(work, action, expected_version)
    return Outcome(record, work.changes)


def set_status(
    store: Store,
    action_id: int,
    status: ActionStatus | str,
    *,
    at: datetime | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Outcome[ActionRecord]:
    """Move an action to a new status.

    Blocked needs a reason; done needs every step it waits on to be done or cancelled;
    the first move into the department's hands (in progress, waiting on the company,
    blocked, done) marks the step requested and sets its due time from its promised (else
    statutory, else normal) working-time limit. Waiting on another step does not start
    the clock. Leaving "waiting on the company" closes the pause and moves the due time
    on by the working time paused. ``expected_version``: the version the list showed (a
    colleague's change since is refused, saying who changed what).
    """
    target = _status(status)
    with store.work() as work:
        action = get_or_raise(work.session, Action, action_id, WHAT_ACTION)
        check_version(work, ENTITY, action, expected_version)
        _open_case(work, action.case_id)
        when = required_datetime(at or work.now, F_AT)
        why = clean_text(reason, F_REASON, max_length=NOTE_MAX, multiline=True)
        before = action.status
        if target == before:
            raise TransitionError(N_("The step is already {status}."), status=ACTION_STATUS[target])
        if target not in _TRANSITIONS[before]:
            raise TransitionError(
                N_("A step cannot go from {before} to {after}."),
                before=ACTION_STATUS[before],
                after=ACTION_STATUS[target],
            )
        if target == S.BLOCKED and not why:
            raise TransitionError(N_("Say why the step is blocked."))
        if target == S.DONE:
            pending = [
                dep
                for dep in work.session.scalars(
                    select(Action)
                    .join(ActionDependency, ActionDependency.depends_on_id == Action.id)
                    .where(ActionDependency.action_id == action.id)
                    .order_by(Action.position, Action.id)
                )
                if dep.status not in FINISHED
            ]
            if pending:
                raise TransitionError(
                    N_("“{title}” cannot be done before “{waits_on}” is done."),
                    title=action.title,
                    waits_on=pending[0].title,
                )
            if action.requested_at is not None and when < action.requested_at:
                raise ValidationError(N_("A step cannot be done before it was requested."))
        calendar = work.store.calendar()
        if action.requested_at is None and target not in NOT_REQUESTED:
            action.requested_at = when
            work.record(ENTITY, action.id, "requested_at", None, when, case_id=action.case_id)
            limit = _limit_hours(action)
            if action.due_at is None and limit is not None:
                action.due_at = calendar.add_working_hours(when, limit)
                work.record(
                    ENTITY, action.id, "due_at", None, action.due_at, case_id=action.case_id
                )
        if before == S.WAITING_COMPANY:
            pause = next((p for p in action.pauses if p.ended_at is None), None)
            if pause is not None:
                pause.ended_at = max(when, pause.started_at)
                paused = calendar.working_seconds(pause.started_at, pause.ended_at)
                # A pause holding no working time (lunch, a night) leaves the due time
                # alone: shifting by zero would still move a due time at 12:00 to 13:30.
                if action.due_at is not None and paused > 0:
                    shifted = calendar.add_working_hours(action.due_at, paused / 3600)
                    work.record(
                        ENTITY, action.id, "due_at", action.due_at, shifted, case_id=action.case_id
                    )
                    action.due_at = shifted
        if target == S.WAITING_COMPANY:
            action.pauses.append(ActionPause(started_at=when, reason=why))
        action.status = target
        action.blocked_reason = why if target in (S.BLOCKED, S.WAITING, S.WAITING_COMPANY) else ""
        if target == S.DONE:
            action.done_at = when
        elif before == S.DONE:
            action.done_at = None
        action.updated_at = work.now
        work.record(ENTITY, action.id, "status", before.value, target.value, case_id=action.case_id)
        if why:
            work.record(ENTITY, action.id, "reason", None, why, case_id=action.case_id)
        work.changed(ChangeKind.ACTION, action.id)
        work.changed(ChangeKind.CASE, action.case_id)
        record = _record(work, action, expected_version)
    return Outcome(record, work.changes)


@dataclass(frozen=True)
class DeletedStep:
    """A deleted step as it was, with its links: what :func:`restore` puts back."""

    record: ActionRecord
    position: int
    template_key: str
    created_at: datetime
    pauses: tuple[tuple[datetime, datetime | None, str], ...]
    dependants: tuple[int, ...]
    """The steps that waited on it (the database dropped those links with it)."""


def delete(store: Store, action_id: int) -> Outcome[DeletedStep]:
    """Delete a step; the outcome keeps what :func:`restore` needs to put it back."""
    with store.work() as work:
        action = get_or_raise(work.session, Action, action_id, WHAT_ACTION)
        _open_case(work, action.case_id)
        dependants = tuple(
            work.session.scalars(
                select(ActionDependency.action_id)
                .where(ActionDependency.depends_on_id == action.id)
                .order_by(ActionDependency.action_id)
            ).all()
        )
        deleted = DeletedStep(
            ActionRecord.of(action, _dependencies(work, action.id)),
            action.position,
            action.template_key,
            action.created_at,
            tuple((p.started_at, p.ended_at, p.reason) for p in action.pauses),
            dependants,
        )
        work.record(ENTITY, action.id, "deleted", action.title, None, case_id=action.case_id)
        # Steps that waited on this one lose the link (the database cascades it): say so.
        for dependant_id in dependants:
            current = list(_dependencies(work, dependant_id))
            remaining = [d for d in current if d != action.id]
            work.record(
                ENTITY,
                dependant_id,
                "depends_on",
                current,
                remaining or None,
                case_id=action.case_id,
            )
            dependant = work.session.get(Action, dependant_id)
            if dependant is not None:  # its row moves on too: an edit made before is told
                touch(work, dependant)
            work.changed(ChangeKind.ACTION, dependant_id)
        work.session.delete(action)
        work.changed(ChangeKind.ACTION, action_id)
        work.changed(ChangeKind.CASE, action.case_id)
    return Outcome(deleted, work.changes)


def restore(store: Store, deleted: DeletedStep) -> Outcome[ActionRecord]:
    """Put a deleted step back under its own id (its timeline goes on), with its pauses,
    the steps it waited on and the steps that waited on it, those still there.

    Its department must still exist; a contact deleted since is left out. A link that
    would now close a circle (the steps were linked otherwise since) is left out too.
    """
    step = deleted.record
    with store.work() as work:
        case = _open_case(work, step.case_id)
        if work.session.get(Action, step.id) is not None:
            raise TransitionError(N_("The step “{title}” is already there."), title=step.title)
        get_or_raise(work.session, Organisation, step.department_id, WHAT_ORGANISATION)
        contact_id = step.contact_id
        if contact_id is not None and work.session.get(Contact, contact_id) is None:
            contact_id = None
        action = Action(
            id=step.id,
            case_id=case.id,
            department_id=step.department_id,
            contact_id=contact_id,
            title=step.title,
            status=step.status,
            requested_at=step.requested_at,
            due_at=step.due_at,
            done_at=step.done_at,
            blocked_reason=step.blocked_reason,
            statutory_limit_hours=step.statutory_limit_hours,
            promised_limit_hours=step.promised_limit_hours,
            normal_duration_hours=step.normal_duration_hours,
            notes=step.notes,
            position=deleted.position,
            template_key=deleted.template_key,
            owner=step.owner,
            created_at=deleted.created_at,
            updated_at=work.now,
        )
        for started, ended, reason in deleted.pauses:
            action.pauses.append(ActionPause(started_at=started, ended_at=ended, reason=reason))
        work.session.add(action)
        work.session.flush()
        work.record(ENTITY, action.id, "restored", None, action.title, case_id=case.id)
        siblings = set(
            work.session.scalars(
                select(Action.id).where(Action.case_id == case.id, Action.id != action.id)
            )
        )
        _replace_dependencies(work, action, [d for d in step.depends_on if d in siblings])
        reached = _reached_from(work, action.id)
        for dependant_id in deleted.dependants:
            if dependant_id not in siblings or dependant_id in reached:
                continue
            current = list(_dependencies(work, dependant_id))
            work.session.add(ActionDependency(action_id=dependant_id, depends_on_id=action.id))
            work.record(
                ENTITY,
                dependant_id,
                "depends_on",
                current or None,
                sorted([*current, action.id]),
                case_id=case.id,
            )
            dependant = work.session.get(Action, dependant_id)
            if dependant is not None:
                touch(work, dependant)
            work.changed(ChangeKind.ACTION, dependant_id)
        work.changed(ChangeKind.ACTION, action.id)
        work.changed(ChangeKind.CASE, case.id)
        record = _record(work, action)
    return Outcome(record, work.changes)


def _reached_from(work: Work, action_id: int) -> set[int]:
    """The steps ``action_id`` waits on, directly or through others."""
    reached: set[int] = set()
    stack = list(_dependencies(work, action_id))
    while stack:
        node = stack.pop()
        if node not in reached:
            reached.add(node)
            stack.extend(_dependencies(work, node))
    return reached


def undo_status(
    store: Store,
    action_id: int,
    before: ActionRecord,
    *,
    expected_version: int | None = None,
) -> Outcome[ActionRecord]:
    """Put a step's status back as ``before`` had it (undoing :func:`set_status`): its
    status, reason, requested, due and done times, and its pauses on the company.

    Not a transition: done goes straight back to to do, say, since the step returns to
    where it was rather than moving on. ``expected_version`` is the version the status
    change left: a colleague's change since is refused, saying who changed what.
    """
    with store.work() as work:
        action = get_or_raise(work.session, Action, action_id, WHAT_ACTION)
        check_version(work, ENTITY, action, expected_version)
        _open_case(work, action.case_id)
        status_back_in(work, action, before)
        record = _record(work, action, expected_version)
    return Outcome(record, work.changes)


def status_back_in(work: Work, action: Action, before: ActionRecord) -> None:
    """:func:`undo_status` inside a unit of work already under way (a case's status
    undone puts back the steps its closing cancelled)."""
    case_id = action.case_id
    if action.status != before.status:
        work.record(
            ENTITY,
            action.id,
            "status",
            action.status.value,
            before.status.value,
            case_id=case_id,
        )
        action.status = before.status
    for field in ("requested_at", "due_at", "done_at"):
        set_field(
            work,
            action,
            field,
            getattr(before, field),
            entity=ENTITY,
            entity_id=action.id,
            case_id=case_id,
        )
    if action.blocked_reason != before.blocked_reason:
        if before.blocked_reason:
            work.record(ENTITY, action.id, "reason", None, before.blocked_reason, case_id=case_id)
        action.blocked_reason = before.blocked_reason
    ends = dict(before.pauses)
    for pause in list(action.pauses):
        if pause.started_at not in ends:
            action.pauses.remove(pause)  # opened by the change undone
        else:
            pause.ended_at = ends[pause.started_at]
    work.record(ENTITY, action.id, "undone", None, None, case_id=case_id)
    touch(work, action)
    work.changed(ChangeKind.ACTION, action.id)
    work.changed(ChangeKind.CASE, case_id)
