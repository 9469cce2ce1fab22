"""The fast-track bench at a tiny scale: it runs through, and reads real clocks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.generate import generate


def test_the_fast_track_bench_runs_on_generated_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("PySide6")
    from bench import bench_today_fast_track

    generate(tmp_path / "data", 0.01, seed=1)
    bench_today_fast_track.main(["--data-dir", str(tmp_path / "data"), "--runs", "2"])
    out = capsys.readouterr().out
    rows = {
        name: int(cases)
        for name, cases in re.findall(
            r"^(raw sqlite3|ours|section|per case)\S*.*?\s(\d+)\s", out, re.M
        )
    }
    assert set(rows) == {"raw sqlite3", "ours", "section", "per case"}, out
    assert len(set(rows.values())) == 1, out  # every way read the same cases
    assert rows["section"] > 0, out
    assert re.search(r"section / raw = [\d.]+x", out), out
