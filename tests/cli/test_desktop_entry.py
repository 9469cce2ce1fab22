"""``liaison-hub desktop-entry``: the Linux menu entry names this install and its icon."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest

from coordinator.cli import commands as cli
from coordinator.cli import desktop


def _read_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_exec_quotes_what_the_specification_reserves() -> None:
    assert desktop.exec_value(["/opt/LiaisonHub/LiaisonHub"]) == "/opt/LiaisonHub/LiaisonHub"
    # A space in the path is quoted; a quote, a dollar and a backslash are escaped inside
    # the quotes, then every backslash is doubled for the file's own string escapes.
    assert desktop.exec_value(["/home/王 芳/Liaison Hub/LiaisonHub", "-m"]) == (
        '"/home/王 芳/Liaison Hub/LiaisonHub" -m'
    )
    assert desktop.exec_value(['/a"b$c']) == '"/a\\\\"b\\\\$c"'
    assert desktop.exec_value(["/100%/x"]) == "/100%%/x"  # % starts a field code


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux desktops only")
def test_desktop_entry_installs_and_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert cli.main(["desktop-entry"]) == 0
    entry_path = tmp_path / "share" / "applications" / "liaison-hub.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "liaison-hub.svg"
    entry = _read_entry(entry_path)
    # From Python the entry starts this interpreter on the launcher (the frozen app: itself).
    assert entry["Exec"] == desktop.exec_value([sys.executable, "-m", "ui.launcher"])
    assert entry["TryExec"] == desktop.exec_value([sys.executable])
    assert entry["Icon"] == "liaison-hub"
    assert entry["Name[zh_CN]"] == "招商联络工作台"
    assert entry["Type"] == "Application"
    assert icon.read_bytes() == desktop.ICON_SOURCE.read_bytes()
    assert entry_path.stat().st_mode & 0o777 == 0o644
    assert not list(entry_path.parent.glob(".*partial"))
    assert str(entry_path) in capsys.readouterr().out

    assert cli.main(["desktop-entry", "--remove"]) == 0
    assert not entry_path.exists()
    assert not icon.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux desktops only")
def test_desktop_entry_says_why_it_could_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "share"
    blocked.write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocked))
    assert cli.main(["desktop-entry"]) == 2
    assert "Could not add Liaison Hub to the menu" in capsys.readouterr().err
    assert blocked.read_text() == "a file where the folder should be"


def test_relative_xdg_data_home_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop.data_home({"XDG_DATA_HOME": "relative/share"}) == tmp_path / ".local/share"
    assert desktop.data_home({"XDG_DATA_HOME": "/x/share"}) == Path("/x/share")


def test_version_flag_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    from coordinator import __version__

    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"Liaison Hub {__version__}"
