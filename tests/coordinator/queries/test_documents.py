"""Documents across cases: filters by state and holder, orders, counts, display rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from coordinator.kinds import DocumentState
from coordinator.queries import contacts as contact_queries
from coordinator.queries import documents as dq
from coordinator.queries.documents import DocumentFilter, Holder
from coordinator.services import cases, documents
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import FixedClock

D = DocumentState
NOW = datetime(2025, 6, 10, 10, 0)


def mon(hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 6, 9, hh, mm)


@dataclass
class Scene:
    a_case: int
    b_case: int
    a: list[int]  # A's seven documents, in template order
    b: list[int]
    market: int
    company_a: int


@pytest.fixture
def scene(store: Store, clock: FixedClock, tmp_path: Path) -> Scene:
    clock.set(2025, 6, 10, 10, 0)
    a_case = cases.open_case(
        store,
        "甲公司落地",
        company_name="甲光电科技有限公司",
        template_key="company_landing",
        opened_at=mon(8, 30),
    ).value
    b_case = cases.open_case(
        store,
        "乙公司落地",
        company_name="乙精密模具有限公司",
        template_key="company_landing",
        opened_at=mon(8, 35),
    ).value
    a = [d.id for d in dq.for_case(store, a_case.id)]
    b = [d.id for d in dq.for_case(store, b_case.id)]
    # 0: forwarded to the market regulator at 9:30
    documents.transition(store, a[0], D.RECEIVED, at=mon(9, 10))
    documents.transition(store, a[0], D.FORWARDED, at=mon(9, 30))
    # 1: accepted at 10:00
    documents.transition(store, a[1], D.RECEIVED, at=mon(9, 10))
    documents.transition(store, a[1], D.FORWARDED, at=mon(9, 30))
    documents.transition(store, a[1], D.ACCEPTED, at=mon(10, 0))
    # 2: returned to the company at 11:00
    documents.transition(store, a[2], D.RECEIVED, at=mon(9, 10))
    documents.transition(store, a[2], D.RETURNED, at=mon(11, 0), reason="缺少公章")
    # 3: accepted with items missing at 14:00, promised for Tuesday 9:00 (now late)
    documents.transition(store, a[3], D.RECEIVED, at=mon(9, 10))
    documents.transition(store, a[3], D.FORWARDED, at=mon(9, 30))
    documents.transition(
        store,
        a[3],
        D.ACCEPTED_MISSING,
        at=mon(14, 0),
        missing_items="身份证复印件",
        promised_completion_at=datetime(2025, 6, 10, 9, 0),
    )
    # 4: in the officer's hands since 15:00, with a scanned file
    documents.transition(store, a[4], D.RECEIVED, at=mon(15, 0))
    scan = tmp_path / "租赁协议.pdf"
    scan.write_bytes(b"%PDF-1.4 lease")
    documents.attach_file(store, a[4], scan)
    market = next(o for o in contact_queries.organisations(store) if o.name == "区市场监督管理局")
    assert a_case.company_id is not None
    return Scene(a_case.id, b_case.id, a, b, market.id, a_case.company_id)


def sql_ids(store: Store, where: str = "1=1") -> set[int]:
    with store.read() as session:
        return {int(r[0]) for r in session.execute(text(f"SELECT id FROM documents WHERE {where}"))}


def ids(store: Store, flt: DocumentFilter | None = None, **kw: object) -> list[int]:
    return dq.ids(store, flt or DocumentFilter(), **kw)  # type: ignore[arg-type]


def count(store: Store, flt: DocumentFilter | None = None) -> int:
    return dq.count(store, flt or DocumentFilter())


def test_default_filter_is_every_document_not_yet_accepted(store: Store, scene: Scene) -> None:
    expected = sql_ids(store, "state != 'accepted'")
    assert len(expected) == 13
    assert set(ids(store)) == expected
    assert count(store) == 13
    assert count(store, DocumentFilter(states=None)) == 14


def test_state_groups(store: Store, scene: Scene) -> None:
    others = set(ids(store, DocumentFilter(states=dq.WAITING_ON_OTHERS)))
    assert others == {scene.a[0], scene.a[2], scene.a[3], *scene.a[5:], *scene.b}
    assert ids(store, DocumentFilter(states=dq.IN_MY_HANDS)) == [scene.a[4]]
    assert ids(store, DocumentFilter(states=(D.ACCEPTED,))) == [scene.a[1]]


def test_holder_filters(store: Store, scene: Scene) -> None:
    assert ids(store, DocumentFilter(holder=Holder.ME)) == [scene.a[4]]
    # the company holds what it was asked for and what came back to it
    company = set(ids(store, DocumentFilter(holder=Holder.COMPANY)))
    assert company == {scene.a[2], *scene.a[5:], *scene.b}
    departments = set(ids(store, DocumentFilter(holder=Holder.DEPARTMENT)))
    assert departments == {scene.a[0], scene.a[3]}
    one = DocumentFilter(holder=Holder.COMPANY, holder_id=scene.market, states=None)
    assert set(ids(store, one)) == {scene.a[0], scene.a[1], scene.a[3]}  # holder_id wins
    assert set(ids(store, DocumentFilter(holder_id=scene.company_a))) == {scene.a[2], *scene.a[5:]}


@pytest.mark.parametrize(
    ("term", "expected_from"),
    [("乙精密", "b"), ("2025-0001", "a"), ("公司章程", "charters"), ("%", "none")],
)
def test_text(store: Store, scene: Scene, term: str, expected_from: str) -> None:
    expected = {
        "a": set(scene.a) - {scene.a[1]},
        "b": set(scene.b),
        "charters": {scene.b[1]},  # A's charter is accepted, left out by the default filter
        "none": set(),
    }[expected_from]
    flt = DocumentFilter(text=term)
    assert set(ids(store, flt)) == expected
    assert count(store, flt) == len(expected)


def test_matching_and_of_cases(store: Store, scene: Scene) -> None:
    with store.snapshot():
        assert dq.of_cases(store, [scene.b_case]) == set(scene.b)
        mine = dq.matching(store, DocumentFilter(holder=Holder.ME), [*scene.a, 999_999])
    assert mine == {scene.a[4]}


def test_default_order_is_longest_waiting_first(store: Store, scene: Scene) -> None:
    order = ids(store)
    # B's documents and A's untouched ones wait since they were requested (the cases'
    # opening), then A's: forwarded 9:30, returned 11:00, accepted missing 14:00,
    # received 15:00.
    untouched = sorted(scene.a[5:])
    assert order[:2] == untouched
    assert order[2:9] == sorted(scene.b)
    assert order[9:] == [scene.a[0], scene.a[2], scene.a[3], scene.a[4]]


def test_holder_order_puts_the_officer_first(store: Store, scene: Scene) -> None:
    order = ids(store, sort=dq.SORT_HOLDER, descending=False)
    assert order[0] == scene.a[4]


@pytest.mark.parametrize("sort", dq.SORT_COLUMNS)
def test_every_order_is_total_stable_and_reversible(store: Store, scene: Scene, sort: str) -> None:
    flt = DocumentFilter(states=None)
    down = ids(store, flt, sort=sort, descending=True)
    up = ids(store, flt, sort=sort, descending=False)
    assert sorted(down) == sorted(sql_ids(store))
    assert up == list(reversed(down))
    assert ids(store, flt, sort=sort, descending=True) == down
    with store.read() as session:
        assert list(session.scalars(dq.ids_stmt(flt, sort, True))) == down
        assert dq.ids(store, flt, sort, True, limit=3) == down[:3]


def test_rows(store: Store, scene: Scene) -> None:
    found = dq.rows(store, [scene.a[0], scene.a[3], scene.a[4], 999_999])
    assert set(found) == {scene.a[0], scene.a[3], scene.a[4]}
    forwarded = found[scene.a[0]]
    assert (forwarded.holder_name, forwarded.since, forwarded.files) == (
        "区市场监督管理局",
        mon(9, 30),
        0,
    )
    assert (forwarded.case_reference, forwarded.company_name) == ("2025-0001", "甲光电科技有限公司")
    late = found[scene.a[3]]
    assert late.missing_items == "身份证复印件"
    assert late.promised_completion_at == datetime(2025, 6, 10, 9, 0)
    mine = found[scene.a[4]]
    assert mine.held_by_officer
    assert mine.holder_name is None
    assert (mine.files, mine.is_original, mine.stamped) == (1, True, True)


def test_held_seconds(store: Store, scene: Scene) -> None:
    calendar = store.calendar()
    found = dq.rows(store, [scene.a[0], scene.a[1], scene.a[4]])
    # forwarded Mon 9:30: 2.5 h + 4 h + 1.5 h
    assert dq.held_seconds(found[scene.a[0]], calendar, NOW) == 8 * 3600
    assert dq.held_seconds(found[scene.a[1]], calendar, NOW) is None  # accepted
    assert dq.held_seconds(found[scene.a[4]], calendar, NOW) == 4 * 3600


def test_holders_are_every_organisation_but_the_companies(store: Store, scene: Scene) -> None:
    found = dq.holders(store)
    names = [name for _ident, name in found]
    assert "区市场监督管理局" in names
    assert "甲光电科技有限公司" not in names
    assert names == sorted(names)
