"""``liaison-hub calendar``: a new year's holidays entered from the command line, as a
script runs it (a real process), and read back by the working calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from coordinator.safety.opening import open_store
from tests.cli.test_cli import run

UNKNOWN = 2031  # a year no holiday library knows


def test_a_year_is_entered_listed_and_corrected(tmp_path: Path) -> None:
    data = tmp_path / "data"
    listed = run(data, "calendar", "list", str(UNKNOWN))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"{UNKNOWN}: no holiday schedule")

    added = run(data, "calendar", "add-holiday", "2031-01-22", "2031-01-28", "--name", "春节")
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[0] == f"{UNKNOWN}: the schedule entered by the office."
    assert "2031-01-22  Wed  holiday  春节" in added.stdout
    assert run(data, "calendar", "add-workday", "2031-02-08", "--name", "春节").returncode == 0
    closed = run(data, "calendar", "add-closure", "2031-03-03", "--name", "办公室搬迁")
    assert "2031-03-03  Mon  office closure  办公室搬迁" in closed.stdout
    removed = run(data, "calendar", "remove", "2031-01-28")
    assert removed.returncode == 0, removed.stderr
    assert "2031-01-28" not in removed.stdout

    store = open_store(data)
    try:
        working = store.calendar()
        assert working.coverage(UNKNOWN) == "entered"
        assert not working.is_workday(date(2031, 1, 27))  # a Monday of the holiday
        assert working.is_workday(date(2031, 1, 28))  # removed again: a Tuesday worked
        assert working.is_workday(date(2031, 2, 8))  # the Saturday made up
        assert not working.is_workday(date(2031, 3, 3))
    finally:
        store.close()


def test_refusals_say_why_and_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    backwards = run(data, "calendar", "add-holiday", "2031-05-05", "2031-05-01", "--name", "劳动节")
    assert backwards.returncode == 2
    assert backwards.stderr.strip() == "Error: The range ends before it starts."
    missing = run(data, "calendar", "remove", "2031-05-01")
    assert missing.returncode == 2
    assert "is not among the days entered" in missing.stderr
    assert run(data, "calendar", "add-holiday", "2031-13-01", "--name", "x").returncode == 2


def test_a_known_year_lists_the_national_schedule(tmp_path: Path) -> None:
    listed = run(tmp_path / "data", "calendar", "list", "2025")
    assert listed.returncode == 0, listed.stderr
    assert "2025-10-01  Wed  holiday  National Day (national schedule)" in listed.stdout
    assert "make-up working day" in listed.stdout
