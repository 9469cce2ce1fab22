"""Office-wide settings the officer can change: for now, the office's name.

The name heads every printed page. Until the officer enters one, a translatable
default is used, so a fresh install prints in the reader's language.
"""

from __future__ import annotations

from coordinator import changes as ch
from coordinator.changes import Outcome
from coordinator.i18n import N_
from coordinator.models import NAME_MAX, Setting
from coordinator.storage import Store
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


def office_name(store: Store) -> str:
    """The office's name as entered, else the default in the current language."""
    with store.read() as session:
        setting = session.get(Setting, OFFICE_NAME_SETTING)
        stored = None if setting is None else _stored_name(setting.value)
    return stored if stored is not None else DEFAULT_OFFICE_NAME.tr()


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
        work.changed(ch.SETTING, 0)
    return Outcome(None, work.changes)
