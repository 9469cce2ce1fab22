"""The index finds the same records on SQLite and on PostgreSQL: the same rows in a
laptop's SQLite file and in a database of the office server, the same queries, the same
hits — every match of every kind, the search box's groups and the lists' filter boxes.

The queries are the ones an officer types: single Chinese characters and phrases, pinyin
and initials, three or four digits of a number, a mix of them, Traditional characters,
full-width forms, and text that looks like query syntax or is only punctuation (which
the lists then look for literally). Runs in every run: the server is the run's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import communications as communication_queries
from coordinator.queries import contacts as contact_queries
from coordinator.queries import documents as document_queries
from coordinator.queries.search import search
from coordinator.safety.opening import open_store
from coordinator.search import index
from coordinator.search.backend import SEARCHED
from coordinator.search.text import query_terms
from coordinator.services import actions, cases, communications, contacts, documents, organisations
from coordinator.store import migrate
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from coordinator.store.table_copy import copy_tables
from tests.postgres_server import PostgresServer

T0 = datetime(2025, 6, 2, 9, 0)

QUERIES = (
    # one Chinese character, a pair, longer phrases, across two runs
    "税",
    "照",
    "娜",
    "𠮷",
    "税务",
    "务局",
    "税务局",
    "营业执照",
    "执照副本",
    "银行开户",
    "营业 执照",
    "执照营业",
    "局杭",
    # Traditional characters and full-width forms
    "營業執照",
    "張偉明",
    "稅務",
    "外資企業",
    "ＡＯＩ",
    "１２３４",
    # pinyin, whole or in part, and initials
    "wang",
    "chengfeng",
    "wangchengfeng",
    "zhang wei",
    "ouyang",
    "nana",
    "lina",
    "wcf",
    "zwm",
    "oynn",
    "hzyh",
    "cf",
    # parts of numbers: too short for phone numbers, three digits, four, more
    "12",
    "432",
    "4321",
    "0574",
    "8765",
    "87654321",
    "13800",
    "0013",
    "2025",
    # mixed
    "王 4321",
    "aoi 项目",
    "wang 税务",
    "abc 银行",
    "lisa 0571",
    "项目2",
    # Latin words, any case; a reference in capitals
    "zs",
    "zs-2025",
    "ZS-2025-001",
    "AOI",
    "Lisa",
    "trading",
    "hk",
    # odd punctuation, query syntax, nothing searchable at all
    '"营业执照" OR *',
    "NEAR(税务",
    "税务-银行",
    "(HK)",
    "a'b",
    "“一网通办”",
    "-",
    "#",
    "*",
    "%",
    "_",
    "'",
    "\\",
    "—",
    "🙂",
    "カタカナ",
    "Ωμέγα",
)


def fill(store: Store) -> None:
    """Records whose texts hold what the queries look for, and much they must not find."""
    tax = organisations.create(store, "区税务局", "department", notes="办税服务厅").value.id
    bank = organisations.create(store, "杭州银行", "bank").value.id
    market = organisations.create(store, "寧波市場監督管理局", "department").value.id
    hk = organisations.create(store, "ABC Trading (HK) Ltd.", "company").value.id
    yongda = organisations.create(store, "宁波甬达精密机械有限公司", "company").value.id
    wang = contacts.create(
        store,
        "王成峰",
        organisation_id=tax,
        role="科长",
        phones=["0574-8765 4321", "138 0013 4321"],
    ).value.id
    zhang = contacts.create(
        store, "張偉明", organisation_id=market, role="科長", phones=["+86 571 1234 5678"]
    ).value.id
    lisa = contacts.create(
        store, "Lisa Wang", organisation_id=hk, phones=["+852 2345 6789"], notes="prefers e-mail"
    ).value.id
    lina = contacts.create(
        store,
        "李娜",
        organisation_id=bank,
        handles=[("wechat", "lina_nb")],
        phones=["0571-8888 6666"],
    ).value.id
    contacts.create(store, "欧阳娜娜", organisation_id=yongda, notes="a'b 测试")
    contacts.create(store, "𠮷野家", notes="异体字 𠮷")
    licence = cases.open_case(
        store,
        "营业执照变更",
        company_id=yongda,
        opened_at=T0,
        notes="带公章，到窗口办理“一网通办”",
    ).value.id
    aoi = cases.open_case(
        store, "AOI 项目落地（二期）", company_id=hk, opened_at=T0 + timedelta(days=1)
    ).value.id
    cases.open_case(
        store, "外資企業設立登記", company_id=hk, opened_at=T0 + timedelta(days=2), notes="#3"
    )
    cases.open_case(store, "项目2期 NEAR(税务 银行)", opened_at=T0 + timedelta(days=3))
    zs = cases.open_case(
        store, "招商引资备案", reference="ZS-2025-001", opened_at=T0 + timedelta(days=4)
    ).value.id
    notes = [
        (wang, licence, "税务登记已办结。电话：0574-87654321"),
        (lisa, aoi, "Please call back re: 'NEAR(税务 银行)' AND * OR - 100%"),
        (lina, licence, "营业执照副本+公章，明天送到杭州银行"),
        (zhang, None, "營業執照正本已領取，稅務登記下週辦"),
        (None, None, "来电 １２３４ 号窗口，ＡＯＩ 项目 — 请回电 🙂"),
        (None, aoi, "税务局杭州分局"),  # 局杭: a pair across the end of one word
        (wang, None, "执照 营业"),  # both words, but not the phrase
        (None, None, "_x_ 50% off — wangchengfeng@example.com"),
        (None, None, "カタカナ と Ωμέγα"),
    ]
    for i, (contact, case, text) in enumerate(notes):
        communications.log(
            store, at=T0 + timedelta(hours=i), contact_id=contact, case_id=case, notes=text
        )
    communications.log(store, at=T0 + timedelta(days=4), raw_number="0574 8765 4321")
    documents.add(store, licence, "营业执照副本", notes="加盖公章")
    documents.add(store, aoi, "法人身份证复印件", notes="2025年版")
    actions.add(store, licence, bank, "银行开户", notes="带执照")
    actions.add(store, licence, tax, "税务登记", notes="等企业补充材料 -")
    actions.add(store, aoi, market, "AOI 备案", notes="wcf 跟进")
    actions.add(store, zs, market, "备案登记")  # found by its case's reference, any case
    documents.add(store, zs, "备案表")


@pytest.fixture(scope="module")
def both(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Store]]:
    """The same records in a SQLite file and in a database of the server, each indexed
    by its own backend."""
    folder = tmp_path_factory.mktemp("agree")
    laptop = open_store(
        folder / "laptop", url=f"sqlite:///{folder / 'laptop.sqlite3'}", clock=lambda: T0
    )
    fill(laptop)
    name = postgres.create_database()
    empty = Store(folder / "server", url=postgres.url(name))
    migrate.upgrade(empty)
    with laptop.engine.connect() as source, empty.engine.begin() as target:
        copy_tables(source, target)
    empty.close()
    server = open_store(folder / "server", url=postgres.url(name), clock=lambda: T0)
    yield laptop, server
    server.close()
    laptop.close()
    postgres.drop_database(name)


def test_the_two_stores_hold_the_same_records_each_indexed(both: tuple[Store, Store]) -> None:
    laptop, server = both
    assert laptop.is_sqlite
    assert server.on_server
    for store in (laptop, server):
        assert index.problems(store) == []
    assert everything(laptop, "税务") == everything(server, "税务")
    assert everything(laptop, "税务")[ChangeKind.COMMUNICATION]  # not agreeing on nothing


def everything(store: Store, query: str) -> dict[ChangeKind, list[int]]:
    """Every record of each kind holding the query, by the index alone."""
    terms = query_terms(query)
    if not terms:
        return {}
    with store.read() as session:
        backend = index.backend_for(session)
        assert backend is not None
        return {kind: backend.newest(session, terms, kind, 10_000) for kind in SEARCHED}


@pytest.mark.parametrize("query", QUERIES)
def test_every_match_is_the_same(both: tuple[Store, Store], query: str) -> None:
    laptop, server = both
    assert everything(server, query) == everything(laptop, query)


def _groups(store: Store, query: str, limit: int) -> list[tuple[str, int, bool, list[int]]]:
    return [
        (g.kind.value, g.total, g.more, [h.id for h in g.hits])
        for g in search(store, query, limit=limit).groups
    ]


@pytest.mark.parametrize("query", QUERIES)
def test_the_search_box_shows_the_same(both: tuple[Store, Store], query: str) -> None:
    laptop, server = both
    for limit in (1, 3, 50):
        assert _groups(server, query, limit) == _groups(laptop, query, limit), limit


def _lists(store: Store, text: str) -> dict[str, list[int]]:
    return {
        "communications": communication_queries.ids(
            store, communication_queries.CommunicationFilter(text=text)
        ),
        "contacts": contact_queries.contact_ids(store, contact_queries.ContactFilter(text=text)),
        "organisations": contact_queries.organisation_ids(
            store, contact_queries.OrganisationFilter(text=text)
        ),
        "cases": case_queries.ids(store, case_queries.CaseFilter(text=text)),
        "actions": action_queries.ids(store, action_queries.ActionFilter(text=text)),
        "documents": document_queries.ids(store, document_queries.DocumentFilter(text=text)),
    }


@pytest.mark.parametrize("query", QUERIES)
def test_the_lists_filter_boxes_keep_the_same_rows(both: tuple[Store, Store], query: str) -> None:
    laptop, server = both
    assert _lists(server, query) == _lists(laptop, query)


def test_the_lists_find_punctuation_literally_on_both(both: tuple[Store, Store]) -> None:
    """A query with nothing to search by is looked for as typed (not a syntax error)."""
    for store in both:
        assert len(_lists(store, "%")["communications"]) == 2  # "100%", "50% off"
        assert len(_lists(store, "—")["communications"]) == 2
        assert _lists(store, "_")["communications"]  # "_x_", not any one character
        assert len(_lists(store, "_")["communications"]) == 1
