"""Events in the officer's words: what a changed field is called and how its values read.

Shared by the case timeline (:mod:`coordinator.queries.timeline`), the printed summary,
and the refusal of an edit made on a record a colleague changed meanwhile
(:class:`coordinator.errors.EditConflictError`), so that a change reads the same
wherever it is shown. Every function takes the language to speak (None: the current
one): a refusal is built once and said in Chinese in a dialog, in English in a log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from coordinator.formatting import listing, money
from coordinator.i18n import N_, Msg
from coordinator.kinds import (
    INDICATOR_CURRENCY,
    ActionStatus,
    CaseStatus,
    Channel,
    Direction,
    DocumentState,
    Indicator,
    OrganisationKind,
)
from coordinator.labels import (
    ACTION_STATUS,
    CASE_STATUS,
    CHANNEL,
    DIRECTION,
    DOCUMENT_STATE,
    F_AMOUNT,
    F_AT,
    F_CURRENCY,
    F_DUE,
    F_DURATION,
    F_FOLLOW_UP,
    F_HANDLE,
    F_KIND,
    F_NAME,
    F_NORMAL,
    F_NOTES,
    F_NUMBER,
    F_OPENED,
    F_OWNER,
    F_PROMISED,
    F_PROMISED_LIMIT,
    F_REASON,
    F_ROLE,
    F_STATUTORY,
    F_TAG,
    F_TITLE,
    INDICATOR,
    ORGANISATION_KIND,
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
    "amount_minor": F_AMOUNT,
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
    "source_id": N_("from"),
    "destination_id": N_("destination"),
    "organisation_id": N_("organisation"),
    "at": F_AT,
    "opened_at": F_OPENED,
    "channel": N_("channel"),
    "direction": N_("direction"),
    "duration_seconds": F_DURATION,
    "required": N_("required"),
    "is_original": N_("original"),
    "stamped": N_("stamped"),
    "phone": F_NUMBER,
    "edited": N_("edited"),
}
"""The readable name of each field a service records."""

NAMED_ONLY: Final = frozenset({"created", "deleted", "opened", "restored", "undone"})
"""Fields whose event says the record's name, not a change of value."""

REFERENCE_FIELDS: Final[dict[str, str]] = {
    "case_id": "case",
    "holder_id": "organisation",
    "company_id": "organisation",
    "department_id": "organisation",
    "source_id": "organisation",
    "destination_id": "organisation",
    "organisation_id": "organisation",
    "contact_id": "contact",
    "depends_on": "action",
    "kind": "template",
    "template": "template",
}
"""Fields whose values name another record by its id (or a template by its key): the kind
of record each refers to. ``depends_on`` holds a list of step ids."""

Referent = tuple[str, str]
Named = tuple[str, bool]


@dataclass(frozen=True)
class Referents:
    """What a timeline's events refer to, looked up once for all its lines
    (:func:`coordinator.store.referents.names_of`): each referred record's name and
    whether it is gone, and the currency of the case its amounts are in."""

    names: Mapping[Referent, Named] = field(default_factory=dict)
    currency: str = "CNY"


_ACTION_VALUES = frozenset(s.value for s in ActionStatus)
_CASE_VALUES = frozenset(s.value for s in CaseStatus)
_DOCUMENT_VALUES = frozenset(s.value for s in DocumentState)
_CHANNEL_VALUES = frozenset(c.value for c in Channel)
_DIRECTION_VALUES = frozenset(d.value for d in Direction)
_INDICATOR_VALUES = frozenset(i.value for i in Indicator)
_ORGANISATION_KINDS = frozenset(k.value for k in OrganisationKind)
_HOUR_FIELDS = frozenset({"statutory_limit_hours", "promised_limit_hours", "normal_duration_hours"})
_YES, _NO = N_("yes"), N_("no")
_SET = N_("{field}: {after}")
_CHANGED = N_("{field}: {before} → {after}")
_GONE = N_("(deleted)")
_NAME_KIND = N_("{name} ({kind})")
_NAME_GONE = N_("{name} (deleted)")
_TARGET = N_("target: {indicator}")
_HOURS = N_("{n} working hours")
_CALL = N_("{minutes} min {seconds} s")
# How a service names an attached file: its name and the start of its content's hash.
_FILE_WITH_HASH = re.compile(r"^(?P<name>.*) \([0-9a-f]{12}\)$")
# How an organisation's addition names it: its name and its kind's value.
_NAME_WITH_KIND = re.compile(r"^(?P<name>.*) \((?P<kind>[a-z_]+)\)$")


def capitalised(label: Msg, lang: str | None = None) -> str:
    """``label`` on its own: first letter up in English (Chinese is unaffected)."""
    text = label.tr(lang)
    return text[:1].upper() + text[1:]


def entity_name(entity: str, lang: str | None = None) -> str:
    kind = ENTITY_NAMES.get(entity)
    return kind.tr(lang) if kind is not None else entity


def field_name(field: str, lang: str | None = None) -> str:
    if field.startswith("handle:"):  # a messaging handle, by channel
        channel = field.partition(":")[2]
        shown = CHANNEL[Channel(channel)].tr(lang) if channel in _CHANNEL_VALUES else channel
        return f"{F_HANDLE.tr(lang)} ({shown})"
    if field in _INDICATOR_VALUES:  # an amount counted toward a yearly indicator
        return INDICATOR[Indicator(field)].tr(lang)
    if field.startswith("target:") and field[7:] in _INDICATOR_VALUES:
        return _TARGET.tr(lang).format(indicator=INDICATOR[Indicator(field[7:])].tr(lang))
    name = FIELD_NAMES.get(field)
    return name.tr(lang) if name is not None else field


def record_name(entity: str, name: str, lang: str | None = None) -> str:
    """The name a record was added or deleted under, as its event keeps it: an
    organisation's kind said in words (“东港银行 (bank)” → “东港银行（银行）”)."""
    found = _NAME_WITH_KIND.match(name) if entity == "organisation" else None
    if found is None or found["kind"] not in _ORGANISATION_KINDS:
        return name
    kind = ORGANISATION_KIND[OrganisationKind(found["kind"])].tr(lang)
    return _NAME_KIND.tr(lang).format(name=found["name"], kind=kind)


def referents(field: str, value: str | None) -> list[Referent]:
    """The records a stored value refers to (none for a field that names nothing)."""
    kind = REFERENCE_FIELDS.get(field)
    if kind is None or not value:
        return []
    if kind == "template":
        return [(kind, value)]
    if field == "depends_on":
        return [(kind, str(i)) for i in _id_list(value)]
    return [(kind, value)] if value.isdigit() else []


def _id_list(value: str) -> list[int]:
    try:
        items = json.loads(value)
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, int) and not isinstance(i, bool)]


def _referred(kind: str, key: str, known: Referents, lang: str | None) -> str:
    named = known.names.get((kind, key))
    if named is None:
        if kind == "template":
            return key  # free text typed as a case's kind, not a template
        return _GONE.tr(lang)
    name, gone = named
    return _NAME_GONE.tr(lang).format(name=name) if gone else name


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _number(value: str) -> str:
    """“24.0” → “24”, “7.5” stays."""
    return value.removesuffix(".0") if value.endswith(".0") else value


def _list(value: str) -> list[str] | None:
    try:
        items = json.loads(value)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    return [str(i) for i in items]


def value_text(
    entity: str,
    field: str,
    value: str | None,
    lang: str | None = None,
    longest: int = 120,
    known: Referents | None = None,
) -> str:
    """A stored value as the officer reads it: the name of a record it refers to (with
    ``known``), statuses, channels and other kinds as their labels (an unknown one, from
    a newer version, as is), yes or no, amounts as money, times to the minute, long text
    cut short."""
    if value is None or value == "":
        return "—"
    kind = REFERENCE_FIELDS.get(field)
    if kind is not None and known is not None and (entity, field) != ("case", "template"):
        if field == "depends_on":
            ids = _id_list(value)
            names = [_referred(kind, str(i), known, lang) for i in ids]
            return _listing(names, lang) if names else "—"
        if kind == "template" or value.isdigit():
            return _referred(kind, value, known, lang)
    if field == "template" and known is not None:
        return _referred("template", value, known, lang)
    if field == "status" and entity == "action" and value in _ACTION_VALUES:
        return capitalised(ACTION_STATUS[ActionStatus(value)], lang)
    if field == "status" and entity == "case" and value in _CASE_VALUES:
        return capitalised(CASE_STATUS[CaseStatus(value)], lang)
    if field == "state" and value in _DOCUMENT_VALUES:
        return capitalised(DOCUMENT_STATE[DocumentState(value)], lang)
    if field == "channel" and value in _CHANNEL_VALUES:
        return capitalised(CHANNEL[Channel(value)], lang)
    if field == "direction" and value in _DIRECTION_VALUES:
        return capitalised(DIRECTION[Direction(value)], lang)
    if value in ("true", "false"):
        return (_YES if value == "true" else _NO).tr(lang)
    shown = _money_value(entity, field, value, known, lang)
    if shown is not None:
        return shown
    if field in _HOUR_FIELDS and _amount(value) is not None:
        return _HOURS.tr(lang).format(n=_number(value))
    if field == "duration_seconds" and value.isdigit():
        minutes, seconds = divmod(int(value), 60)
        return _CALL.tr(lang).format(minutes=minutes, seconds=seconds)
    if field == "tags":
        tags = _list(value)
        if tags is not None:
            return _listing(tags, lang) if tags else "—"
    if field == "file":
        found = _FILE_WITH_HASH.match(value)
        if found is not None:
            value = found["name"]
    if len(value) >= 16 and value[4] == "-" and value[10] == " " and value[13] == ":":
        return value[:16]  # a time as events store it, to the minute
    text = " ".join(value.split())  # one line: a note's line breaks would break a sentence
    return text if len(text) <= longest else text[: longest - 1] + "…"


def _money_value(
    entity: str, field: str, value: str, known: Referents | None, lang: str | None
) -> str | None:
    """An amount in money's words, or None when the field holds none."""
    if field == "amount_minor" and value.lstrip("-").isdigit():
        currency = known.currency if known is not None else "CNY"
        return money(Decimal(int(value)) / 100, currency, lang)
    if entity != "indicator":
        return None
    if field in _INDICATOR_VALUES:  # “120000000 CNY”
        number, _space, code = value.partition(" ")
        amount = _amount(number)
        return None if amount is None else money(amount, code or "CNY", lang)
    if field.startswith("target:") and field[7:] in _INDICATOR_VALUES:
        amount = _amount(value)
        currency = INDICATOR_CURRENCY[Indicator(field[7:])]
        return None if amount is None else money(amount, currency, lang)
    return None


def _listing(items: list[str], lang: str | None) -> str:
    return listing(items, lang=lang)


def change_text(
    entity: str,
    field: str,
    before: str | None,
    after: str | None,
    lang: str | None = None,
    longest: int = 120,
    known: Referents | None = None,
) -> str:
    """“status: To do → In progress”; a record added, opened or deleted: the word only.
    With ``known``, values that refer to records by id say their names."""
    name = field_name(field, lang)
    if field in NAMED_ONLY:
        return name
    if field == "logged":
        return _SET.tr(lang).format(field=name, after=_logged(after or "", lang))
    if before is None:
        return _SET.tr(lang).format(
            field=name, after=value_text(entity, field, after, lang, longest, known)
        )
    return _CHANGED.tr(lang).format(
        field=name,
        before=value_text(entity, field, before, lang, longest, known),
        after=value_text(entity, field, after, lang, longest, known),
    )


def _logged(value: str, lang: str | None) -> str:
    """A logged communication's event holds its channel's value and its case's reference
    (“wechat 2026-0003”, “phone -”): the channel in words, and the case if it has one."""
    channel, _space, reference = value.partition(" ")
    if channel not in _CHANNEL_VALUES:
        return value
    said = capitalised(CHANNEL[Channel(channel)], lang)
    return said if reference in ("", "-") else f"{said} · {reference}"


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
    currency: str | None = None
    """The currency of the case whose amount changed (None: no amount, or CNY)."""

    def text(self, lang: str | None = None, longest: int = 120) -> str:
        """The change in words (its references already named when it was read)."""
        known = Referents(currency=self.currency or "CNY")
        return change_text(self.entity, self.field, self.before, self.after, lang, longest, known)
