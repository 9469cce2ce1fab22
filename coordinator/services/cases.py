"""Cases: opening (from a template), editing, tags, closing and reopening."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, select

from coordinator.errors import TransitionError, ValidationError
from coordinator.i18n import N_
from coordinator.kinds import ActionStatus, CaseStatus, DocumentState, OrganisationKind
from coordinator.labels import (
    CASE_STATUS,
    F_AMOUNT,
    F_CURRENCY,
    F_KIND,
    F_NORMAL,
    F_NOTES,
    F_OPENED,
    F_OWNER,
    F_REASON,
    F_TAG,
    F_TARGET,
    F_TITLE,
)
from coordinator.services import actions as action_services
from coordinator.services import organisations
from coordinator.services._common import (
    KEEP,
    Unchanged,
    check_version,
    flush_checked,
    set_field,
    touch,
)
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.lookup import WHAT_CASE, WHAT_ORGANISATION, get_or_raise
from coordinator.store.models import (
    NAME_MAX,
    NOTE_MAX,
    TITLE_MAX,
    Action,
    ActionDependency,
    Case,
    CaseTag,
    Document,
    Organisation,
    Template,
)
from coordinator.store.records import ActionRecord, CaseRecord
from coordinator.store.storage import Store, Work
from coordinator.validation import (
    check_datetime,
    check_hours,
    clean_text,
    parse_amount,
    required_datetime,
)

ENTITY = "case"
MAX_AMOUNT = Decimal("1e15")  # a quadrillion: far above any single investment
OPEN_ACTION_STATUSES = frozenset(
    {
        ActionStatus.TODO,
        ActionStatus.IN_PROGRESS,
        ActionStatus.WAITING,
        ActionStatus.WAITING_COMPANY,
        ActionStatus.BLOCKED,
    }
)


def _amount_minor(amount: Decimal | int | float | str | None) -> int | None:
    if amount is None:
        return None
    if isinstance(amount, bool):
        raise ValidationError(N_("{field} must be a number."), field=F_AMOUNT)
    if isinstance(amount, str):
        # As typed: "50000000", "5,000万", "1.5亿元" (coordinator.validation.parse_amount).
        typed = parse_amount(amount, F_AMOUNT)
        if typed is None:
            return None
        value = typed
    else:
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            raise ValidationError(N_("{field} must be a number."), field=F_AMOUNT) from None
    if not value.is_finite() or value < 0 or value >= MAX_AMOUNT:
        raise ValidationError(N_("{field} must be a positive number below 10^15."), field=F_AMOUNT)
    # Fractions of a fen are rounded half up (四舍五入), as on any receipt.
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _currency(code: str) -> str:
    text = clean_text(code, F_CURRENCY, max_length=3, required=True).upper()
    if len(text) != 3 or not text.isascii() or not text.isalpha():
        raise ValidationError(N_("The currency must be a three-letter code such as CNY or USD."))
    return text


def _tags(tags: Sequence[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        clean = clean_text(tag, F_TAG, max_length=60, required=True)
        if clean not in out:
            out.append(clean)
    return out


def next_reference(work: Work, year: int) -> str:
    """The year's next free number: one above the highest numeric reference of the year.

    References typed by the officer ("2025-A7") are skipped, and numbers are compared as
    numbers, so "2025-10000" comes after "2025-9999".
    """
    prefix = f"{year:04d}-"
    numbers = [
        int(suffix)
        for ref in work.session.scalars(
            select(Case.reference).where(Case.reference.like(f"{prefix}%"))
        )
        if (suffix := ref[len(prefix) :]).isascii() and suffix.isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _company(work: Work, company_id: int | None, company_name: str | None) -> Organisation | None:
    if company_id is not None:
        return get_or_raise(work.session, Organisation, company_id, WHAT_ORGANISATION)
    if company_name:
        return organisations.find_or_create_in(work, company_name, OrganisationKind.COMPANY)
    return None


def open_case(
    store: Store,
    title: str,
    *,
    company_id: int | None = None,
    company_name: str | None = None,
    template_key: str | None = None,
    kind: str = "",
    fast_track: bool = False,
    owner: str | None = None,
    opened_at: datetime | None = None,
    target_at: datetime | None = None,
    normal_duration_hours: float | None = None,
    amount: Decimal | int | float | str | None = None,
    currency: str = "CNY",
    tags: Sequence[str] = (),
    notes: str = "",
    reference: str | None = None,
) -> Outcome[CaseRecord]:
    """Open a case; with a template, its standard actions and documents are created too.

    ``owner`` None: the officer opening it (the store's officer); its steps are theirs too.
    """
    with store.work() as work:
        case = open_case_in(
            work,
            title,
            company_id=company_id,
            company_name=company_name,
            template_key=template_key,
            kind=kind,
            fast_track=fast_track,
            owner=owner,
            opened_at=opened_at,
            target_at=target_at,
            normal_duration_hours=normal_duration_hours,
            amount=amount,
            currency=currency,
            tags=tags,
            notes=notes,
            reference=reference,
        )
        record = CaseRecord.of(case)
    return Outcome(record, work.changes)


def open_case_in(
    work: Work,
    title: str,
    *,
    company_id: int | None = None,
    company_name: str | None = None,
    template_key: str | None = None,
    kind: str = "",
    fast_track: bool = False,
    owner: str | None = None,
    opened_at: datetime | None = None,
    target_at: datetime | None = None,
    normal_duration_hours: float | None = None,
    amount: Decimal | int | float | str | None = None,
    currency: str = "CNY",
    tags: Sequence[str] = (),
    notes: str = "",
    reference: str | None = None,
) -> Case:
    opened = required_datetime(opened_at or work.now, F_OPENED)
    target = check_datetime(target_at, F_TARGET)
    if target is not None and target < opened:
        raise ValidationError(N_("The target time cannot be before the case was opened."))
    template: Template | None = None
    if template_key:
        template = work.session.scalar(select(Template).where(Template.key == template_key))
        if template is None:
            raise ValidationError(N_("There is no case template “{key}”."), key=template_key)
    company = _company(work, company_id, company_name)
    if reference is not None:
        ref = clean_text(reference, N_("Reference"), max_length=20, required=True)
        if work.session.scalar(select(Case.id).where(Case.reference == ref)) is not None:
            raise ValidationError(N_("The reference {reference} is already used."), reference=ref)
    else:
        ref = next_reference(work, opened.year)
    normal = check_hours(normal_duration_hours, F_NORMAL)
    if normal is None and template is not None:
        normal = template.normal_duration_hours
    case = Case(
        reference=ref,
        title=clean_text(title, F_TITLE, max_length=TITLE_MAX, required=True),
        company_id=company.id if company else None,
        kind=clean_text(kind or (template.key if template else ""), F_KIND, max_length=60),
        fast_track=bool(fast_track),
        status=CaseStatus.OPEN,
        owner=clean_text(
            work.store.officer if owner is None else owner, F_OWNER, max_length=NAME_MAX
        ),
        opened_at=opened,
        target_at=target,
        normal_duration_hours=normal,
        amount_minor=_amount_minor(amount),
        currency=_currency(currency),
        notes=clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True),
        created_at=work.now,
        updated_at=work.now,
    )
    case.tags = [CaseTag(tag=t) for t in _tags(tags)]
    work.session.add(case)
    work.session.flush()
    work.record(ENTITY, case.id, "opened", None, f"{case.reference} {case.title}", case_id=case.id)
    work.changed(ChangeKind.CASE, case.id)
    if template is not None:
        _apply_template(work, case, template, company)
    return case


def _apply_template(
    work: Work, case: Case, template: Template, company: Organisation | None
) -> None:
    by_key: dict[str, Action] = {}
    for spec in template.actions:
        department = organisations.find_or_create_in(work, spec.department, spec.department_kind)
        action = Action(
            case_id=case.id,
            department_id=department.id,
            title=spec.title,
            status=ActionStatus.TODO,
            statutory_limit_hours=spec.statutory_limit_hours,
            promised_limit_hours=spec.promised_limit_hours,
            normal_duration_hours=spec.normal_duration_hours,
            position=spec.position,
            template_key=spec.key,
            owner=case.owner,
            created_at=work.now,
            updated_at=work.now,
        )
        work.session.add(action)
        by_key[spec.key] = action
    work.session.flush()
    for spec in template.actions:
        for dep in dict.fromkeys(spec.depends_on):  # once each, even if stored twice
            if dep in by_key and dep != spec.key:
                work.session.add(
                    ActionDependency(action_id=by_key[spec.key].id, depends_on_id=by_key[dep].id)
                )
    for action in by_key.values():
        work.record("action", action.id, "created", None, action.title, case_id=case.id)
        work.changed(ChangeKind.ACTION, action.id)
    for spec_doc in template.documents:
        destination = (
            organisations.find_or_create_in(work, spec_doc.destination, OrganisationKind.DEPARTMENT)
            if spec_doc.destination
            else None
        )
        document = Document(
            case_id=case.id,
            title=spec_doc.title,
            required=spec_doc.required,
            state=DocumentState.REQUESTED,
            source_id=company.id if company else None,
            destination_id=destination.id if destination else None,
            holder_id=company.id if company else None,
            is_original=spec_doc.is_original,
            stamped=spec_doc.stamped,
            requested_at=case.opened_at,
            position=spec_doc.position,
            created_at=work.now,
            updated_at=work.now,
        )
        work.session.add(document)
        work.session.flush()
        work.record("document", document.id, "created", None, document.title, case_id=case.id)
        work.changed(ChangeKind.DOCUMENT, document.id)
    work.record(ENTITY, case.id, "template", None, template.key, case_id=case.id)


def update(
    store: Store,
    case_id: int,
    *,
    title: str | None = None,
    company_id: int | Unchanged | None = KEEP,
    kind: str | None = None,
    fast_track: bool | None = None,
    owner: str | None = None,
    opened_at: datetime | None = None,
    target_at: datetime | Unchanged | None = KEEP,
    normal_duration_hours: float | Unchanged | None = KEEP,
    amount: Decimal | int | float | str | Unchanged | None = KEEP,
    currency: str | None = None,
    notes: str | None = None,
    tags: Sequence[str] | None = None,
    expected_version: int | None = None,
    undoing: bool = False,
) -> Outcome[CaseRecord]:
    """Change the fields given (``KEEP`` leaves one alone, ``None`` clears it).

    ``expected_version``: the version the officer's form was filled from; refused with
    who changed what when a colleague has saved the case since. A new owner takes along
    the open steps that followed the case's owner (the old owner's, or nobody's).
    ``undoing``: this puts back an earlier edit, and the timeline says so.
    """
    with store.work() as work:
        case = get_or_raise(work.session, Case, case_id, WHAT_CASE)
        check_version(work, ENTITY, case, expected_version)

        def put(field: str, value: object) -> bool:
            return set_field(
                work, case, field, value, entity=ENTITY, entity_id=case.id, case_id=case.id
            )

        changed = False
        if title is not None:
            changed |= put("title", clean_text(title, F_TITLE, max_length=TITLE_MAX, required=True))
        if not isinstance(company_id, Unchanged):
            if company_id is not None:
                get_or_raise(work.session, Organisation, company_id, WHAT_ORGANISATION)
            changed |= put("company_id", company_id)
        if kind is not None:
            changed |= put("kind", clean_text(kind, F_KIND, max_length=60))
        if fast_track is not None:
            changed |= put("fast_track", bool(fast_track))
        if owner is not None:
            previous = case.owner
            if put("owner", clean_text(owner, F_OWNER, max_length=NAME_MAX)):
                _hand_over_steps(work, case, previous)
                changed = True
        if opened_at is not None:
            changed |= put("opened_at", required_datetime(opened_at, F_OPENED))
        if not isinstance(target_at, Unchanged):
            changed |= put("target_at", check_datetime(target_at, F_TARGET))
        if case.target_at is not None and case.target_at < case.opened_at:
            raise ValidationError(N_("The target time cannot be before the case was opened."))
        if case.closed_at is not None and case.closed_at < case.opened_at:
            raise ValidationError(N_("A case cannot close before it was opened."))
        if not isinstance(normal_duration_hours, Unchanged):
            changed |= put("normal_duration_hours", check_hours(normal_duration_hours, F_NORMAL))
        if not isinstance(amount, Unchanged):
            changed |= put("amount_minor", _amount_minor(amount))
        if currency is not None:
            changed |= put("currency", _currency(currency))
        if notes is not None:
            changed |= put("notes", clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True))
        if tags is not None:
            wanted = _tags(tags)
            current = [t.tag for t in case.tags]
            if sorted(wanted) != sorted(current):
                work.record(ENTITY, case.id, "tags", current, wanted, case_id=case.id)
                case.tags = [CaseTag(tag=t) for t in wanted]
                changed = True
        if undoing:
            work.record(ENTITY, case.id, "undone", None, None, case_id=case.id)
            changed = True
        if changed:
            touch(work, case)
            work.changed(ChangeKind.CASE, case.id)
        flush_checked(work, ENTITY, case, expected_version)
        work.session.refresh(case)
        record = CaseRecord.of(case)
    return Outcome(record, work.changes)


def _hand_over_steps(work: Work, case: Case, previous: str) -> None:
    """The open steps chased by the case's previous owner (or by nobody) follow the case
    to its new owner; steps handed to another officer stay theirs, and finished steps
    keep who chased them."""
    for action in work.session.scalars(
        select(Action).where(
            Action.case_id == case.id,
            Action.status.in_(OPEN_ACTION_STATUSES),
            Action.owner.in_((previous, "")),
        )
    ):
        if action.owner != case.owner:
            work.record("action", action.id, "owner", action.owner, case.owner, case_id=case.id)
            action.owner = case.owner
            touch(work, action)
            work.changed(ChangeKind.ACTION, action.id)


_CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.ON_HOLD, CaseStatus.CLOSED, CaseStatus.CANCELLED}),
    CaseStatus.ON_HOLD: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED, CaseStatus.CANCELLED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.OPEN}),
    CaseStatus.CANCELLED: frozenset({CaseStatus.OPEN}),
}


def set_status(
    store: Store,
    case_id: int,
    status: CaseStatus | str,
    *,
    at: datetime | None = None,
    reason: str = "",
    force: bool = False,
    expected_version: int | None = None,
) -> Outcome[CaseRecord]:
    """Close, cancel, hold or reopen a case.

    Closing with actions still open is refused unless ``force`` is given with a reason;
    cancelling always needs a reason. ``expected_version`` as for :func:`update`.
    """
    try:
        target = CaseStatus(status)
    except ValueError:
        raise ValidationError(N_("“{value}” is not a case status."), value=status) from None
    with store.work() as work:
        case = get_or_raise(work.session, Case, case_id, WHAT_CASE)
        check_version(work, ENTITY, case, expected_version)
        when = required_datetime(at or work.now, N_("Time"))
        why = clean_text(reason, F_REASON, max_length=NOTE_MAX, multiline=True)
        if target == case.status:
            raise TransitionError(N_("The case is already {status}."), status=CASE_STATUS[target])
        if target not in _CASE_TRANSITIONS[case.status]:
            raise TransitionError(
                N_("A case cannot go from {before} to {after}."),
                before=CASE_STATUS[case.status],
                after=CASE_STATUS[target],
            )
        if target == CaseStatus.CANCELLED and not why:
            raise TransitionError(N_("Say why the case is cancelled."))
        if target == CaseStatus.CLOSED:
            open_count = (
                work.session.scalar(
                    select(func.count())
                    .select_from(Action)
                    .where(Action.case_id == case.id, Action.status.in_(OPEN_ACTION_STATUSES))
                )
                or 0
            )
            if open_count and not force:
                raise TransitionError(
                    N_(
                        "The case still has open steps ({count}): finish or cancel them, "
                        "or close anyway and give a reason."
                    ),
                    count=open_count,
                )
            if open_count and not why:
                raise TransitionError(
                    N_("Closing a case with open steps needs a reason."),
                )
        if target in (CaseStatus.CLOSED, CaseStatus.CANCELLED) and when < case.opened_at:
            raise ValidationError(N_("A case cannot close before it was opened."))
        before = case.status
        case.status = target
        if target in (CaseStatus.CLOSED, CaseStatus.CANCELLED):
            _cancel_open_steps(work, case.id, when)
            case.closed_at = when
            case.close_reason = why
        elif target == CaseStatus.OPEN:
            case.closed_at = None
            case.close_reason = ""
        touch(work, case)
        work.record(ENTITY, case.id, "status", before.value, target.value, case_id=case.id)
        if why:
            work.record(ENTITY, case.id, "reason", None, why, case_id=case.id)
        work.changed(ChangeKind.CASE, case.id)
        flush_checked(work, ENTITY, case, expected_version)
        record = CaseRecord.of(case)
    return Outcome(record, work.changes)


def undo_status(
    store: Store,
    case_id: int,
    before: CaseRecord,
    *,
    steps: Sequence[tuple[ActionRecord, int]] = (),
    expected_version: int | None = None,
) -> Outcome[CaseRecord]:
    """Put a case's status back as ``before`` had it (undoing :func:`set_status`): its
    status, closing time and reason, and the steps its closing cancelled (``steps``: each
    as it was, with the version the closing left it at).

    Not a transition: a reopened case goes straight back to closed, say. ``expected_version``
    is the version the change left: a colleague's change since, to the case or to one of
    those steps, is refused, saying who changed what.
    """
    with store.work() as work:
        case = get_or_raise(work.session, Case, case_id, WHAT_CASE)
        check_version(work, ENTITY, case, expected_version)
        if case.status != before.status:
            work.record(
                ENTITY, case.id, "status", case.status.value, before.status.value, case_id=case.id
            )
            case.status = before.status
        set_field(
            work,
            case,
            "closed_at",
            before.closed_at,
            entity=ENTITY,
            entity_id=case.id,
            case_id=case.id,
        )
        if case.close_reason != before.close_reason:
            if before.close_reason:
                work.record(ENTITY, case.id, "reason", None, before.close_reason, case_id=case.id)
            case.close_reason = before.close_reason
        for step, version in steps:
            action = work.session.get(Action, step.id)
            if action is None:
                continue  # deleted since: nothing to put back
            check_version(work, "action", action, version)
            action_services.status_back_in(work, action, step)
        work.record(ENTITY, case.id, "undone", None, None, case_id=case.id)
        touch(work, case)
        work.changed(ChangeKind.CASE, case.id)
        flush_checked(work, ENTITY, case, expected_version)
        record = CaseRecord.of(case)
    return Outcome(record, work.changes)


def _cancel_open_steps(work: Work, case_id: int, when: datetime) -> None:
    """A closed or cancelled case owes nothing more: its open steps are cancelled with it,
    so they no longer show as overdue or due anywhere."""
    for action in work.session.scalars(
        select(Action).where(Action.case_id == case_id, Action.status.in_(OPEN_ACTION_STATUSES))
    ):
        pause = next((p for p in action.pauses if p.ended_at is None), None)
        if pause is not None:
            pause.ended_at = max(when, pause.started_at)
        work.record(
            "action",
            action.id,
            "status",
            action.status.value,
            ActionStatus.CANCELLED.value,
            case_id=case_id,
        )
        action.status = ActionStatus.CANCELLED
        action.updated_at = work.now
        work.changed(ChangeKind.ACTION, action.id)
