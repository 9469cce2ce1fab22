"""A backup cut short by a crash leaves ``backups/.partial-<id>`` behind: the next start
sweeps it, Check data reports any left, and a backup still being built by a live process
is never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from coordinator.paths import DATABASE_NAME
from coordinator.safety import catalogue, unfinished
from coordinator.safety.backup import make_backup
from coordinator.safety.checks import check_store
from coordinator.safety.opening import open_store
from coordinator.services import cases
from coordinator.store.storage import Store
from tests.conftest import database_url

PROJECT = Path(__file__).resolve().parents[3]

# A process of the app making a backup, killed (SIGKILL: no clean-up runs) once the
# copy of the database has begun.
_KILLED_MID_BACKUP = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from coordinator.safety.backup import make_backup
    from coordinator.safety.opening import open_store

    url = sys.argv[2] or None
    store = open_store(Path(sys.argv[1]), url=url)

    def crash(progress):
        os.kill(os.getpid(), signal.SIGKILL)

    make_backup(store, "manual", progress=crash)
    """
)

# A process still building a backup: it holds the backup's lock and waits.
_STILL_BUILDING = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from coordinator.safety import unfinished

    backups = Path(sys.argv[1])
    with unfinished.building(backups, sys.argv[2]):
        (backups / (".partial-" + sys.argv[2])).mkdir()
        print("ready", flush=True)
        time.sleep(60)
    """
)


def _run(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=PROJECT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
    )


def _partials(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "backups").glob(".partial-*"))


def test_a_backup_killed_mid_way_is_reported_then_swept_at_the_next_start(
    store: Store,
) -> None:
    cases.open_case(store, "落地")
    data_dir = store.data_dir
    store.close()
    for _attempt in range(3):
        with _run(_KILLED_MID_BACKUP, str(data_dir), database_url(data_dir) or "") as child:
            assert child.wait(timeout=120) == -signal.SIGKILL
    # Each crash left its folder; each start swept the one before: the last one is left.
    left = _partials(data_dir)
    assert len(left) == 1

    # Check data (on a store opened without the start's sweep) names them.
    from coordinator.store.storage import Store as BareStore

    bare = BareStore(data_dir, url=database_url(data_dir))
    try:
        findings = [f for f in check_store(bare).findings if f.code == "unfinished-backups"]
    finally:
        bare.close()
    assert len(findings) == 1
    assert findings[0].targets == tuple(left)
    assert findings[0].text("en").startswith("Unfinished backups left by an interruption: 1 (")
    assert findings[0].text("zh_CN").startswith("因中断而未完成的备份：1 个")

    reopened = open_store(data_dir, url=database_url(data_dir))
    try:
        assert _partials(data_dir) == []
        assert not list((data_dir / "backups").glob(unfinished.BUILDING_PREFIX + "*"))
        assert not any(f.code == "unfinished-backups" for f in check_store(reopened).findings)
        # The backups that did finish are untouched, and a new one is made as usual.
        made = make_backup(reopened, "manual").backup
        assert made is not None
        assert [b.id for b in catalogue.list_backups(data_dir)] == [made.id]
    finally:
        reopened.close()


def test_a_backup_another_process_is_still_building_is_left_alone(store: Store) -> None:
    backups = store.backups_dir
    backups.mkdir(exist_ok=True)
    with _run(_STILL_BUILDING, str(backups), "20250609-090000-manual") as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            assert unfinished.sweep(store.data_dir) == []
            assert _partials(store.data_dir) == [".partial-20250609-090000-manual"]
            assert not any(f.code == "unfinished-backups" for f in check_store(store).findings)
        finally:
            child.kill()
            child.wait(timeout=30)
    # Its process gone, the folder is abandoned.
    assert unfinished.sweep(store.data_dir) == [".partial-20250609-090000-manual"]
    assert _partials(store.data_dir) == []


@pytest.mark.skipif(os.name == "nt", reason="the lock files are POSIX locks")
def test_a_folder_without_a_lock_is_swept_only_once_it_is_old(store: Store) -> None:
    """A ``.partial-`` folder with no lock (left by an older version) may be a live
    process's: only one untouched for an hour counts as abandoned."""
    backups = store.backups_dir
    backups.mkdir(exist_ok=True)
    old = backups / ".partial-20250101-000000-quit"
    old.mkdir()
    (old / DATABASE_NAME).write_bytes(b"half")
    young = backups / ".partial-20250609-085959-quit"
    young.mkdir()
    stale = time.time() - 2 * 3600
    os.utime(old, (stale, stale))
    assert [p.name for p in unfinished.abandoned(store.data_dir)] == [old.name]
    assert unfinished.sweep(store.data_dir) == [old.name]
    assert _partials(store.data_dir) == [young.name]
