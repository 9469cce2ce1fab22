"""Events in the officer's words: what a changed field is called and how its values read.

Shared by the case timeline (:mod:`coordinator.queries.timeline`), the printed summary,
and the refusal of an edit made on a record a colleague changed meanwhile
(:class:`coordinator.errors.EditConflictError`), so that a change reads the same
wherever it is shown. Every function takes the language to speak (None: the current
one): a refusal is built once and said in Chinese in a dialog, in English in a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from coordinator.i18n import N_, Msg
from coordinator.kinds import ActionStatus, CaseStatus, DocumentState
from coordinator.labels import (
    ACTION_STATUS,
    CASE_STATUS,
    DOCUMENT_STATE,
    F_CURRENCY,
    F_DUE,
    F_FOLLOW_UP,
    F_HANDLE,
    F_KIND,
    F_NAME,
    F_NORMAL,
    F_NOTES,
    F_OWNER,
    F_PROMISED,
    F_PROMISED_LIMIT,
    F_REASON,
    F_ROLE,
    F_STATUTORY,
    F_TAG,
    F_TITLE,
)

ENTITY_NAMES: Final[dict[str, Msg]] = {
    "case": N_("Case"),
    "action": N_("Step"),
    "document": N_("Document"),
    "communication": N_("Communication"),
    "contact": N_("Contact"),
    "organisation": N_("Organisation"),
    "indicator": N_("Indicator amount"),
}
"""A record's kind, as the subject of a timeline line."""

THIS_RECORD: Final[dict[str, Msg]] = {
    "case": N_("case"),
    "action": N_("step"),
    "document": N_("document"),
    "communication": N_("communication"),
    "contact": N_("contact"),
    "organisation": N_("organisation"),
}
"""A record's kind inside a sentence ("this step")."""

FIELD_NAMES: Final[dict[str, Msg]] = {
    "created": N_("added"),
    "logged": N_("logged"),
    "deleted": N_("deleted"),
    "restored": N_("restored"),
    "undone": N_("last change undone"),
    "opened": N_("opened"),
    "status": N_("status"),
    "state": N_("state"),
    "reason": F_REASON,
    "requested_at": N_("requested"),
    "due_at": F_DUE,
    "done_at": N_("done"),
    "title": F_TITLE,
    "notes": F_NOTES,
    "owner": F_OWNER,
    "tags": F_TAG,
    "template": N_("template"),
    "file": N_("file"),
    "holder_id": N_("holder"),
    "case_id": N_("filed to case"),
    "follow_up_due": F_FOLLOW_UP,
    "follow_up_done_at": N_("follow-up done"),
    "promised_completion_at": F_PROMISED,
    "missing_items": N_("missing items"),
    "target_at": N_("target time"),
    "amount_minor": N_("amount"),
    "name": F_NAME,
    "role": F_ROLE,
    "kind": F_KIND,
    "currency": F_CURRENCY,
    "depends_on": N_("waits on"),
    "statutory_limit_hours": F_STATUTORY,
    "promised_limit_hours": F_PROMISED_LIMIT,
    "normal_duration_hours": F_NORMAL,
    "fast_track": N_("fast-track"),
    "company_id": N_("company"),
    "department_id": N_("department"),
    "contact_id": N_("contact"),
}
"""The readable name of each field a service records."""

NAMED_ONLY: Final = frozenset({"created", "deleted", "opened", "restored", "undone"})
"""Fields whose event says the record's name, not a change of value."""

_ACTION_VALUES = frozenset(s.value for s in ActionStatus)
_CASE_VALUES = frozenset(s.value for s in CaseStatus)
_DOCUMENT_VALUES = frozenset(s.value for s in DocumentState)
_AMOUNT_FIELDS = frozenset({"amount_minor"})
_YES, _NO = N_("yes"), N_("no")
_SET = N_("{field}: {after}")
_CHANGED = N_("{field}: {before} → {after}")


def capitalised(label: Msg, lang: str | None = None) -> str:
    """``label`` on its own: first letter up in English (Chinese is unaffected)."""
    text = label.tr(lang)
    return text[:1].upper() + text[1:]


def entity_name(entity: str, lang: str | None = None) -> str:
    kind = ENTITY_NAMES.get(entity)
    return kind.tr(lang) if kind is not None else entity


def field_name(field: str, lang: str | None = None) -> str:
    if field.startswith("handle:"):  # a messaging handle, by channel
        return f"{F_HANDLE.tr(lang)} ({field.partition(':')[2]})"
    name = FIELD_NAMES.get(field)
    return name.tr(lang) if name is not None else field


def value_text(
    entity: str, field: str, value: str | None, lang: str | None = None, longest: int = 120
) -> str:
    """A stored value as the officer reads it: statuses as their labels (an unknown one,
    from a newer version, as is), times to the minute, long text cut short."""
    if value is None or value == "":
        return "—"
    if field == "status" and entity == "action" and value in _ACTION_VALUES:
        return capitalised(ACTION_STATUS[ActionStatus(value)], lang)
    if field == "status" and entity == "case" and value in _CASE_VALUES:
        return capitalised(CASE_STATUS[CaseStatus(value)], lang)
    if field == "state" and value in _DOCUMENT_VALUES:
        return capitalised(DOCUMENT_STATE[DocumentState(value)], lang)
    if field in _AMOUNT_FIELDS and value.lstrip("-").isdigit():
        return f"{int(value) / 100:,.2f}"
    if field == "fast_track" and value in ("true", "false"):
        return (_YES if value == "true" else _NO).tr(lang)
    if len(value) >= 16 and value[4] == "-" and value[10] == " " and value[13] == ":":
        return value[:16]  # a time as events store it, to the minute
    text = " ".join(value.split())  # one line: a note's line breaks would break a sentence
    return text if len(text) <= longest else text[: longest - 1] + "…"


def change_text(
    entity: str,
    field: str,
    before: str | None,
    after: str | None,
    lang: str | None = None,
    longest: int = 120,
) -> str:
    """“status: To do → In progress”; a record added, opened or deleted: the word only."""
    name = field_name(field, lang)
    if field in NAMED_ONLY:
        return name
    if field == "logged":
        return _SET.tr(lang).format(field=name, after=after or "")
    if before is None:
        return _SET.tr(lang).format(
            field=name, after=value_text(entity, field, after, lang, longest)
        )
    return _CHANGED.tr(lang).format(
        field=name,
        before=value_text(entity, field, before, lang, longest),
        after=value_text(entity, field, after, lang, longest),
    )


@dataclass(frozen=True)
class ChangeBy:
    """One saved change of a record, and who saved it: what an edit made on an older
    version of the record is told about."""

    officer: str
    at: datetime
    entity: str
    field: str
    before: str | None
    after: str | None
