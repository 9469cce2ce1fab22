"""Killed at any moment, nothing confirmed is lost: the short version of bench/bench_crash.py.

A child process logs communications (and now and then attaches a file) through the real
services and reports each committed write; it is killed with SIGKILL at random moments.
After every kill each reported write is present, the integrity check says ok, no content
file is half written, and the store opens.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

WRITER = Path(__file__).with_name("crash_writer.py")


def crash_writer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crash_writer", WRITER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("crash_writer", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.sqlite_only
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_writers_lose_nothing_they_confirmed(tmp_path: Path) -> None:
    figures = crash_writer().run_series(tmp_path / "data", kills=10, seed=6, attach_every=3)
    assert figures.problems == []
    assert figures.ok
    assert figures.kills == 10
    # The kills must land while writing, or the test proves nothing.
    assert figures.writes_confirmed >= 10
    assert figures.files_confirmed >= 1


@pytest.mark.sqlite_only
def test_the_checks_of_the_series_see_a_lost_write(tmp_path: Path) -> None:
    module = crash_writer()
    data_dir = tmp_path / "data"
    module.prepare(data_dir)
    figures = module.Figures()
    module._check(data_dir, {999_999}, {"0" * 64}, figures)
    assert figures.lost_writes == 1
    assert figures.lost_files == 1
    assert not figures.ok
