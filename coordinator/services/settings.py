"""Office-wide settings the officer can change: the office's name, the pinned cases.

The name heads every printed page. Until the officer enters one, a translatable
default is used, so a fresh install prints in the reader's language.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coordinator.i18n import N_
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.models import NAME_MAX, Case, Setting
from coordinator.store.storage import Store
from coordinator.validation import clean_text

ENTITY = "setting"
OFFICE_NAME_SETTING = "office_name"
DEFAULT_OFFICE_NAME = N_("Investment Service Office")
F_OFFICE_NAME = N_("Office name")


def _stored_name(value: object) -> str | None:
    """The name kept in a setting's value, or None if the value is not one (an import)."""
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str) and name.strip():
            return name
    return None


def stored_office_name(session: Session) -> str | None:
    """The office's name as entered, or None while there is none."""
    setting = session.get(Setting, OFFICE_NAME_SETTING)
    return None if setting is None else _stored_name(setting.value)


def set_office_name(store: Store, name: str) -> Outcome[None]:
    """Set the name printed at the top of every report (one line, required)."""
    clean = clean_text(name, F_OFFICE_NAME, max_length=NAME_MAX, required=True)
    with store.work() as work:
        setting = work.session.get(Setting, OFFICE_NAME_SETTING)
        before = None if setting is None else _stored_name(setting.value)
        if before == clean:
            return Outcome(None, work.changes)
        if setting is None:
            work.session.add(Setting(key=OFFICE_NAME_SETTING, value={"name": clean}))
        else:
            setting.value = {"name": clean}
        work.record(ENTITY, 0, OFFICE_NAME_SETTING, before, clean)
        work.changed(ChangeKind.SETTING, 0)
    return Outcome(None, work.changes)


PINNED_CASES_SETTING = "pinned_cases"
PINNED_MAX = 9  # one per Ctrl+1 … Ctrl+9


def pinned_in(session: Session) -> list[int]:
    """The pinned cases that still exist, most recently pinned first."""
    setting = session.get(Setting, PINNED_CASES_SETTING)
    value = None if setting is None else setting.value
    raw = value.get("ids") if isinstance(value, dict) else None
    ids = [i for i in raw if isinstance(i, int)] if isinstance(raw, list) else []
    existing = set(session.scalars(select(Case.id).where(Case.id.in_(ids)))) if ids else set()
    return [i for i in ids if i in existing][:PINNED_MAX]


def set_pinned(store: Store, case_id: int, pinned: bool) -> Outcome[list[int]]:
    """Pin a case to the top of the stack (or unpin it); the oldest falls off past nine."""
    with store.work() as work:
        current = pinned_in(work.session)
        wanted = [i for i in current if i != case_id]
        if pinned:
            wanted.insert(0, case_id)
        wanted = wanted[:PINNED_MAX]
        if wanted == current:
            return Outcome(current, work.changes)
        setting = work.session.get(Setting, PINNED_CASES_SETTING)
        if setting is None:
            work.session.add(Setting(key=PINNED_CASES_SETTING, value={"ids": wanted}))
        else:
            setting.value = {"ids": wanted}
        work.changed(ChangeKind.SETTING, 0)
    return Outcome(wanted, work.changes)
