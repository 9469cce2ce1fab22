"""The headless command line, run as a user would: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from coordinator.paths import DATABASE_NAME
from coordinator.safety.opening import open_store
from coordinator.store.local_settings import DATABASE_URL_ENV
from coordinator.store.storage import Store
from tests.conftest import database_fingerprint, database_url


def run(data_dir: Path, *args: str, env_dir: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_HUB")}
    env["LIAISON_HUB_LANG"] = "en"
    url = database_url(data_dir)  # with --backend postgresql: the folder's server database
    if url is not None:
        env[DATABASE_URL_ENV] = url
    argv = [sys.executable, "-m", "coordinator.cli"]
    if env_dir:
        env["LIAISON_HUB_DATA_DIR"] = str(data_dir)
    else:
        argv += ["--data-dir", str(data_dir)]
    return subprocess.run(
        [*argv, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    result = run(data_dir, "demo")
    assert result.returncode == 0, result.stderr
    assert "Demo data written" in result.stdout
    return data_dir


def test_demo_then_check_is_clean(demo_dir: Path) -> None:
    result = run(demo_dir, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the data is sound" in result.stdout


def test_demo_refuses_a_store_with_cases(demo_dir: Path) -> None:
    result = run(demo_dir, "demo")
    assert result.returncode == 2
    assert "Error:" in result.stderr


def test_export_import_round_trip_through_the_cli(demo_dir: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    assert run(demo_dir, "export", "--json", str(first)).returncode == 0
    fresh = tmp_path / "fresh"
    imported = run(fresh, "import", "--json", str(first), env_dir=True)
    assert imported.returncode == 0, imported.stderr
    second = tmp_path / "second.json"
    assert run(fresh, "export", "--json", str(second)).returncode == 0
    assert json.loads(first.read_text())["tables"] == json.loads(second.read_text())["tables"]
    refused = run(fresh, "import", "--json", str(first))
    assert refused.returncode == 2
    assert "not empty" in refused.stderr


def test_broken_import_file_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "liaison-hub-export", "tables": {', encoding="utf-8")
    result = run(data_dir, "import", "--json", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith("Error:")
    store = Store(data_dir)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 0
    finally:
        store.close()


def test_check_reports_a_missing_attachment(demo_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    from coordinator.services import cases, documents
    from coordinator.store.local_settings import set_database_url
    from tests.conftest import database_url

    url = database_url(data_dir)
    if url is not None:  # on a server (--backend postgresql): the command reaches it too
        set_database_url(data_dir, url)
    store = open_store(data_dir)
    case = cases.open_case(store, "附件检查").value
    document = documents.add(store, case.id, "营业执照副本").value
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned licence")
    stored = documents.attach_file(store, document.id, scan).value.files[0]
    assert run(data_dir, "check").returncode == 0
    if store.on_server:  # its content is in the database there
        from sqlalchemy import delete

        from coordinator.store.models import FileChunk

        with store.engine.begin() as conn:
            conn.execute(delete(FileChunk).where(FileChunk.sha256 == stored.sha256))
    else:
        (data_dir / "files" / stored.sha256[:2] / stored.sha256).unlink()
    store.close()
    result = run(data_dir, "check")
    assert result.returncode == 1
    assert "scan.pdf" in result.stdout
    assert "missing" in result.stdout


def test_data_dir_from_environment(tmp_path: Path) -> None:
    data_dir = tmp_path / "from-env"
    result = run(data_dir, "info", env_dir=True)
    assert result.returncode == 0, result.stderr
    assert str(data_dir) in result.stdout
    assert oct(data_dir.stat().st_mode & 0o777) == "0o700"
    if database_url(data_dir) is None:  # the folder holds the database itself
        assert (data_dir / DATABASE_NAME).exists()
        assert oct((data_dir / DATABASE_NAME).stat().st_mode & 0o777) == "0o600"


CONTACTS = Path(__file__).parents[1] / "coordinator" / "exchange" / "data" / "contacts"


def test_import_contacts_reports_and_sets_the_exit_status(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = run(data, "--lang", "en", "import-contacts", str(CONTACTS / "iphone_3.0.vcf"))
    assert first.returncode == 0, first.stderr
    assert "added" in first.stdout
    again = run(data, "--lang", "en", "import-contacts", str(CONTACTS / "iphone_3.0.vcf"))
    assert again.returncode == 0
    assert "0 added" in again.stdout  # the same people: nothing twice
    before = _fingerprint(data)
    broken = run(data, "--lang", "en", "import-contacts", str(CONTACTS / "broken_quotes.csv"))
    assert broken.returncode == 2
    assert "CSV" in broken.stderr
    assert _fingerprint(data) == before


def _fingerprint(data_dir: Path) -> str:
    store = Store(data_dir)
    try:
        return database_fingerprint(store)
    finally:
        store.close()


def test_list_names_match_the_exporter() -> None:
    from coordinator.cli import commands as cli
    from coordinator.exchange import table_export

    assert tuple(table_export.LISTS) == cli.LIST_NAMES


def test_the_launcher_does_not_import_the_database_layer_before_the_window() -> None:
    """The frame paints before SQLAlchemy loads: the launcher and window modules must
    not pull it in at import time."""
    code = (
        "import sys, ui.launcher, ui.app, ui.main_window; "
        "print(any(m.split('.')[0] == 'sqlalchemy' for m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_HUB")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    pytest.importorskip("PySide6")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "False"
