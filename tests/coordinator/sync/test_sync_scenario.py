"""Three days of the article's work on a laptop with no way to the office network, while
the office goes on with the same cases; then one sync, over the network or as a sealed
file carried to the office and its reply carried back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.kinds import ActionStatus, DocumentState, OrganisationKind
from coordinator.services import actions, cases, communications, documents, organisations
from coordinator.store.models import (
    Action,
    Case,
    Communication,
    Document,
    DocumentFile,
    Event,
    SyncConflict,
)
from coordinator.store.storage import Store
from coordinator.sync import parcel
from coordinator.sync.checkout import checkout
from coordinator.sync.exchange import sync
from coordinator.sync.state import status
from tests.conftest import FixedClock

PASSPHRASE = "东港园区-2026-同步"


def _by_uid(store: Store, model: type, uid: str) -> int:
    with store.read() as session:
        found = session.scalar(select(model.id).where(model.uid == uid))  # type: ignore[attr-defined]
    assert found is not None
    return int(found)


def _over_the_network(laptop: Store, office: Store, _tmp: Path) -> None:
    sync(laptop, office)


def _as_files(laptop: Store, office: Store, tmp: Path) -> None:
    parcel.write_laptop_parcel(laptop, tmp / "laptop.lhsync", PASSPHRASE)
    at_office = parcel.apply_parcel(
        office, tmp / "laptop.lhsync", PASSPHRASE, reply=tmp / "reply.lhsync"
    )
    assert at_office.reply == tmp / "reply.lhsync"
    parcel.apply_parcel(laptop, tmp / "reply.lhsync", PASSPHRASE)


@pytest.mark.parametrize("carried", [_over_the_network, _as_files], ids=["network", "file"])
def test_three_offline_days_merge_into_the_office(
    store: Store, clock: FixedClock, tmp_path: Path, carried: Callable[[Store, Store, Path], None]
) -> None:
    office = store
    park = organisations.create(office, "滨海产业园管委会", OrganisationKind.PARK).value
    tax = organisations.create(office, "滨海区税务局", OrganisationKind.DEPARTMENT).value
    company = organisations.create(office, "星河新能源有限公司", OrganisationKind.COMPANY).value
    case = cases.open_case(office, "星河电池工厂落地", company_id=company.id).value
    entry = actions.add(office, case.id, park.id, "园区入驻审批").value
    registration = actions.add(office, case.id, tax.id, "税务登记").value
    licence = documents.add(office, case.id, "营业执照副本").value
    plan = documents.add(office, case.id, "项目可研报告").value
    laptop, report = checkout(office, tmp_path / "laptop")
    assert report.rows > 0
    try:
        uid = {  # the same records on the laptop, by uid
            "case": _uid(office, Case, case.id),
            "entry": _uid(office, Action, entry.id),
            "registration": _uid(office, Action, registration.id),
            "licence": _uid(office, Document, licence.id),
            "plan": _uid(office, Document, plan.id),
        }
        here = {k: _by_uid(laptop, m, uid[k]) for k, m in
                (("case", Case), ("entry", Action), ("registration", Action),
                 ("licence", Document), ("plan", Document))}  # fmt: skip
        scan = tmp_path / "执照扫描件.pdf"
        scan.write_bytes(b"%PDF-1.4 scan of the licence\n" * 50)
        # Day 1-3 on the laptop: calls, the licence received and scanned, the park's
        # approval done, the case's notes written.
        for day in range(3):
            clock.advance(days=1)
            for n in range(4):
                communications.log(
                    laptop, case_id=here["case"], notes=f"隔离酒店第{day + 1}天电话{n}"
                )
        documents.transition(laptop, here["licence"], DocumentState.RECEIVED)
        documents.attach_file(laptop, here["licence"], scan)
        actions.set_status(laptop, here["entry"], ActionStatus.DONE)
        cases.update(laptop, here["case"], notes="企业要求本周内完成税务登记")
        # Meanwhile at the office: calls, the feasibility report received, the park step
        # blocked (the laptop did it), the case's notes written too, the tax step renamed.
        for n in range(3):
            communications.log(office, case_id=case.id, notes=f"办公室电话{n}")
        documents.transition(office, plan.id, DocumentState.RECEIVED)
        actions.set_status(office, entry.id, ActionStatus.BLOCKED, reason="等环评批复")
        cases.update(office, case.id, notes="同事：环评批复预计下周")
        actions.update(office, registration.id, title="税务登记（新办纳税人套餐）")
        assert status(laptop).waiting > 0

        carried(laptop, office, tmp_path)

        for side in (laptop, office):
            with side.read() as session:
                calls = sorted(session.scalars(select(Communication.notes)))
                assert len(calls) == 15
                assert len(set(calls)) == 15  # every call once
                docs = {d.uid: d.state.value for d in session.scalars(select(Document))}
                assert docs == {uid["licence"]: "received", uid["plan"]: "received"}
                steps = {a.uid: (a.status.value, a.title) for a in session.scalars(select(Action))}
                assert steps == {
                    uid["entry"]: ("done", "园区入驻审批"),
                    uid["registration"]: ("todo", "税务登记（新办纳税人套餐）"),
                }
                files = list(session.scalars(select(DocumentFile.original_name)))
                assert files == ["执照扫描件.pdf"]
                kinds = sorted(
                    (c.kind, c.table_name, c.field)
                    for c in session.scalars(select(SyncConflict))
                    if c.field != "blocked_reason"
                )
                assert ("field", "cases", "notes") in kinds
                assert ("done_kept", "actions", "status") in kinds
                assert {k for k in kinds if k[0] == "field"} == {("field", "cases", "notes")}
                # The laptop's events are in the office's trail, signed, once each.
                events = list(session.scalars(select(Event.uid)))
                assert len(events) == len(set(events))
        with laptop.read() as lsession, office.read() as osession:
            assert lsession.scalar(select(Case.notes)) == osession.scalar(select(Case.notes))
            assert sorted(lsession.scalars(select(Event.uid))) == sorted(
                osession.scalars(select(Event.uid))
            )
        # The attachment's content travelled with its row.
        with laptop.read() as session:
            file_id = session.scalar(select(DocumentFile.id))
        assert file_id is not None
        assert status(laptop).waiting == 0
    finally:
        laptop.close()


def _uid(store: Store, model: type, ident: int) -> str:
    with store.read() as session:
        return str(session.scalar(select(model.uid).where(model.id == ident)))  # type: ignore[attr-defined]
