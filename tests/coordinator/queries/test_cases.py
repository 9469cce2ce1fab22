"""The cases list queries: filters, a total and stable order, display rows."""

from __future__ import annotations

from datetime import datetime

import pytest

from coordinator.kinds import CaseStatus
from coordinator.queries import cases as cq
from coordinator.queries.cases import CaseFilter
from coordinator.services import cases
from coordinator.store.storage import Store


@pytest.fixture
def world(store: Store) -> dict[str, int]:
    made = {
        "aoi": cases.open_case(
            store,
            "AOI 项目落地",
            company_name="宁波澄明光电科技有限公司",
            fast_track=True,
            amount="150000000",
            opened_at=datetime(2025, 6, 2, 9, 0),
        ).value.id,
        "bond": cases.open_case(
            store,
            "外债增资",
            company_name="宁波恒屹新材料有限公司",
            opened_at=datetime(2025, 6, 3, 9, 0),
        ).value.id,
        "talent": cases.open_case(
            store, "人才匹配 100%_done", opened_at=datetime(2025, 6, 3, 9, 0)
        ).value.id,
    }
    cases.set_status(store, made["bond"], CaseStatus.ON_HOLD, reason="企业暂缓")
    cases.set_status(store, made["talent"], CaseStatus.CANCELLED, reason="岗位取消")
    return made


def _ids(store: Store, flt: CaseFilter, sort: str = cq.SORT_OPENED, desc: bool = True) -> list[int]:
    return cq.ids(store, flt, sort, desc)


def test_newest_first_with_ties_broken_by_id(store: Store, world: dict[str, int]) -> None:
    assert _ids(store, CaseFilter()) == [world["talent"], world["bond"], world["aoi"]]
    assert _ids(store, CaseFilter(), desc=False) == [world["aoi"], world["bond"], world["talent"]]


def test_filters(store: Store, world: dict[str, int]) -> None:
    assert _ids(store, CaseFilter(open_only=True)) == [world["bond"], world["aoi"]]
    assert _ids(store, CaseFilter(status=CaseStatus.CANCELLED)) == [world["talent"]]
    assert _ids(store, CaseFilter(fast_track_only=True)) == [world["aoi"]]
    assert _ids(store, CaseFilter(text="恒屹")) == [world["bond"]]  # the company's name
    assert _ids(store, CaseFilter(text="AOI")) == [world["aoi"]]
    assert _ids(store, CaseFilter(text="100%_")) == [world["talent"]]  # literal % and _
    assert _ids(store, CaseFilter(text="0%x")) == []
    assert cq.count(store, CaseFilter(open_only=True)) == 2


def test_sort_by_company_puts_no_company_first(store: Store, world: dict[str, int]) -> None:
    order = _ids(store, CaseFilter(), cq.SORT_COMPANY, desc=False)
    assert order[0] == world["talent"]
    with pytest.raises(ValueError, match="unknown sort"):
        _ids(store, CaseFilter(), "nonsense")


def test_rows_carry_what_the_list_shows(store: Store, world: dict[str, int]) -> None:
    found = cq.rows(store, [world["aoi"], 999_999])
    assert set(found) == {world["aoi"]}
    row = found[world["aoi"]]
    assert row.company_name == "宁波澄明光电科技有限公司"
    assert row.fast_track
    assert str(row.amount) == "150000000"
    assert row.status == CaseStatus.OPEN
