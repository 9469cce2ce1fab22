"""The foresight bench on a small office: the truth it keeps is true, and it measures."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bench.bench_foresight import evaluate_filing, evaluate_forecasts
from bench.foresight_data import AS_OF, CUTOFF, build_office
from coordinator.kinds import ActionStatus
from coordinator.safety.opening import open_store
from coordinator.store.models import Action, Communication


def test_the_office_keeps_its_truth_and_the_bench_measures_it(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data", clock=lambda: AS_OF)
    office = build_office(store, seed=3, cases=150)
    with store.read() as session:
        unfiled = dict(
            session.execute(
                select(Communication.id, Communication.at).where(Communication.case_id.is_(None))
            ).all()
        )
        pending = dict(
            session.execute(select(Action.id, Action.status).where(Action.done_at.is_(None))).all()
        )
    # The messages left unfiled are exactly those after the cutoff, each with its case.
    assert set(unfiled) == set(office.truth)
    assert all(at >= CUTOFF for at in unfiled.values())
    # The pending steps are those that finish after the end, and none is done.
    assert set(office.finishes) == set(pending)
    assert all(t.finish >= AS_OF for t in office.finishes.values())
    assert ActionStatus.DONE not in pending.values()

    filing = evaluate_filing(store, office)
    assert filing["messages"] > 0
    assert 0 < filing["top1"] <= filing["top3"] <= filing["messages"]
    assert len(filing["updates"]) == filing["messages"]
    groups, _limits = evaluate_forecasts(store, office, origins=2, seed=3)
    errors = [error for error, _inside in groups["all"]]
    assert errors
    assert all(error >= 0 for error in errors)
    assert 0 < sum(inside for _error, inside in groups["all"]) < len(groups["all"])
    store.close()
