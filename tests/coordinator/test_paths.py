"""Where the shipped resources are found: the source tree, or the frozen app's folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from coordinator import paths


def test_from_python_the_resources_are_the_source_trees() -> None:
    assert not paths.is_frozen()
    assert paths.bundle_dir() == Path(paths.__file__).resolve().parent.parent
    assert (paths.RESOURCES_DIR / "fonts" / "LiaisonHubSansSC-Regular.otf").is_file()


def test_frozen_the_resources_are_the_bundles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What PyInstaller's loader sets before the first line of the app runs.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.is_frozen()
    assert paths.bundle_dir() == tmp_path


def test_frozen_and_pip_share_the_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    import appdirs

    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    expected = Path(appdirs.user_data_dir("LiaisonHub", "LiaisonHub"))
    assert paths.default_data_dir() == expected
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/nowhere", raising=False)
    assert paths.default_data_dir() == expected
