"""The sync process killed at random points, fifty times: each rerun goes on where the
last one stopped, and at the end the laptop and the office hold the same records, every
call and event made on either side once, and the data check finds nothing wrong.

The kills are real: each sync runs in a process of its own (started by a fork server that
has the app imported already, :mod:`tests.coordinator.sync.sync_child`), killed with
SIGKILL after a seeded random delay spread over how long a whole sync of the same data
takes; the process notes each stage as it starts, so the test knows the kills landed in
the backup, the sending and the receiving.
"""

from __future__ import annotations

import multiprocessing
import random
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from coordinator.kinds import ActionStatus, DocumentState, OrganisationKind
from coordinator.paths import DATABASE_NAME
from coordinator.safety.checks import check_store
from coordinator.safety.opening import open_store
from coordinator.services import actions, cases, communications, documents, organisations
from coordinator.store.models import Action, Case, Communication, Document, SyncConflict, SyncOp
from coordinator.store.oplog import portable_row
from coordinator.store.storage import Store
from coordinator.store.sync_tables import LOCAL_SETTINGS, SYNC_TABLES, UidLookup
from coordinator.sync import state
from coordinator.sync.checkout import checkout
from coordinator.sync.exchange import sync
from tests.conftest import FixedClock, copy_data_folder
from tests.coordinator.sync import sync_child

KILLS = 50
STAGES = ("open", "backup", "send", "receive")
"""The stages a sync notes as it starts each (tests/coordinator/sync/sync_child.py)."""
CASES = 12
STEPS_PER_CASE = 5
DOCUMENTS_PER_CASE = 4
LAPTOP_CALLS = 500
OFFICE_CALLS = 300


def synced_rows(store: Store) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every synced table's rows as every copy names them (uids, not local ids), by key."""
    out: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    with store.read() as session:
        conn = session.connection()
        uids = UidLookup(conn)
        for spec in SYNC_TABLES.values():
            rows: dict[tuple[Any, ...], dict[str, Any]] = {}
            for row in conn.execute(select(spec.table)):
                values = portable_row(spec, row._mapping, uids)
                if spec.name == "settings" and values["key"] in LOCAL_SETTINGS:
                    continue
                rows[tuple(values[k] for k in spec.key)] = values
            out[spec.name] = rows
    return out


def made_here(store: Store, table: str) -> set[str]:
    """The uids of the rows this copy itself added to ``table`` (its own operations)."""
    with store.read() as session:
        me = state.get(session.connection(), "replica")
        return set(
            session.scalars(
                select(SyncOp.row_uid).where(
                    SyncOp.origin == me, SyncOp.table_name == table, SyncOp.kind == "insert"
                )
            )
        )


def uid_counts(store: Store, table: str) -> Counter[str]:
    spec = SYNC_TABLES[table]
    with store.read() as session:
        return Counter(session.scalars(select(spec.table.c.uid)))


def errors(store: Store) -> list[str]:
    """What the data check (``liaison-hub check``) finds wrong."""
    found = check_store(store).findings
    return [f.text("en") for f in found if f.severity == "error"]


def stage_times(timeline: list[tuple[str, float]]) -> dict[str, float]:
    """How long each stage of a finished sync took."""
    return {name: max(timeline[i + 1][1] - at, 0.002) for i, (name, at) in enumerate(timeline[:-1])}


def ids(store: Store, model: Any) -> list[int]:
    with store.read() as session:
        return list(session.scalars(select(model.id).order_by(model.id)))


def seed_office(store: Store) -> None:
    park = organisations.create(store, "滨海产业园管委会", OrganisationKind.PARK).value
    departments = [
        organisations.create(store, f"{name}局", OrganisationKind.DEPARTMENT).value.id
        for name in ("市场监管", "自然资源", "生态环境", "住建", "消防")
    ]
    for n in range(CASES):
        company = organisations.create(
            store, f"第{n}号新能源有限公司", OrganisationKind.COMPANY
        ).value
        case = cases.open_case(store, f"第{n}号项目落地", company_id=company.id).value
        for s in range(STEPS_PER_CASE):
            actions.add(store, case.id, departments[s], f"第{n}号项目审批{s}")
        for d in range(DOCUMENTS_PER_CASE):
            documents.add(store, case.id, f"第{n}号项目材料{d}", source_id=park.id)


class Work:
    """Changes made with the services on one side, each call's notes told apart."""

    def __init__(self, store: Store, side: str, files: Path) -> None:
        self.store = store
        self.side = side
        self.files = files
        self.calls: list[str] = []
        self.n = 0

    def call(self) -> None:
        self.n += 1
        notes = f"{self.side}通话{self.n}"
        case_ids = ids(self.store, Case)
        communications.log(self.store, case_id=case_ids[self.n % len(case_ids)], notes=notes)
        self.calls.append(notes)

    def step(self, k: int) -> None:
        step_ids = ids(self.store, Action)
        step = step_ids[k % len(step_ids)]
        if self.side == "laptop":
            actions.set_status(self.store, step, ActionStatus.DONE)
        else:
            actions.set_status(self.store, step, ActionStatus.IN_PROGRESS)

    def step_notes(self, k: int) -> None:
        self.n += 1
        step_ids = ids(self.store, Action)
        actions.update(self.store, step_ids[k % len(step_ids)], notes=f"{self.side}备注{self.n}")

    def new_document(self, k: int) -> None:
        case_ids = ids(self.store, Case)
        self.n += 1
        title = f"{self.side}补充材料{self.n}"
        added = documents.add(self.store, case_ids[k % len(case_ids)], title).value
        self.document_received(added.id)

    def document(self, k: int) -> None:
        document_ids = ids(self.store, Document)
        self.document_received(document_ids[k % len(document_ids)])

    def document_received(self, document: int) -> None:
        documents.transition(self.store, document, DocumentState.RECEIVED)
        self.n += 1
        path = self.files / f"{self.side}-{self.n}.pdf"
        path.write_bytes(f"%PDF-1.4 {self.side} {self.n}\n".encode() * 50)
        documents.attach_file(self.store, document, path)


@pytest.fixture
def office(store: Store) -> Store:
    seed_office(store)
    return store


def test_fifty_kills_then_a_sync_converges_and_check_is_clean(
    office: Store, clock: FixedClock, tmp_path: Path
) -> None:
    laptop_dir = tmp_path / "laptop"
    laptop, _ = checkout(office, laptop_dir)
    files = tmp_path / "to-attach"
    files.mkdir()
    here, there = Work(laptop, "laptop", files), Work(office, "office", files)
    # Offline for days: both sides work on the same cases.
    for _ in range(LAPTOP_CALLS):
        here.call()
    for _ in range(OFFICE_CALLS):
        there.call()
    for k in range(0, CASES * STEPS_PER_CASE, 2):
        here.step(k)
    for k in range(1, CASES * STEPS_PER_CASE, 4):
        there.step(k)
    for k in range(0, CASES * DOCUMENTS_PER_CASE, 2):
        here.document(k)
    for k in range(1, CASES * DOCUMENTS_PER_CASE, 6):
        there.document(k)
    first_case = ids(laptop, Case)[0]
    cases.update(laptop, first_case, notes="笔记本：企业要求加急", title="第0号项目（一期）落地")
    cases.update(office, ids(office, Case)[0], notes="办公室：等待环评", kind="制造业")

    # How long a whole sync of this takes, on copies of both folders.
    office_dir, office_url = office.data_dir, office.url
    office.close()
    laptop.close()
    trial_laptop = tmp_path / "trial-laptop"
    shutil.copytree(laptop_dir, trial_laptop)
    trial_office = copy_data_folder(office_dir, tmp_path / "trial-office")
    trial_url = office_url.replace(str(office_dir), str(trial_office))
    if not office_url.startswith("sqlite"):
        from tests.conftest import database_url

        trial_url = str(database_url(trial_office))
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([sync_child.__name__])

    def start(notes: Path, laptop_at: Path, office_at: Path, url: str) -> Any:
        process = context.Process(
            target=sync_child.run, args=(str(laptop_at), str(office_at), url, str(notes))
        )
        process.start()
        return process

    def stages(notes: Path) -> list[tuple[str, float]]:
        if not notes.exists():
            return []
        lines = [line.split() for line in notes.read_text().splitlines() if line.strip()]
        return [(name, float(at)) for name, at in lines if len(lines[-1]) == 2]

    trial = start(tmp_path / "trial-notes", trial_laptop, trial_office, trial_url)
    trial.join(120)
    assert trial.exitcode == 0
    timeline = stages(tmp_path / "trial-notes")
    assert [name for name, _ in timeline] == ["open", "backup", "send", "receive", "done"]
    whole = timeline[-1][1] - timeline[0][1]
    lasting = stage_times(timeline)

    office = open_store(office_dir, url=office_url, clock=clock)
    laptop = open_store(laptop_dir, url=f"sqlite:///{laptop_dir / DATABASE_NAME}", clock=clock)
    here.store, there.store = laptop, office
    try:
        rng = random.Random(12)
        landed: Counter[str] = Counter()
        finished = 0
        while sum(landed.values()) < KILLS:
            assert finished < 2 * KILLS, f"the syncs kept finishing first: {landed}"
            notes = tmp_path / f"notes-{sum(landed.values())}-{finished}"
            process = start(notes, laptop_dir, office_dir, office_url)
            # Each kill aims at one stage (opening the stores, the backup, sending,
            # receiving), at a random moment of it: every stage is cut many times.
            target = STAGES[(sum(landed.values()) + finished) % len(STAGES)]
            waited = time.monotonic() + 30
            while process.is_alive() and time.monotonic() < waited:
                if target in {name for name, _ in stages(notes)}:
                    break
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 1.0) * lasting[target])
            if process.is_alive():
                process.kill()
                process.join()
                seen = stages(notes)
                landed[seen[-1][0] if seen else "start"] += 1
                # Killed anywhere, both sides are whole: nothing half applied.
                assert errors(laptop) == []
                assert errors(office) == []
                if sum(landed.values()) % 10 == 0:
                    # And a rerun converges (every tenth kill: each takes a whole sync).
                    rerun = start(Path(f"{notes}-rerun"), laptop_dir, office_dir, office_url)
                    rerun.join(120)
                    assert rerun.exitcode == 0
                    assert state.status(laptop).waiting == 0
                    ours, theirs = synced_rows(laptop), synced_rows(office)
                    assert all(ours[t] == theirs[t] for t in SYNC_TABLES)
            else:
                process.join()
                assert process.exitcode == 0
                finished += 1
                lasting = stage_times(stages(notes)) or lasting  # less is left to do now
            # Meanwhile both sides go on working.
            here.call()
            there.call()
            if rng.random() < 0.2:
                here.new_document(rng.randrange(1000))
            if rng.random() < 0.2:
                there.step_notes(rng.randrange(1000))
        last = start(tmp_path / "notes-last", laptop_dir, office_dir, office_url)
        last.join(120)
        assert last.exitcode == 0
        # Every stage was cut at least once, not only the start of the process.
        assert {"backup", "send", "receive"} <= set(landed), landed

        laptop.close()
        office.close()
        office = open_store(office_dir, url=office_url, clock=clock)
        laptop = open_store(laptop_dir, url=f"sqlite:///{laptop_dir / DATABASE_NAME}", clock=clock)
        assert state.status(laptop).waiting == 0
        ours, theirs = synced_rows(laptop), synced_rows(office)
        for table in SYNC_TABLES:
            assert ours[table] == theirs[table], table
        for side in (laptop, office):
            with side.read() as session:
                notes_there = Counter(session.scalars(select(Communication.notes)))
            assert all(notes_there[n] == 1 for n in here.calls + there.calls)
            for table in ("communications", "events", "document_files"):
                counts = uid_counts(side, table)
                made = made_here(laptop, table) | made_here(office, table)
                assert made, table
                assert all(counts[uid] == 1 for uid in made), table
        # The same field changed on both sides: one conflict, kept once on each side.
        for side in (laptop, office):
            with side.read() as session:
                kept = list(session.execute(select(SyncConflict.table_name, SyncConflict.field)))
            assert kept.count(("cases", "notes")) == 1, kept
        assert errors(laptop) == []
        assert errors(office) == []
        print(f"kills: {dict(landed)}, finished first: {finished}, whole sync {whole:.2f} s")
    finally:
        laptop.close()
        office.close()


def test_a_sync_indexes_what_it_brings(office: Store, tmp_path: Path) -> None:
    laptop, _ = checkout(office, tmp_path / "laptop")
    try:
        communications.log(office, case_id=ids(office, Case)[0], notes="办公室记的电话")
        communications.log(laptop, case_id=ids(laptop, Case)[0], notes="笔记本上记的电话")
        sync(laptop, office)
        assert errors(office) == []
        assert errors(laptop) == []
    finally:
        laptop.close()


def test_a_sync_backs_the_laptop_up_first(office: Store, tmp_path: Path) -> None:
    from coordinator.safety.catalogue import list_backups

    laptop, _ = checkout(office, tmp_path / "laptop")
    try:
        communications.log(laptop, case_id=ids(laptop, Case)[0], notes="笔记本上记的电话")
        done = sync(laptop, office)
        made = [b for b in list_backups(laptop.data_dir) if b.id == done.backup]
        assert [b.reason for b in made] == ["before-sync"]
        assert made[0].reason_label("zh_CN") == "与办公室同步前"
    finally:
        laptop.close()
