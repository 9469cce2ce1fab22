"""A laptop checks out the office's data, both sides work, a sync merges them by meaning."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.kinds import ActionStatus, OrganisationKind
from coordinator.services import actions, cases, communications, organisations
from coordinator.store.models import SyncConflict
from coordinator.store.storage import Store
from coordinator.sync.checkout import checkout
from coordinator.sync.exchange import sync
from coordinator.sync.state import status


def _conflicts(store: Store) -> list[tuple[str, str, str, object, object, str]]:
    with store.read() as session:
        rows = session.scalars(select(SyncConflict).order_by(SyncConflict.id))
        return [(c.kind, c.table_name, c.field, c.ours, c.theirs, c.kept) for c in rows]


@pytest.fixture
def office(store: Store) -> Store:
    park = organisations.create(store, "滨海产业园管委会", OrganisationKind.PARK).value
    company = organisations.create(store, "星河新能源有限公司", OrganisationKind.COMPANY).value
    case = cases.open_case(store, "星河电池工厂落地", company_id=company.id).value
    actions.add(store, case.id, park.id, "园区入驻审批")
    return store


def test_checkout_then_both_sides_change_then_sync_merges(office: Store, tmp_path: Path) -> None:
    laptop, report = checkout(office, tmp_path / "laptop")
    try:
        assert report.rows > 0
        with laptop.read():
            pass
        lcase = cases_of(laptop)[0]
        ocase = cases_of(office)[0]
        # Offline: a call and a step done on the laptop; the office edits the case.
        communications.log(laptop, case_id=lcase, notes="笔记本上记的电话")
        step = steps_of(laptop)[0]
        actions.set_status(laptop, step, ActionStatus.DONE)
        cases.update(office, ocase, title="星河电池工厂（一期）落地")
        communications.log(office, case_id=ocase, notes="办公室记的电话")
        assert status(laptop).waiting > 0
        done = sync(laptop, office, backup=False)
        assert done.sent > 0
        assert done.received > 0
        for side in (laptop, office):
            notes = sorted(n for n in notes_of(side))
            assert notes == ["办公室记的电话", "笔记本上记的电话"], side
            assert titles(side) == ["星河电池工厂（一期）落地"]
            assert step_statuses(side) == ["done"]
        assert _conflicts(laptop) == []
        assert status(laptop).waiting == 0
    finally:
        laptop.close()


def test_the_same_field_changed_on_both_sides_is_kept_as_a_conflict(
    office: Store, tmp_path: Path
) -> None:
    laptop, _ = checkout(office, tmp_path / "laptop")
    try:
        cases.update(laptop, cases_of(laptop)[0], notes="笔记本：企业要求加急")
        cases.update(office, cases_of(office)[0], notes="办公室：等待环评")
        sync(laptop, office, backup=False)
        # Both copies keep the same value, and both list the conflict.
        assert notes_of_cases(laptop) == notes_of_cases(office)
        found = _conflicts(laptop)
        assert [(k, t, f) for k, t, f, *_ in found] == [("field", "cases", "notes")]
        assert {found[0][3], found[0][4]} == {"笔记本：企业要求加急", "办公室：等待环评"}
        assert [(k, t, f) for k, t, f, *_ in _conflicts(office)] == [("field", "cases", "notes")]
    finally:
        laptop.close()


def test_a_step_done_on_one_side_and_changed_on_the_other_stays_done(
    office: Store, tmp_path: Path
) -> None:
    laptop, _ = checkout(office, tmp_path / "laptop")
    try:
        actions.set_status(laptop, steps_of(laptop)[0], ActionStatus.DONE)
        actions.set_status(office, steps_of(office)[0], ActionStatus.BLOCKED, reason="缺材料")
        sync(laptop, office, backup=False)
        assert step_statuses(laptop) == step_statuses(office) == ["done"]
        kinds = [(k, f, kept) for k, _t, f, _o, _th, kept in _conflicts(laptop)]
        assert ("done_kept", "status", "ours") in kinds
    finally:
        laptop.close()


def cases_of(store: Store) -> list[int]:
    from coordinator.store.models import Case

    with store.read() as session:
        return list(session.scalars(select(Case.id).order_by(Case.id)))


def steps_of(store: Store) -> list[int]:
    from coordinator.store.models import Action

    with store.read() as session:
        return list(session.scalars(select(Action.id).order_by(Action.id)))


def notes_of(store: Store) -> list[str]:
    from coordinator.store.models import Communication

    with store.read() as session:
        return list(session.scalars(select(Communication.notes)))


def titles(store: Store) -> list[str]:
    from coordinator.store.models import Case

    with store.read() as session:
        return list(session.scalars(select(Case.title)))


def notes_of_cases(store: Store) -> list[str]:
    from coordinator.store.models import Case

    with store.read() as session:
        return list(session.scalars(select(Case.notes)))


def step_statuses(store: Store) -> list[str]:
    from coordinator.store.models import Action

    with store.read() as session:
        return [s.value for s in session.scalars(select(Action.status))]
