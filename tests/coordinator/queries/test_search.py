"""The search across the app: what a query finds, in which order, and what it highlights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from coordinator.kinds import Channel
from coordinator.queries.search import SearchFilter, search
from coordinator.services import actions, cases, communications, contacts, documents, organisations
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store

CASE, CONTACT, ORG = ChangeKind.CASE, ChangeKind.CONTACT, ChangeKind.ORGANISATION
CALL, DOC, STEP = ChangeKind.COMMUNICATION, ChangeKind.DOCUMENT, ChangeKind.ACTION


@dataclass
class World:
    tax: int
    bank: int
    company: int
    wang: int
    ouyang: int
    ji: int
    case: int
    other_case: int
    call_tax: int
    call_bank: int
    call_number: int
    call_wechat: int
    doc: int
    step: int


@pytest.fixture
def world(store: Store) -> World:
    tax = organisations.create(store, "区税务局", "department", notes="纳税服务科").value.id
    bank = organisations.create(store, "甬江银行", "bank").value.id
    company = organisations.create(store, "澄明光电", "company").value.id
    wang = contacts.create(
        store, "王成峰", organisation_id=tax, role="科长", phones=["+86 138 0013 4321"]
    ).value.id
    ouyang = contacts.create(
        store, "欧阳娜娜", organisation_id=bank, phones=["0574-8765 1234"]
    ).value.id
    ji = contacts.create(store, "𠮷田一郎", role="顾问").value.id  # a name beyond the BMP
    case = cases.open_case(
        store, "AOI检测项目落地", company_id=company, opened_at=datetime(2025, 6, 2, 9, 0)
    ).value.id
    other_case = cases.open_case(store, "人才对接", opened_at=datetime(2025, 6, 3, 9, 0)).value.id
    call_tax = communications.log(
        store,
        at=datetime(2025, 6, 5, 10, 0),
        contact_id=wang,
        case_id=case,
        notes="税务登记需要营业执照副本",
    ).value.id
    call_bank = communications.log(
        store,
        at=datetime(2025, 6, 6, 11, 0),
        contact_id=ouyang,
        case_id=other_case,
        notes="银行开户预约在周三",
    ).value.id
    call_number = communications.log(
        store,
        at=datetime(2025, 6, 7, 8, 0),
        raw_number="021-6688 9900",
        notes="陌生来电",
    ).value.id
    call_wechat = communications.log(
        store,
        at=datetime(2025, 6, 8, 8, 0),
        channel=Channel.WECHAT,
        contact_id=wang,
        case_id=case,
        notes="微信发来税务材料",
    ).value.id
    doc = documents.add(store, case, "营业执照复印件", notes="需加盖公章").value.id
    step = actions.add(store, case, tax, "税务登记", notes="带公章").value.id
    return World(
        tax,
        bank,
        company,
        wang,
        ouyang,
        ji,
        case,
        other_case,
        call_tax,
        call_bank,
        call_number,
        call_wechat,
        doc,
        step,
    )


def found(store: Store, query: str, flt: SearchFilter | None = None) -> set[tuple[ChangeKind, int]]:
    return {(hit.kind, hit.id) for hit in search(store, query, flt or SearchFilter()).hits}


def test_one_character_of_chinese_finds_every_record_holding_it(store: Store, world: World) -> None:
    assert found(store, "税") == {
        (ORG, world.tax),
        (CONTACT, world.wang),
        (CALL, world.call_tax),
        (CALL, world.call_wechat),
        (STEP, world.step),
    }


def test_two_characters_match_as_a_substring_not_as_two_characters(
    store: Store, world: World
) -> None:
    assert found(store, "执照") == {(CALL, world.call_tax), (DOC, world.doc)}
    # 税 and 务 are both in the tax office's name, but 务税 is nowhere
    assert found(store, "务税") == set()


def test_three_characters_and_more(store: Store, world: World) -> None:
    assert found(store, "营业执") == {(CALL, world.call_tax), (DOC, world.doc)}
    assert found(store, "检测项目落地") == {(CASE, world.case)}
    assert found(store, "执照正本") == set()


def test_a_character_beyond_the_basic_plane(store: Store, world: World) -> None:
    assert found(store, "𠮷") == {(CONTACT, world.ji)}
    assert found(store, "𠮷田") == {(CONTACT, world.ji)}


def test_pinyin_and_initials_find_people_and_organisations(store: Store, world: World) -> None:
    assert (CONTACT, world.wang) in found(store, "wangchengfeng")
    assert (CONTACT, world.wang) in found(store, "wcf")
    assert (CONTACT, world.ouyang) in found(store, "ouyang")
    assert (CONTACT, world.ouyang) in found(store, "oynn")
    assert (ORG, world.bank) in found(store, "yongjiang")
    assert found(store, "wcf") == {(CONTACT, world.wang)}


def test_any_part_of_a_number(store: Store, world: World) -> None:
    assert found(store, "4321") == {(CONTACT, world.wang)}
    assert found(store, "0013") == {(CONTACT, world.wang)}
    assert found(store, "80013") == {(CONTACT, world.wang)}  # across the spaces as typed
    assert found(store, "87651234") == {(CONTACT, world.ouyang)}
    assert found(store, "6688") == {(CALL, world.call_number)}
    assert found(store, "13") == set()  # two digits are too few to search numbers by


def test_mixed_scripts_need_every_part(store: Store, world: World) -> None:
    assert found(store, "AOI检测") == {(CASE, world.case)}
    assert found(store, "aoi 落地") == {(CASE, world.case)}
    assert found(store, "AOI 银行") == set()


def test_full_width_and_traditional_input(store: Store, world: World) -> None:
    assert found(store, "ＡＯＩ") == {(CASE, world.case)}
    assert found(store, "４３２１") == {(CONTACT, world.wang)}
    assert found(store, "營業執照") == {(CALL, world.call_tax), (DOC, world.doc)}
    assert found(store, "稅務登記") == {(CALL, world.call_tax), (STEP, world.step)}


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "*",
        "税务 AND",
        "税务 OR 银行",
        "NOT 税务",
        "NEAR(税务 银行)",
        "税务*",
        "-税务",
        "^税务",
        "(税务)",
        "{uni}: 税",
        '税务"',
        "bi : 税务",
        "税' OR 1=1 --",
        "\x00税务",
        "税务;",
    ],
)
def test_query_syntax_is_text_and_never_an_error(store: Store, world: World, query: str) -> None:
    results = search(store, query)  # never raises
    hits = {(hit.kind, hit.id) for hit in results.hits}
    # Every word of the query must be in the record, operators included as words.
    if "税" in query and not any(c.isascii() and c.isalpha() for c in query):
        assert (STEP, world.step) in hits
    if (
        "or" in query.lower()
        or "and" in query.lower()
        or "not" in query.lower()
        or "near" in query.lower()
    ):
        assert (ORG, world.bank) not in hits  # OR did not widen anything
    if query.strip('"*') == "":
        assert hits == set()


def test_the_filters_narrow_by_kind_case_channel_and_time(store: Store, world: World) -> None:
    assert found(store, "税务", SearchFilter(kinds=frozenset({CALL}))) == {
        (CALL, world.call_tax),
        (CALL, world.call_wechat),
    }
    assert found(store, "税务", SearchFilter(channel=Channel.WECHAT)) == {(CALL, world.call_wechat)}
    assert found(store, "税务", SearchFilter(case_id=world.case)) == {
        (CALL, world.call_tax),
        (CALL, world.call_wechat),
        (STEP, world.step),
        (CONTACT, world.wang),
        (ORG, world.tax),
    }
    assert found(store, "银行", SearchFilter(case_id=world.case)) == set()
    assert found(
        store, "税务", SearchFilter(kinds=frozenset({CALL}), since=datetime(2025, 6, 6))
    ) == {(CALL, world.call_wechat)}
    assert found(
        store, "税务", SearchFilter(kinds=frozenset({CALL}), until=datetime(2025, 6, 6))
    ) == {(CALL, world.call_tax)}


def test_results_are_grouped_best_first_with_highlights(store: Store, world: World) -> None:
    for i in range(3):
        organisations.create(store, f"税务服务中心{i}", "department")
    results = search(store, "区税务局")
    assert [g.kind for g in results.groups] == [CONTACT, ORG]
    orgs = next(g for g in results.groups if g.kind is ORG)
    assert orgs.hits[0].id == world.tax  # the title is the query: first
    assert orgs.hits[0].title_spans == ((0, 4),)
    results = search(store, "税务")
    orgs = next(g for g in results.groups if g.kind is ORG)
    assert orgs.hits[0].title.startswith("税务")  # starts with it, before "区税务局"
    assert orgs.total == 4
    calls = next(g for g in results.groups if g.kind is CALL)
    call = next(h for h in calls.hits if h.id == world.call_tax)
    start, end = call.detail_spans[0]
    assert call.detail[start:end] == "税务"


def test_a_group_says_how_many_there_are_beyond_those_shown(store: Store, world: World) -> None:
    for i in range(12):
        communications.log(store, at=datetime(2025, 6, 9, 8, i), notes=f"第{i}次税务咨询")
    calls = next(g for g in search(store, "税务", limit=5).groups if g.kind is CALL)
    assert len(calls.hits) == 5
    assert calls.total == 14


def test_an_edit_or_a_delete_is_found_at_once(store: Store, world: World) -> None:
    communications.update(store, world.call_bank, notes="改为税务咨询")
    assert (CALL, world.call_bank) in found(store, "税务咨询")
    assert (CALL, world.call_bank) not in found(store, "开户")
    communications.delete(store, world.call_bank)
    assert (CALL, world.call_bank) not in found(store, "税务咨询")
    organisations.update(store, world.tax, name="区税务分局")
    # the contact holds its organisation's name: it follows the rename
    assert (CONTACT, world.wang) in found(store, "税务分局")
    contacts.update(store, world.wang, organisation_id=None)
    assert (CONTACT, world.wang) not in found(store, "税务分局")
