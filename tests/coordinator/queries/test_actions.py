"""Actions across cases: filters, total and stable orders, counts, working time, loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from coordinator.kinds import ActionStatus
from coordinator.queries import actions as aq
from coordinator.queries.actions import ActionFilter
from coordinator.services import actions, cases
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import FixedClock

S = ActionStatus
NOW = datetime(2025, 6, 10, 10, 0)  # Tuesday; the steps below moved on Monday 9 June
KEYS = ("park", "licence", "seal", "bank", "tax", "social")


def mon(hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 6, 9, hh, mm)


@dataclass
class Scene:
    a_case: int  # fast-track, 甲光电科技有限公司
    b_case: int
    a: dict[str, int]
    b: dict[str, int]
    departments: dict[str, int]  # template key -> department id


@pytest.fixture
def scene(store: Store, clock: FixedClock) -> Scene:
    clock.set(2025, 6, 10, 10, 0)
    a_case = cases.open_case(
        store,
        "甲公司落地",
        company_name="甲光电科技有限公司",
        template_key="company_landing",
        fast_track=True,
        opened_at=mon(8, 30),
    ).value.id
    b_case = cases.open_case(
        store,
        "乙公司落地",
        company_name="乙精密模具有限公司",
        template_key="company_landing",
        opened_at=mon(8, 35),
    ).value.id
    a_steps = aq.for_case(store, a_case)
    b_steps = aq.for_case(store, b_case)
    a = {k: s.id for k, s in zip(KEYS, a_steps, strict=True)}
    b = {k: s.id for k, s in zip(KEYS, b_steps, strict=True)}
    departments = {k: s.department_id for k, s in zip(KEYS, a_steps, strict=True)}
    # The park holds A's step from 9:00 (due 11:00 Monday: overdue by Tuesday).
    actions.set_status(store, a["park"], S.IN_PROGRESS, at=mon(9, 0))
    # B's park step came first but has waited on the company since 9:00 (due 10:45).
    actions.set_status(store, b["park"], S.IN_PROGRESS, at=mon(8, 45))
    actions.set_status(store, b["park"], S.WAITING_COMPANY, at=mon(9, 0), reason="缺租赁合同")
    actions.set_status(store, a["tax"], S.CANCELLED, at=mon(9, 10))
    actions.set_status(store, b["tax"], S.BLOCKED, at=mon(10, 0), reason="系统故障\n第二行")
    # Social insurance, freed of its dependency, done an hour after its due time.
    actions.set_dependencies(store, b["social"], [])
    actions.set_status(store, b["social"], S.IN_PROGRESS, at=mon(14, 0))
    actions.set_status(store, b["social"], S.DONE, at=mon(17, 0))
    return Scene(a_case, b_case, a, b, departments)


def sql_ids(store: Store, where: str = "1=1") -> set[int]:
    with store.read() as session:
        return {int(r[0]) for r in session.execute(text(f"SELECT id FROM actions WHERE {where}"))}


def ids(store: Store, flt: ActionFilter | None = None, **kw: object) -> list[int]:
    return aq.ids(store, flt or ActionFilter(), **kw)  # type: ignore[arg-type]


def count(store: Store, flt: ActionFilter | None = None) -> int:
    return aq.count(store, flt or ActionFilter())


# -- filters -----------------------------------------------------------------------------


def test_default_filter_is_every_open_step(store: Store, scene: Scene) -> None:
    expected = sql_ids(store, "status NOT IN ('done', 'cancelled')")
    assert len(expected) == 10  # twelve steps, one done, one cancelled
    assert set(ids(store)) == expected
    assert count(store) == 10
    assert set(ids(store, ActionFilter(statuses=None))) == sql_ids(store)


def test_one_status(store: Store, scene: Scene) -> None:
    assert ids(store, ActionFilter(statuses=(S.DONE,))) == [scene.b["social"]]
    assert ids(store, ActionFilter(statuses=(S.BLOCKED,))) == [scene.b["tax"]]


def test_one_department(store: Store, scene: Scene) -> None:
    park = scene.departments["park"]
    assert set(ids(store, ActionFilter(department_id=park))) == {scene.a["park"], scene.b["park"]}
    tax = ActionFilter(department_id=scene.departments["tax"], statuses=None)
    assert set(ids(store, tax)) == {scene.a["tax"], scene.b["tax"]}
    assert count(store, tax) == 2


def test_overdue_leaves_out_steps_paused_on_the_company(store: Store, scene: Scene) -> None:
    flt = ActionFilter(overdue_at=NOW)
    # B's park step is past its due time too, but its clock stands still.
    assert set(ids(store, flt)) == {scene.a["park"], scene.b["tax"]}
    assert count(store, flt) == 2
    assert ids(store, ActionFilter(overdue_at=mon(9, 0))) == []


def test_fast_track_only(store: Store, scene: Scene) -> None:
    flt = ActionFilter(fast_track_only=True)
    expected = sql_ids(store, f"case_id = {scene.a_case} AND status NOT IN ('done', 'cancelled')")
    assert set(ids(store, flt)) == expected
    assert len(expected) == 5


@pytest.mark.parametrize(
    ("term", "which"),
    [
        ("甲光电", "a_open"),  # the company
        ("营业执照", "licences"),  # the step's title
        ("2025-0002", "b_open"),  # the case reference
        ("%", "none"),  # a literal percent sign, not a wildcard
        ("_", "none"),
    ],
)
def test_text_matches_company_title_or_reference(
    store: Store, scene: Scene, term: str, which: str
) -> None:
    with store.read() as session:
        reference_b = session.execute(
            text(f"SELECT reference FROM cases WHERE id = {scene.b_case}")
        ).scalar_one()
    assert reference_b == "2025-0002"
    expected = {
        "a_open": sql_ids(
            store, f"case_id = {scene.a_case} AND status NOT IN ('done','cancelled')"
        ),
        "b_open": sql_ids(
            store, f"case_id = {scene.b_case} AND status NOT IN ('done','cancelled')"
        ),
        "licences": {scene.a["licence"], scene.b["licence"]},
        "none": set(),
    }[which]
    flt = ActionFilter(text=f"  {term} ")
    assert set(ids(store, flt)) == expected
    assert count(store, flt) == len(expected)


def test_matching_and_of_cases(store: Store, scene: Scene) -> None:
    with store.snapshot():
        steps_of_a = aq.of_cases(store, [scene.a_case])
        assert steps_of_a == set(scene.a.values())
        overdue = aq.matching(store, ActionFilter(overdue_at=NOW), steps_of_a | {999_999})
    assert overdue == {scene.a["park"]}


# -- order -------------------------------------------------------------------------------


def test_default_order_is_longest_held_first(store: Store, scene: Scene) -> None:
    never_requested = sorted(
        sql_ids(store, "requested_at IS NULL AND status NOT IN ('done', 'cancelled')")
    )
    assert ids(store) == [scene.b["park"], scene.a["park"], scene.b["tax"], *never_requested]


def test_due_order_puts_steps_without_a_due_time_last(store: Store, scene: Scene) -> None:
    order = ids(store, sort=aq.SORT_DUE, descending=False)
    # due: B park 10:45, A park 11:00, B tax 11:30; then the rest, by id
    assert order[:3] == [scene.b["park"], scene.a["park"], scene.b["tax"]]
    assert order[3:] == sorted(order[3:])


def test_status_order_follows_the_workflow(store: Store, scene: Scene) -> None:
    order = ids(store, ActionFilter(statuses=None), sort=aq.SORT_STATUS, descending=False)
    found = aq.rows(store, order)
    ranks = [aq.STATUS_ORDER.index(found[i].status) for i in order]
    assert ranks == sorted(ranks)
    assert found[order[-1]].status == S.CANCELLED


@pytest.mark.parametrize("sort", aq.SORT_COLUMNS)
def test_every_order_is_total_stable_and_reversible(store: Store, scene: Scene, sort: str) -> None:
    flt = ActionFilter(statuses=None)
    down = ids(store, flt, sort=sort, descending=True)
    up = ids(store, flt, sort=sort, descending=False)
    assert sorted(down) == sorted(sql_ids(store))
    assert up == list(reversed(down))  # the lazy list reads its tail this way
    assert ids(store, flt, sort=sort, descending=True) == down
    with store.read() as session:
        plain = list(session.scalars(aq.ids_stmt(flt, sort, True)))
        head = aq.ids(store, flt, sort, True, limit=4)
    assert down == plain  # the one-JSON-array path returns the plain query's order
    assert head == down[:4]


def test_unknown_sort_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sort"):
        aq.ids_stmt(ActionFilter(), "colour", True)


# -- rows and working time ---------------------------------------------------------------


def test_rows_carry_what_the_list_shows(store: Store, scene: Scene) -> None:
    found = aq.rows(store, [scene.b["tax"], scene.b["park"], 999_999])
    assert set(found) == {scene.b["tax"], scene.b["park"]}
    tax = found[scene.b["tax"]]
    assert (tax.case_reference, tax.company_name, tax.department_name) == (
        "2025-0002",
        "乙精密模具有限公司",
        "区税务局",
    )
    assert tax.status == S.BLOCKED
    assert tax.reason == "系统故障\n第二行"
    assert tax.fast_track is False
    assert (tax.requested_at, tax.due_at) == (mon(10, 0), mon(11, 30))
    assert found[scene.b["park"]].pauses == ((mon(9, 0), None),)


def test_held_time_leaves_out_the_pauses(store: Store, scene: Scene) -> None:
    calendar = store.calendar()
    found = aq.rows(store, [*scene.a.values(), *scene.b.values()])
    # Mon 9:00-12:00, 13:30-17:30, Tue 8:30-10:00
    assert aq.held_seconds(found[scene.a["park"]], calendar, NOW) == 8.5 * 3600
    # requested 8:45, on the company's clock from 9:00 on
    assert aq.held_seconds(found[scene.b["park"]], calendar, NOW) == 15 * 60
    # done: requested 14:00, done 17:00
    assert aq.held_seconds(found[scene.b["social"]], calendar, NOW) == 3 * 3600
    assert aq.held_seconds(found[scene.a["licence"]], calendar, NOW) is None
    assert aq.held_seconds(found[scene.a["tax"]], calendar, NOW) is None


def test_due_margin_is_frozen_while_paused(store: Store, scene: Scene) -> None:
    calendar = store.calendar()
    found = aq.rows(store, [*scene.a.values(), *scene.b.values()])
    over = aq.due_margin(found[scene.a["park"]], calendar, NOW)
    # due Mon 11:00: 11:00-12:00, 13:30-17:30, Tue 8:30-10:00 over
    assert over == aq.DueMargin(-int(6.5 * 3600))
    assert over is not None
    assert over.over
    # due 10:45, paused at 9:00: 1 h 45 min left, whatever the time now
    assert aq.due_margin(found[scene.b["park"]], calendar, NOW) == aq.DueMargin(
        105 * 60, paused=True
    )
    # due 16:00, done 17:00
    assert aq.due_margin(found[scene.b["social"]], calendar, NOW) == aq.DueMargin(
        -3600, finished=True
    )
    assert aq.due_margin(found[scene.a["licence"]], calendar, NOW) is None
    assert aq.due_margin(found[scene.a["park"]], calendar, mon(10, 0)) == aq.DueMargin(3600)


# -- the departments' load ---------------------------------------------------------------


def test_department_loads(store: Store, scene: Scene) -> None:
    loads = aq.department_loads(store, store.calendar(), NOW)
    by_id = {d.department_id: d for d in loads}
    park = by_id[scene.departments["park"]]
    # B's park step was requested first, but it has waited on the company since 9:00:
    # the park has held A's step the longest.
    assert (park.open_steps, park.held_steps, park.overdue) == (2, 2, 1)
    assert (park.longest_seconds, park.longest_action_id) == (8.5 * 3600, scene.a["park"])
    tax = by_id[scene.departments["tax"]]
    assert (tax.open_steps, tax.held_steps, tax.overdue, tax.longest_seconds) == (1, 1, 1, 27000)
    licence = by_id[scene.departments["licence"]]
    assert (licence.open_steps, licence.held_steps, licence.longest_seconds) == (2, 0, None)
    social = by_id[scene.departments["social"]]
    assert social.open_steps == 1  # A's; B's is done
    assert [d.department_id for d in loads[:2]] == [
        scene.departments["park"],
        scene.departments["tax"],
    ]
    rest = loads[2:]
    assert all(d.longest_seconds is None for d in rest)
    assert [d.name for d in rest] == sorted(d.name for d in rest)
    assert sum(d.open_steps for d in loads) == count(store)
    assert sum(d.overdue for d in loads) == count(store, ActionFilter(overdue_at=NOW))


def test_department_loads_of_fast_track_cases(store: Store, scene: Scene) -> None:
    loads = aq.department_loads(store, store.calendar(), NOW, fast_track_only=True)
    assert sum(d.open_steps for d in loads) == count(store, ActionFilter(fast_track_only=True))
    park = next(d for d in loads if d.department_id == scene.departments["park"])
    assert (park.open_steps, park.longest_action_id) == (1, scene.a["park"])


def test_department_loads_of_an_empty_store(store: Store) -> None:
    with store.snapshot():
        assert aq.department_loads(store, store.calendar(), NOW) == []
        assert aq.department_name(store, 12345) == ""
