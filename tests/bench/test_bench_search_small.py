"""The search bench at a tiny scale: it runs through, and its figures are real ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import bench_search
from bench.generate import generate


def test_the_search_bench_runs_on_generated_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("PySide6")
    generate(tmp_path / "data", 0.002, seed=1)  # a database from before the index
    bench_search.main(["--data-dir", str(tmp_path / "data"), "--runs", "1", "--rebuild"])
    out = capsys.readouterr().out
    assert "1 Han character" in out
    assert "4-digit fragments:" in out
    assert "first rows painted" in out
    assert "index rebuilt from scratch" in out
