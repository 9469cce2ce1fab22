"""The crash test's two halves: a writer to be killed, and the series that kills it.

As a script (the child)::

    python tests/coordinator/safety/crash_writer.py DATA_DIR DOCUMENT_ID ATTACH_EVERY

opens the store, prints ``ready``, then logs communications through the real service
(``coordinator.services.communications.log``) in a loop and prints each one's id once
its transaction has committed, flushing at once: an id on the pipe is a committed id.
With ATTACH_EVERY > 0, every so many writes it also attaches a new file to the document
and prints ``file <sha256>``.

As a module (the parent, used by ``tests/coordinator/safety/test_crash.py`` and
``bench/bench_crash.py``): :func:`run_series` starts the writer, kills it with SIGKILL at
a random moment, and after every kill checks that every id and file the child ever
reported is there, that ``PRAGMA integrity_check`` says ok, that every content file
under a real name is whole, and that the store opens.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from coordinator.queries import documents as document_queries

HERE = Path(__file__).resolve()
PROJECT_DIR = HERE.parents[3]
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))


def child(data_dir: Path, document_id: int, attach_every: int) -> None:
    from sqlalchemy.orm import configure_mappers

    from coordinator.safety.opening import open_store
    from coordinator.search.text import fold
    from coordinator.services import communications, documents

    store = open_store(data_dir)
    # The first write would set up the ORM's mappers and load the search index's folding
    # dictionaries (some 100 ms): do both before the kill clock starts, so that the kills
    # land among steady writes, as they would in an app that has been running a while.
    configure_mappers()
    fold("繁體")
    sources = data_dir.parent / f"sources-{os.getpid()}"
    sources.mkdir(exist_ok=True)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    n = 0
    while True:
        n += 1
        record = communications.log(
            store,
            channel="phone",
            raw_number="138 0013 8000",
            notes=f"crash test {os.getpid()}-{n} " + "记录" * (n % 64),
        ).value
        out.write(f"{record.id}\n")
        out.flush()
        if attach_every and n % attach_every == 0:
            source = sources / f"scan-{n}.bin"
            source.write_bytes(os.urandom(32 * 1024))
            files = documents.attach_file(store, document_id, source).value.files
            out.write(f"file {files[-1].sha256}\n")
            out.flush()


@dataclass
class Figures:
    kills: int = 0
    writes_confirmed: int = 0
    files_confirmed: int = 0
    lost_writes: int = 0
    lost_files: int = 0
    integrity_failures: int = 0
    damaged_files: int = 0
    open_failures: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.lost_writes
            or self.lost_files
            or self.integrity_failures
            or self.damaged_files
            or self.open_failures
        )


def prepare(data_dir: Path) -> int:
    """A store with one case; returns a document id for the attachments."""
    from coordinator.safety.opening import open_store
    from coordinator.services import cases, templates

    store = open_store(data_dir)
    try:
        templates.install_builtin(store)
        case = cases.open_case(store, "崩溃测试", template_key="company_landing").value
        return document_queries.for_case(store, case.id)[0].id
    finally:
        store.close()


def _content_files(files_dir: Path) -> list[Path]:
    return [
        p
        for p in files_dir.glob("*/*")
        if p.is_file() and len(p.name) == 64 and p.parent.name == p.name[:2]
    ]


def _check(data_dir: Path, ids: set[int], shas: set[str], figures: Figures) -> None:
    from coordinator.paths import DATABASE_NAME
    from coordinator.safety.opening import open_store
    from coordinator.store import filestore

    conn = sqlite3.connect(data_dir / DATABASE_NAME)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            figures.integrity_failures += 1
            figures.problems.append(f"kill {figures.kills}: integrity {rows[:3]}")
        present = {r[0] for r in conn.execute("SELECT id FROM communications")}
        referenced = {r[0] for r in conn.execute("SELECT sha256 FROM document_files")}
    finally:
        conn.close()
    lost = ids - present
    if lost:
        figures.lost_writes += len(lost)
        figures.problems.append(f"kill {figures.kills}: lost ids {sorted(lost)[:5]}")
    lost_files = {
        s for s in shas if s not in referenced or not filestore.verify(data_dir / "files", s)
    }
    if lost_files:
        figures.lost_files += len(lost_files)
        figures.problems.append(f"kill {figures.kills}: lost files {sorted(lost_files)[:2]}")
    for path in _content_files(data_dir / "files"):
        if filestore.file_sha256(path) != path.name:
            figures.damaged_files += 1
            figures.problems.append(f"kill {figures.kills}: half a file under {path.name}")
    try:
        open_store(data_dir).close()
    except Exception as exc:  # counted, not raised: the series reports every failure
        figures.open_failures += 1
        figures.problems.append(f"kill {figures.kills}: store does not open: {exc}")


def run_series(
    data_dir: Path,
    kills: int,
    *,
    seed: int = 1,
    max_delay: float = 0.15,
    attach_every: int = 7,
) -> Figures:
    """Start, kill and check the writer ``kills`` times; the figures of the whole series."""
    rng = random.Random(seed)
    document_id = prepare(data_dir)
    figures = Figures()
    ids: set[int] = set()
    shas: set[str] = set()
    started = time.perf_counter()
    for _ in range(kills):
        with subprocess.Popen(
            [sys.executable, str(HERE), str(data_dir), str(document_id), str(attach_every)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=PROJECT_DIR,
        ) as proc:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                proc.kill()
                raise RuntimeError("the writer did not start")
            lines: list[str] = []
            reader = threading.Thread(target=lines.extend, args=(proc.stdout,))
            reader.start()
            time.sleep(rng.uniform(0.0, max_delay))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            reader.join()
        figures.kills += 1
        for line in lines:
            if line.startswith("file "):
                shas.add(line.split()[1])
            elif line.strip().isdigit():
                ids.add(int(line))
        figures.writes_confirmed = len(ids)
        figures.files_confirmed = len(shas)
        _check(data_dir, ids, shas, figures)
    figures.seconds = time.perf_counter() - started
    return figures


if __name__ == "__main__":
    child(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
