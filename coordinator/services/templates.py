"""Case templates: a case kind's standard actions and required documents.

The shipped ones (``resources/templates/*.json``) are installed once; from then on they
are the officer's to edit, and deleting one does not bring it back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from coordinator.errors import ValidationError
from coordinator.i18n import N_
from coordinator.kinds import OrganisationKind
from coordinator.labels import (
    F_DEPARTMENT,
    F_KEY,
    F_NAME,
    F_NORMAL,
    F_NOTES,
    F_PROMISED_LIMIT,
    F_STATUTORY,
    F_TITLE,
)
from coordinator.paths import RESOURCES_DIR
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.lookup import WHAT_TEMPLATE, get_or_raise
from coordinator.store.models import (
    NAME_MAX,
    NOTE_MAX,
    TITLE_MAX,
    Setting,
    Template,
    TemplateAction,
    TemplateDocument,
)
from coordinator.store.storage import Store, Work
from coordinator.validation import check_hours, clean_text

ENTITY = "template"
BUILTIN_DIR = RESOURCES_DIR / "templates"
INSTALLED_SETTING = "builtin_templates_installed"


@dataclass(frozen=True)
class TemplateActionSpec:
    key: str
    department: str
    department_kind: OrganisationKind
    title: str
    statutory_limit_hours: float | None = None
    promised_limit_hours: float | None = None
    normal_duration_hours: float | None = None
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateDocumentSpec:
    title: str
    destination: str = ""
    required: bool = True
    is_original: bool = False
    stamped: bool = False


@dataclass(frozen=True)
class TemplateRecord:
    id: int
    key: str
    name: str
    name_en: str
    description: str
    normal_duration_hours: float | None
    builtin: bool
    actions: tuple[TemplateActionSpec, ...]
    documents: tuple[TemplateDocumentSpec, ...]

    @classmethod
    def of(cls, t: Template) -> TemplateRecord:
        return cls(
            t.id,
            t.key,
            t.name,
            t.name_en,
            t.description,
            t.normal_duration_hours,
            t.builtin,
            tuple(
                TemplateActionSpec(
                    a.key,
                    a.department,
                    a.department_kind,
                    a.title,
                    a.statutory_limit_hours,
                    a.promised_limit_hours,
                    a.normal_duration_hours,
                    tuple(a.depends_on),
                )
                for a in t.actions
            ),
            tuple(
                TemplateDocumentSpec(d.title, d.destination, d.required, d.is_original, d.stamped)
                for d in t.documents
            ),
        )


def _validated_actions(specs: Sequence[TemplateActionSpec]) -> list[TemplateActionSpec]:
    keys: set[str] = set()
    out: list[TemplateActionSpec] = []
    for spec in specs:
        key = clean_text(spec.key, F_KEY, max_length=60, required=True)
        if key in keys:
            raise ValidationError(N_("Two steps of the template share the key “{key}”."), key=key)
        keys.add(key)
        try:
            kind = OrganisationKind(spec.department_kind)
        except ValueError:
            raise ValidationError(
                N_("“{value}” is not a kind of organisation."), value=spec.department_kind
            ) from None
        out.append(
            TemplateActionSpec(
                key,
                clean_text(spec.department, F_DEPARTMENT, max_length=NAME_MAX, required=True),
                kind,
                clean_text(spec.title, F_TITLE, max_length=TITLE_MAX, required=True),
                check_hours(spec.statutory_limit_hours, F_STATUTORY),
                check_hours(spec.promised_limit_hours, F_PROMISED_LIMIT),
                check_hours(spec.normal_duration_hours, F_NORMAL),
                _dependency_keys(spec.depends_on),
            )
        )
    for spec in out:
        for dep in spec.depends_on:
            if dep not in keys:
                raise ValidationError(
                    N_("The step “{key}” waits on “{dep}”, which is not in the template."),
                    key=spec.key,
                    dep=dep,
                )
    _refuse_cycles({s.key: s.depends_on for s in out})
    return out


def _dependency_keys(depends_on: Sequence[str] | str) -> tuple[str, ...]:
    """Keys are trimmed, so their references are too; a repeat would link twice."""
    keys = (depends_on,) if isinstance(depends_on, str) else depends_on
    return tuple(dict.fromkeys(str(dep).strip() for dep in keys))


def _refuse_cycles(graph: dict[str, tuple[str, ...]]) -> None:
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            raise ValidationError(
                N_("The steps wait on each other in a circle (at “{key}”)."), key=node
            )
        state[node] = 1
        for dep in graph.get(node, ()):
            visit(dep)
        state[node] = 2

    for node in graph:
        visit(node)


def _write(
    work: Work,
    template: Template,
    actions: Sequence[TemplateActionSpec],
    documents: Sequence[TemplateDocumentSpec],
) -> None:
    template.actions.clear()
    template.documents.clear()
    work.session.flush()
    for position, spec in enumerate(_validated_actions(actions)):
        template.actions.append(
            TemplateAction(
                key=spec.key,
                department=spec.department,
                department_kind=spec.department_kind,
                title=spec.title,
                statutory_limit_hours=spec.statutory_limit_hours,
                promised_limit_hours=spec.promised_limit_hours,
                normal_duration_hours=spec.normal_duration_hours,
                depends_on=list(spec.depends_on),
                position=position,
            )
        )
    for position, doc in enumerate(documents):
        template.documents.append(
            TemplateDocument(
                title=clean_text(doc.title, F_TITLE, max_length=TITLE_MAX, required=True),
                destination=clean_text(doc.destination, F_DEPARTMENT, max_length=NAME_MAX),
                required=bool(doc.required),
                is_original=bool(doc.is_original),
                stamped=bool(doc.stamped),
                position=position,
            )
        )


def save(
    store: Store,
    key: str,
    name: str,
    *,
    name_en: str = "",
    description: str = "",
    normal_duration_hours: float | None = None,
    actions: Sequence[TemplateActionSpec] = (),
    documents: Sequence[TemplateDocumentSpec] = (),
    builtin: bool = False,
) -> Outcome[TemplateRecord]:
    """Create the template with this key, or replace its contents if it exists."""
    with store.work() as work:
        record = save_in(
            work,
            key,
            name,
            name_en=name_en,
            description=description,
            normal_duration_hours=normal_duration_hours,
            actions=actions,
            documents=documents,
            builtin=builtin,
        )
    return Outcome(record, work.changes)


def save_in(
    work: Work,
    key: str,
    name: str,
    *,
    name_en: str = "",
    description: str = "",
    normal_duration_hours: float | None = None,
    actions: Sequence[TemplateActionSpec] = (),
    documents: Sequence[TemplateDocumentSpec] = (),
    builtin: bool = False,
) -> TemplateRecord:
    clean_key = clean_text(key, F_KEY, max_length=60, required=True)
    template = work.session.scalar(select(Template).where(Template.key == clean_key))
    created = template is None
    if template is None:
        template = Template(key=clean_key, builtin=builtin, created_at=work.now)
        work.session.add(template)
    template.name = clean_text(name, F_NAME, max_length=NAME_MAX, required=True)
    template.name_en = clean_text(name_en, F_NAME, max_length=NAME_MAX)
    template.description = clean_text(description, F_NOTES, max_length=NOTE_MAX, multiline=True)
    template.normal_duration_hours = check_hours(normal_duration_hours, F_NORMAL)
    template.updated_at = work.now
    work.session.flush()
    _write(work, template, actions, documents)
    work.session.flush()
    work.record(ENTITY, template.id, "created" if created else "edited", None, template.name)
    work.changed(ChangeKind.TEMPLATE, template.id)
    return TemplateRecord.of(template)


def delete(store: Store, template_id: int) -> Outcome[None]:
    """Delete a template; cases opened from it keep their actions and documents."""
    with store.work() as work:
        template = get_or_raise(work.session, Template, template_id, WHAT_TEMPLATE)
        work.record(ENTITY, template.id, "deleted", template.name, None)
        work.session.delete(template)
        work.changed(ChangeKind.TEMPLATE, template_id)
    return Outcome(None, work.changes)


def load_spec_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            N_("The template file {name} cannot be read: {reason}"), name=path.name, reason=str(exc)
        ) from None
    if not isinstance(data, dict) or "key" not in data or "name" not in data:
        raise ValidationError(
            N_("The template file {name} is not a case template."), name=path.name
        )
    return data


def _specs(data: dict[str, Any]) -> tuple[list[TemplateActionSpec], list[TemplateDocumentSpec]]:
    try:
        actions = [
            TemplateActionSpec(
                key=a["key"],
                department=a["department"],
                department_kind=OrganisationKind(a.get("department_kind", "department")),
                title=a["title"],
                statutory_limit_hours=a.get("statutory_limit_hours"),
                promised_limit_hours=a.get("promised_limit_hours"),
                normal_duration_hours=a.get("normal_duration_hours"),
                depends_on=tuple(a.get("depends_on", ())),
            )
            for a in data.get("actions", [])
        ]
        documents = [
            TemplateDocumentSpec(
                title=d["title"],
                destination=d.get("destination", ""),
                required=bool(d.get("required", True)),
                is_original=bool(d.get("is_original")),
                stamped=bool(d.get("stamped")),
            )
            for d in data.get("documents", [])
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(
            N_("A case template is incomplete: {reason}"), reason=str(exc)
        ) from None
    return actions, documents


def install_builtin(store: Store) -> Outcome[list[str]]:
    """Install shipped templates not installed before; returns the keys added."""
    with store.work() as work:
        setting = work.session.get(Setting, INSTALLED_SETTING)
        installed: list[str] = list(setting.value.get("keys", [])) if setting else []
        added: list[str] = []
        for path in sorted(BUILTIN_DIR.glob("*.json")):
            data = load_spec_file(path)
            if data["key"] in installed:
                continue
            actions, documents = _specs(data)
            exists = work.session.scalar(select(Template.id).where(Template.key == data["key"]))
            if exists is None:
                save_in(
                    work,
                    data["key"],
                    data["name"],
                    name_en=data.get("name_en", ""),
                    description=data.get("description", ""),
                    normal_duration_hours=data.get("normal_duration_hours"),
                    actions=actions,
                    documents=documents,
                    builtin=True,
                )
                added.append(data["key"])
            installed.append(data["key"])
        if setting is None:
            work.session.add(Setting(key=INSTALLED_SETTING, value={"keys": installed}))
        else:
            setting.value = {"keys": installed}
        if added:
            work.changed(ChangeKind.TEMPLATE)
    return Outcome(added, work.changes)
