"""``liaison-hub search`` and ``check --reindex`` as a script runs them: a real process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from coordinator.store.storage import Store
from tests.cli.test_cli import run
from tests.conftest import copy_data_folder


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    assert run(data_dir, "demo").returncode == 0
    return data_dir


def test_search_prints_groups_best_first(demo_dir: Path) -> None:
    result = run(demo_dir, "search", "区税务局")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Contacts: ")
    organisations = lines.index(next(line for line in lines if line.startswith("Organisations")))
    assert "区税务局" in lines[organisations + 1]


def test_search_json_has_spans_into_the_titles(demo_dir: Path) -> None:
    result = run(demo_dir, "search", "税务", "--kind", "organisation", "--kind", "action", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert [g["kind"] for g in found["groups"]] == ["organisation", "action"]
    for group in found["groups"]:
        assert group["total"] >= len(group["hits"]) > 0
        for hit in group["hits"]:
            for start, end in hit["title_spans"]:
                assert hit["title"][start:end] == "税务"


def test_nothing_found_and_hostile_text_exit_1_without_an_error(demo_dir: Path) -> None:
    for query in ('"', "NEAR(税务", "无此内容的查询"):
        result = run(demo_dir, "search", query)
        assert result.returncode == 1, (query, result.stderr)
        assert "Nothing found" in result.stdout
        assert result.stderr == ""


def test_an_unknown_case_is_an_error(demo_dir: Path) -> None:
    result = run(demo_dir, "search", "税务", "--case", "1999-0001")
    assert result.returncode == 2
    assert "1999-0001" in result.stderr


def test_the_case_filter_keeps_its_records(demo_dir: Path) -> None:
    result = run(demo_dir, "search", "税务", "--case", "2026-0010", "--json")
    groups = json.loads(result.stdout)["groups"]
    calls = next(g for g in groups if g["kind"] == "communication")
    assert all("2026-0010" in hit["title"] for hit in calls["hits"])


def test_check_finds_a_stale_index_and_reindex_rebuilds_it(demo_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_folder(demo_dir, tmp_path / "data")
    store = Store(data_dir)  # the database alone: no index following its changes
    with store.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM search_index LIMIT 3)")
        )
    store.close()
    checked = run(data_dir, "check")
    assert checked.returncode == 1
    assert "search index does not match" in checked.stdout
    rebuilt = run(data_dir, "check", "--reindex")
    assert rebuilt.returncode == 0, rebuilt.stdout
    assert "Search index rebuilt" in rebuilt.stdout
    assert "search index" not in rebuilt.stdout.split("rebuilt", 1)[1]


def test_days_narrow_the_results(demo_dir: Path) -> None:
    every = json.loads(run(demo_dir, "search", "税务", "--kind", "communication", "--json").stdout)
    calls = every["groups"][0]["hits"]
    day = calls[-1]["at"][:10]
    narrowed = run(
        demo_dir,
        "search",
        "税务",
        "--kind",
        "communication",
        "--since",
        day,
        "--until",
        day,
        "--json",
    )
    groups = json.loads(narrowed.stdout)["groups"]
    assert [g["kind"] for g in groups] == ["communication"]
    assert groups[0]["hits"]
    assert all(hit["at"].startswith(day) for hit in groups[0]["hits"])
