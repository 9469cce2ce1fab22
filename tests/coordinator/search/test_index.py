"""The index against the records: after every kind of change it finds exactly what a scan
of the records finds, and a missing, stale or damaged index is found and built again."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from coordinator.exchange import contact_import
from coordinator.exchange.transfer import export_json, import_json
from coordinator.paths import DATABASE_NAME
from coordinator.safety.backup import make_backup
from coordinator.safety.checks import check_store, repair
from coordinator.safety.opening import open_store
from coordinator.safety.restore import restore_backup
from coordinator.search import documents, index
from coordinator.search.backend import SEARCHED
from coordinator.search.text import Script, Term, Tokens, query_terms
from coordinator.services import actions, cases, communications, contacts, organisations
from coordinator.services import documents as docs
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store

QUERIES = ("税", "税务", "银行", "执照", "营业执照", "4321", "0574", "wang", "wcf", "hz", "公章")


def _holds(tokens: Tokens, term: Term) -> bool:
    """The meaning of a term, by scanning one record's tokens in Python."""
    if term.script is Script.HAN:
        if len(term.text) == 1:
            return term.text in tokens.uni
        pairs = term.pairs
        return any(tokens.bi[i : i + len(pairs)] == pairs for i in range(len(tokens.bi)))
    columns = tokens.word + (tokens.number if term.searches_numbers else [])
    return any(token.startswith(term.text) for token in columns)


def scanned(store: Store, query: str) -> dict[ChangeKind, set[int]]:
    """Every record holding the query, found by reading every record afresh."""
    terms = query_terms(query)
    with store.read() as session:
        found: dict[ChangeKind, set[int]] = {}
        for kind in SEARCHED:
            ids = list(session.scalars(select(documents.TABLES[kind].id)))
            fresh = documents.tokens(session, kind, ids)
            found[kind] = {i for i, t in fresh.items() if t and all(_holds(t, x) for x in terms)}
        return found


def indexed(store: Store, query: str) -> dict[ChangeKind, set[int]]:
    terms = query_terms(query)
    with store.read() as session:
        backend = index.backend_for(session)
        assert backend is not None
        return {kind: set(backend.newest(session, terms, kind, 10**6)) for kind in SEARCHED}


def assert_consistent(store: Store) -> None:
    assert index.problems(store) == []
    for query in QUERIES:
        assert indexed(store, query) == scanned(store, query), query


def _fill(store: Store) -> dict[str, int]:
    tax = organisations.create(store, "区税务局", "department").value.id
    bank = organisations.create(store, "杭州银行", "bank").value.id
    wang = contacts.create(store, "王成峰", organisation_id=tax, phones=["0574-8765 4321"]).value.id
    case = cases.open_case(store, "营业执照变更", opened_at=datetime(2025, 6, 2, 9)).value.id
    call = communications.log(
        store, at=datetime(2025, 6, 5, 10), contact_id=wang, case_id=case, notes="税务登记"
    ).value.id
    doc = docs.add(store, case, "营业执照副本", notes="加盖公章").value.id
    step = actions.add(store, case, bank, "银行开户", notes="带执照").value.id
    return {
        "tax": tax,
        "bank": bank,
        "wang": wang,
        "case": case,
        "call": call,
        "doc": doc,
        "step": step,
    }


def test_saves_edits_and_deletes_keep_the_index_true(store: Store) -> None:
    made = _fill(store)
    assert_consistent(store)
    assert indexed(store, "税务")[ChangeKind.COMMUNICATION] == {made["call"]}
    communications.update(store, made["call"], notes="银行开户")
    docs.update(store, made["doc"], title="营业执照正本")
    actions.update(store, made["step"], title="税务登记")
    cases.update(store, made["case"], title="AOI 项目", tags=["杭州"])
    contacts.update(store, made["wang"], name="汪成峰")
    contacts.add_phone(store, made["wang"], "138 0013 4321")
    organisations.update(store, made["tax"], name="区税务分局")
    assert_consistent(store)
    assert made["call"] in indexed(store, "银行")[ChangeKind.COMMUNICATION]
    assert made["call"] not in indexed(store, "税务")[ChangeKind.COMMUNICATION]
    communications.delete(store, made["call"])
    docs.delete(store, made["doc"])
    actions.delete(store, made["step"])
    contacts.delete(store, made["wang"])
    organisations.delete(store, made["tax"])
    assert_consistent(store)
    assert indexed(store, "4321")[ChangeKind.CONTACT] == set()


def test_deleting_an_organisation_rewrites_its_people(store: Store) -> None:
    org = organisations.create(store, "杭州银行", "bank").value.id
    person = contacts.create(store, "李娜", organisation_id=org).value.id
    organisations.delete(store, org)  # the person stays, without the organisation
    assert_consistent(store)
    assert person not in indexed(store, "银行")[ChangeKind.CONTACT]


def test_a_json_import_is_indexed_with_it(store: Store, tmp_path: Path) -> None:
    other = open_store(tmp_path / "other")
    try:
        _fill(other)
        export_json(other, tmp_path / "export.json")
    finally:
        other.close()
    _fill(store)  # the same records: merged, not doubled
    communications.log(store, at=datetime(2025, 6, 9, 9), notes="只在这里的税务记录")
    import_json(store, tmp_path / "export.json", mode="merge")
    assert_consistent(store)
    fresh = open_store(tmp_path / "fresh")
    try:
        import_json(fresh, tmp_path / "export.json")
        assert_consistent(fresh)
        assert indexed(fresh, "营业执照")[ChangeKind.DOCUMENT]
    finally:
        fresh.close()


def test_a_contacts_import_is_indexed_with_it(store: Store, tmp_path: Path) -> None:
    card = tmp_path / "people.vcf"
    card.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:赵海洋\nORG:杭州银行\nTEL:13912344321\nEND:VCARD\n",
        encoding="utf-8",
    )
    contact_import.apply(store, contact_import.preview(store, card))
    assert_consistent(store)
    assert indexed(store, "zhy")[ChangeKind.CONTACT]
    assert indexed(store, "4321")[ChangeKind.CONTACT]


def test_a_restore_brings_back_the_index_of_its_own_records(store: Store) -> None:
    made = _fill(store)
    backup = make_backup(store, "manual", force=True).backup
    assert backup is not None
    communications.log(store, at=datetime(2025, 6, 9, 9), notes="备份之后的税务记录")
    data_dir = store.data_dir
    store.close()
    restore_backup(data_dir, backup.id)
    restored = open_store(data_dir)
    try:
        assert_consistent(restored)
        assert indexed(restored, "税务")[ChangeKind.COMMUNICATION] == {made["call"]}
    finally:
        restored.close()


@pytest.mark.sqlite_only
def test_a_backup_made_before_the_index_is_indexed_when_restored(store: Store) -> None:
    made = _fill(store)
    data_dir = store.data_dir
    store.close()
    con = sqlite3.connect(data_dir / DATABASE_NAME)
    con.execute("DROP TABLE search_index_meta")  # as a database from before the index
    con.commit()
    con.close()
    reopened = open_store(data_dir)
    try:
        assert_consistent(reopened)
        assert indexed(reopened, "税务")[ChangeKind.COMMUNICATION] == {made["call"]}
    finally:
        reopened.close()


def _damage(store: Store, sql: dict[str, str]) -> None:
    """``sql``: the same damage in each database's words (the index's tables differ)."""
    with store.engine.begin() as conn:
        conn.execute(text(sql[conn.dialect.name]))


# The SQLite index is an FTS5 table of four columns (and its shadow tables, which a
# damaged file can spoil); the PostgreSQL index a table of one tsvector per record (whose
# pages the server keeps sound itself: what can go wrong there is the table itself going).
RECORD_GONE = {
    "sqlite": "DELETE FROM search_index WHERE rowid = (SELECT max(rowid) FROM search_index)",
    "postgresql": "DELETE FROM search_index WHERE rowid = (SELECT max(rowid) FROM search_index)",
}
GHOST = {
    "sqlite": "INSERT INTO search_index (rowid, uni, bi, word, number) "
    "VALUES ((5 << 40) + 999, '税', '', '', '')",
    "postgresql": "INSERT INTO search_index (rowid, doc) VALUES ((5::bigint << 40) + 999, 'e税')",
}
STALE = {
    "sqlite": "UPDATE search_index SET uni = '', bi = '' WHERE rowid >> 40 = 4",
    "postgresql": "UPDATE search_index SET doc = '' WHERE rowid >> 40 = 4",
}
DAMAGED = {
    "sqlite": "DELETE FROM search_index_data WHERE id > 10",
    "postgresql": "DROP TABLE search_index",
}


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (RECORD_GONE, "not indexed"),
        (GHOST, "indexed but gone"),
        (STALE, "out of date"),
        (DAMAGED, "damaged"),
    ],
    ids=["record-gone", "ghost", "stale", "damaged"],
)
def test_the_data_check_finds_a_wrong_index_and_the_repair_rebuilds_it(
    store: Store, damage: dict[str, str], said: str
) -> None:
    _fill(store)
    _damage(store, damage)
    report = check_store(store)
    finding = next(f for f in report.findings if f.code == "search-index")
    if damage is DAMAGED and store.on_server:
        said = "missing"  # no table, nothing to call damaged: it is simply not there
    assert said in finding.text()
    assert finding.repair == "rebuild-search-index"
    assert not report.ok
    outcome = repair(store, report.repairable)
    assert finding in outcome.repaired
    assert_consistent(store)
    assert check_store(store).ok


def test_a_search_on_a_damaged_index_says_so_and_the_next_opening_rebuilds_it(
    store: Store,
) -> None:
    from coordinator.queries import communications as communication_queries
    from coordinator.queries.search import search
    from coordinator.safety.opening import needs_preparing

    made = _fill(store)
    _damage(store, DAMAGED)
    with pytest.raises(index.SearchIndexDamagedError) as raised:
        search(store, "税务")
    assert "your records are not" in raised.value.message()
    with pytest.raises(index.SearchIndexDamagedError):
        communication_queries.ids(store, communication_queries.CommunicationFilter(text="税务"))
    assert communication_queries.ids(store) == [made["call"]]  # no text: no index, no error
    communications.log(store, at=datetime(2025, 6, 9, 9), notes="损坏之后的税务记录")  # saves
    data_dir = store.data_dir
    store.close()
    assert needs_preparing(data_dir)
    reopened = open_store(data_dir)
    try:
        assert_consistent(reopened)
        assert len(indexed(reopened, "税务")[ChangeKind.COMMUNICATION]) == 2
    finally:
        reopened.close()
