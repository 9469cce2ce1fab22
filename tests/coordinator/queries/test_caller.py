"""Caller recognition and the caller card: whoever rings, however the officer types it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from coordinator.errors import DomainError, NotFoundError, ValidationError
from coordinator.kinds import ActionStatus, CaseStatus, Channel, DocumentState
from coordinator.queries import caller
from coordinator.queries import caller_card as card_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import contacts as contact_queries
from coordinator.queries.caller import MatchReason, recognise
from coordinator.services import actions, cases, communications, contacts, documents
from coordinator.services import organisations as orgs
from coordinator.store.storage import Store
from tests.coordinator.queries.plans import Plan, plan, substring_scan

if TYPE_CHECKING:
    from tests.conftest import FixedClock

InChinese = Callable[[DomainError], DomainError]


@dataclass
class People:
    zhang: int  # 张伟明, mobile 138 0013 8000, desk 0574-8765 4321 转 808
    switchboard: int  # 澄明光电 front desk: 0574-8765 4321, no extension
    li: int  # 李娜, mobile 150 0015 0000, desk 0574-8765 4321 转 12
    zeng: int  # 曾晓明: 曾 read "zeng" as a surname, "ceng" otherwise
    smith: int  # John Smith, +1 650 253 0000
    hangzhou: int  # 陈思远, 0571-8765 4321 (same local digits, another city)
    wang: int  # 王成峰, 139 1234 0991, WeChat wcf_nb
    company: int
    department: int


@pytest.fixture
def people(store: Store) -> People:
    company = orgs.create(store, "宁波澄明光电科技有限公司", "company").value.id
    department = orgs.create(store, "宁波市市场监督管理局", "department").value.id
    return People(
        zhang=contacts.create(
            store,
            "张伟明",
            organisation_id=company,
            role="总经理助理",
            phones=[("+86 138 0013 8000", "手机"), ("0574-87654321 转 808", "办公电话")],
        ).value.id,
        switchboard=contacts.create(
            store, "澄明总机", organisation_id=company, phones=["0574-87654321"]
        ).value.id,
        li=contacts.create(
            store, "李娜", organisation_id=department, phones=["15000150000", "87654321 ext 12"]
        ).value.id,
        zeng=contacts.create(store, "曾晓明", phones=["13600136000"]).value.id,
        smith=contacts.create(store, "John Smith", phones=["+1 650 253 0000"]).value.id,
        hangzhou=contacts.create(store, "陈思远", phones=["0571-87654321"]).value.id,
        wang=contacts.create(
            store, "王成峰", phones=["139 1234 0991"], handles=[("wechat", "wcf_nb")]
        ).value.id,
        company=company,
        department=department,
    )


def _found(store: Store, text: str) -> list[tuple[int, MatchReason]]:
    return [(c.contact_id, c.reason) for c in recognise(store, text).candidates]


# -- whole numbers, every typing -----------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086 138 0013 8000",
        "0086-13800138000",
        "(+86) 138-0013-8000",
        "１３８００１３８０００",
        "  138 0013 8000\n",
    ],
)
def test_a_mobile_however_typed(store: Store, people: People, typed: str) -> None:
    result = recognise(store, typed)
    assert result.number is not None
    assert result.number.e164 == "+8613800138000"
    best = result.best
    assert best is not None
    assert (best.contact_id, best.reason) == (people.zhang, MatchReason.NUMBER)
    assert best.matched_number == "+86 138 0013 8000"
    assert best.organisation_name == "宁波澄明光电科技有限公司"
    assert best.role == "总经理助理"
    assert best.why == "the number"
    assert not result.is_unknown_number


@pytest.mark.parametrize(
    "typed",
    ["0574-8765 4321", "0574 87654321", "(0574) 8765-4321", "+86 574 8765 4321", "87654321"],
)
def test_a_landline_with_or_without_its_area_code(store: Store, people: People, typed: str) -> None:
    found = _found(store, typed)
    # The switchboard itself; then the desks behind it (another extension); then the same
    # eight digits in another city.
    assert found[0] == (people.switchboard, MatchReason.NUMBER)
    assert set(found[1:3]) == {
        (people.zhang, MatchReason.SWITCHBOARD),
        (people.li, MatchReason.SWITCHBOARD),
    }
    if typed == "87654321":
        assert found[3:] == [(people.hangzhou, MatchReason.NUMBER_END)]
    else:
        assert found[3:] == []


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("0574-87654321 转 808", "zhang"),
        ("0574-87654321转808", "zhang"),
        ("87654321 分机 808", "zhang"),
        ("0574 8765 4321 ext 12", "li"),
        ("0574 8765 4321 ext. 12", "li"),
        ("87654321 x12", "li"),
        ("８７６５４３２１ 转 １２", "li"),
    ],
)
def test_extensions_pick_the_desk(store: Store, people: People, typed: str, who: str) -> None:
    found = _found(store, typed)
    assert found[0] == (getattr(people, who), MatchReason.NUMBER)
    assert (people.switchboard, MatchReason.SWITCHBOARD) in found


def test_a_foreign_number(store: Store, people: People) -> None:
    assert _found(store, "+1 (650) 253-0000")[0] == (people.smith, MatchReason.NUMBER)
    assert _found(store, "001 650 253 0000")[0] == (people.smith, MatchReason.NUMBER)


# -- any part of a number --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "who", "reason"),
    [
        ("8000", "zhang", MatchReason.NUMBER_END),  # the last digits on the display
        ("0991", "wang", MatchReason.NUMBER_END),  # a tail starting with 0 is still a tail
        ("138 0013", "zhang", MatchReason.NUMBER_START),
        ("+86 139 1234", "wang", MatchReason.NUMBER_START),
        ("0086 150", "li", MatchReason.NUMBER_START),
        ("0013 8", "zhang", MatchReason.NUMBER_PART),
        ("1234 09", "wang", MatchReason.NUMBER_PART),
    ],
)
def test_part_of_a_number(
    store: Store, people: People, typed: str, who: str, reason: MatchReason
) -> None:
    result = recognise(store, typed)
    assert result.number is None  # not a whole number: nothing to offer as a new contact
    assert _found(store, typed)[0] == (getattr(people, who), reason)


def test_an_area_code_typed_with_its_zero_is_the_start_of_landlines(
    store: Store, people: People
) -> None:
    found = dict(_found(store, "0574-8765"))
    assert found == {
        people.switchboard: MatchReason.NUMBER_START,
        people.zhang: MatchReason.NUMBER_START,
        people.li: MatchReason.NUMBER_START,
    }  # not 陈思远's 0571 number, though it holds 8765 too


def test_a_country_prefix_means_the_start_only(store: Store, people: People) -> None:
    # 0013 is inside 138 0013 8000, but "+86 0013" can only be a number starting 0013.
    assert recognise(store, "+86 0013").candidates == ()


def test_too_few_digits_find_nothing_yet(store: Store, people: People) -> None:
    assert recognise(store, "13").candidates == ()
    assert recognise(store, "").candidates == ()
    assert recognise(store, "  \n ").query == ""


def test_the_extension_typed_after_a_tail_ranks_its_desk_first(
    store: Store, people: People
) -> None:
    found = _found(store, "4321 转 12")
    assert found[0] == (people.li, MatchReason.NUMBER_END)


def test_an_unknown_whole_number_is_offered_as_a_new_contact(store: Store, people: People) -> None:
    result = recognise(store, "+86 188 0018 8000")
    assert result.candidates == ()
    assert result.is_unknown_number
    assert result.number is not None
    assert result.number.e164 == "+8618800188000"


# -- invalid numbers: a clear message, never a crash -----------------------------------------


@pytest.mark.parametrize(
    ("typed", "english"),
    [
        (
            "138001380001",
            "“138001380001” is not a valid phone number (check the number of digits).",
        ),
        (
            "12345678901",
            "“12345678901” is not a valid phone number (check the number of digits).",
        ),
        (
            "138 0013 8000 1234 5678",
            "“138 0013 8000 1234 5678” is not a valid phone number (check the number of digits).",
        ),
        (
            "138OO138OOO",
            "“138OO138OOO” is not a phone number: only digits, spaces, +, - and brackets.",
        ),
    ],
)
def test_mistyped_whole_numbers_are_refused_with_the_reason(
    store: Store, people: People, typed: str, english: str, in_chinese: InChinese
) -> None:
    with pytest.raises(ValidationError) as info:
        recognise(store, typed)
    assert info.value.message("en") == english
    in_chinese(info.value)


def test_text_too_long_to_be_a_caller(store: Store, in_chinese: InChinese) -> None:
    with pytest.raises(ValidationError) as info:
        recognise(store, "张" * 201)
    assert info.value.message("en") == (
        f"“{'张' * 40}…” is too long to look up: type a number, a name or its initials."
    )
    in_chinese(info.value)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(
        alphabet=st.sampled_from("0123456789 +-()转extx#.abcO张伟明zwm\t\n\x00１２"), max_size=30
    )
)
def test_any_typing_is_candidates_or_a_validation_error(
    store: Store, people: People, typed: str
) -> None:
    refusal: ValidationError | None = None
    try:
        result = recognise(store, typed)
    except ValidationError as err:
        refusal = err
    if refusal is not None:
        assert refusal.message("en")
        return
    ranks = [caller._RANK[c.reason] for c in result.candidates]
    assert ranks == sorted(ranks)
    assert len(result.candidates) <= caller.DEFAULT_LIMIT


# -- names, pinyin, initials -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "who", "reason"),
    [
        ("张伟明", "zhang", MatchReason.NAME),
        ("张伟", "zhang", MatchReason.NAME_START),
        ("伟明", "zhang", MatchReason.NAME_PART),
        ("zhangweiming", "zhang", MatchReason.PINYIN),
        ("zhang wei ming", "zhang", MatchReason.PINYIN),
        ("ZWM", "zhang", MatchReason.INITIALS),
        ("zw", "zhang", MatchReason.PINYIN_START),
        ("zhangwm", "zhang", MatchReason.PINYIN_START),
        ("zwming", "zhang", MatchReason.PINYIN_START),
        ("zhangw", "zhang", MatchReason.PINYIN_START),
        ("wcf", "wang", MatchReason.INITIALS),
        ("zxm", "zeng", MatchReason.INITIALS),
        ("cxm", "zeng", MatchReason.INITIALS),  # the everyday reading of 曾 works too
        ("zengxiaoming", "zeng", MatchReason.PINYIN),
        ("john", "smith", MatchReason.NAME_START),
        ("Smith", "smith", MatchReason.NAME_PART),
        ("wcf_nb", "wang", MatchReason.HANDLE),
    ],
)
def test_names_pinyin_initials_and_handles(
    store: Store, people: People, typed: str, who: str, reason: MatchReason
) -> None:
    result = recognise(store, typed)
    best = result.best
    assert best is not None
    assert (best.contact_id, best.reason) == (getattr(people, who), reason)
    assert best.matched_number == ""
    assert result.number is None


def test_the_organisation_finds_its_people_last(store: Store, people: People) -> None:
    found = _found(store, "澄明")
    assert set(found) == {
        (people.zhang, MatchReason.ORGANISATION),
        (people.switchboard, MatchReason.NAME_START),
    }
    assert found[0] == (people.switchboard, MatchReason.NAME_START)


def test_unrelated_letters_find_nobody(store: Store, people: People) -> None:
    assert recognise(store, "qqq").candidates == ()
    assert recognise(store, "zwx").candidates == ()  # zw… but no syllable "x…" follows


def test_equal_matches_are_ordered_by_the_latest_contact(
    store: Store, people: People, clock: FixedClock
) -> None:
    other = contacts.create(store, "周敏", phones=["13500138000"]).value.id
    found = [cid for cid, reason in _found(store, "8000") if reason is MatchReason.NUMBER_END]
    assert found == sorted(found, key=lambda i: contact_queries.get(store, i).name)
    communications.log(store, contact_id=other, at=clock.now - timedelta(hours=1))
    communications.log(store, contact_id=people.zhang, at=clock.now - timedelta(days=3))
    found = [cid for cid, reason in _found(store, "8000") if reason is MatchReason.NUMBER_END]
    assert found == [other, people.zhang]
    last = recognise(store, "8000").candidates[0].last_contact_at
    assert last == clock.now - timedelta(hours=1)


def test_limit(store: Store, people: People) -> None:
    assert len(recognise(store, "8765", limit=2).candidates) == 2
    assert recognise(store, "8765", limit=0).candidates == ()


def test_inside_a_session(store: Store, people: People) -> None:
    assert recognise(store, "zwm").best is not None


# -- query plans: indexes, never a whole table -----------------------------------------------


@pytest.fixture
def statements(store: Store) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def grab(*args: Any) -> None:
        seen.append((args[2], args[3]))

    event.listen(store.engine, "before_cursor_execute", grab)
    yield seen
    event.remove(store.engine, "before_cursor_execute", grab)


def _plans(store: Store, executed: list[tuple[str, Any]]) -> Plan:
    every = Plan()
    for sql, parameters in executed:
        if sql.lstrip().upper().startswith("SELECT"):
            found = plan(store, sql, parameters)
            every.searched += found.searched
            every.scanned += found.scanned
            every.lines += found.lines
    return every


@pytest.mark.parametrize("typed", ["zhangwm", "张伟", "4321", "+86 138 0013 8000"])
def test_recognition_reads_indexes_not_tables(
    store: Store, people: People, statements: list[tuple[str, Any]], typed: str
) -> None:
    recognise(store, typed)
    found = _plans(store, statements)
    # A name or digits anywhere in a column (LIKE '%...%') read a narrow index from end
    # to end on SQLite, the table itself on PostgreSQL: no ordinary index finds text in
    # the middle of a value, on either database.
    full_scans = [
        line
        for line in found.scanned
        if "COVERING INDEX" not in line
        and not line.startswith(("SCAN anon", "SCAN CONSTANT"))
        and not substring_scan(line)
    ]
    assert full_scans == [], found.lines


def test_the_card_reads_indexes_not_tables(
    store: Store, people: People, statements: list[tuple[str, Any]], clock: FixedClock
) -> None:
    case = cases.open_case(store, "AOI 项目落地", company_id=people.company).value.id
    actions.add(store, case, people.department, "营业执照", contact_id=people.li)
    documents.add(store, case, "法人身份证复印件")
    communications.log(store, contact_id=people.zhang, case_id=case)
    statements.clear()
    card_queries.caller_card(store, people.zhang, clock.now)
    found = _plans(store, statements)
    # The only one: the contact's latest communications, picked through the index first.
    assert [line for line in found.scanned if not line.startswith("SCAN anon")] == [], found.lines


# -- the caller card -------------------------------------------------------------------------


@dataclass
class Scene:
    landing: int  # open, the company's, last touched yesterday
    capital: int  # open, the company's, the caller talked about it this morning
    archived: int  # closed: not on the card
    held: int  # on hold: on the card, never the default
    elsewhere: int  # another company's, but the caller is the responsible contact of a step


@pytest.fixture
def scene(store: Store, people: People, clock: FixedClock) -> Scene:
    start = clock.now
    clock.set(2025, 6, 2, 9, 0)
    landing = cases.open_case(store, "AOI 项目落地", company_id=people.company).value.id
    capital = cases.open_case(store, "境外发债增资", company_id=people.company).value.id
    archived = cases.open_case(store, "人才引进", company_id=people.company).value.id
    held = cases.open_case(store, "二期用地", company_id=people.company).value.id
    other = orgs.create(store, "宁波华海智能科技有限公司", "company").value.id
    elsewhere = cases.open_case(store, "跨区迁入备案", company_id=other).value.id
    cases.set_status(store, archived, "closed", reason="已办结")
    cases.set_status(store, held, CaseStatus.ON_HOLD, reason="等企业决定")
    licence = actions.add(
        store, landing, people.department, "营业执照", due_at=datetime(2025, 6, 6, 17, 0)
    ).value.id
    actions.add(store, landing, people.department, "刻制公章", due_at=datetime(2025, 6, 12, 12))
    finished = actions.add(store, landing, people.department, "名称预核准").value.id
    actions.set_status(store, finished, ActionStatus.DONE)
    actions.add(store, elsewhere, people.department, "迁入核准", contact_id=people.zhang)
    actions.add(store, capital, people.department, "外债登记")  # no due date: listed last
    accepted = documents.add(store, landing, "营业执照申请书").value.id
    documents.transition(store, accepted, DocumentState.RECEIVED)
    documents.transition(store, accepted, DocumentState.FORWARDED, destination_id=people.company)
    documents.transition(store, accepted, DocumentState.ACCEPTED)
    documents.add(store, landing, "法人身份证复印件")
    documents.add(store, capital, "董事会决议")
    clock.set(2025, 6, 8, 16, 0)
    communications.log(store, contact_id=people.li, case_id=landing, channel="dingtalk")
    clock.now = start
    communications.log(
        store,
        contact_id=people.zhang,
        case_id=capital,
        channel="wechat",
        at=start - timedelta(minutes=30),
        notes="问外债登记材料\n第二行",
        follow_up_due=start + timedelta(hours=2),
    )
    communications.log(
        store, contact_id=people.zhang, at=start - timedelta(days=3), channel="phone"
    )
    del licence
    return Scene(landing, capital, archived, held, elsewhere)


def test_caller_card(store: Store, people: People, scene: Scene, clock: FixedClock) -> None:
    card = card_queries.caller_card(store, people.zhang, clock.now)
    assert card.contact.name == "张伟明"
    assert card.contact.organisation_name == "宁波澄明光电科技有限公司"
    assert [c.case_id for c in card.open_cases] == [
        scene.capital,  # talked about half an hour ago
        scene.landing,  # a communication yesterday afternoon
        scene.elsewhere,  # his step was added on 2 June
        scene.held,
    ]
    assert scene.archived not in [c.case_id for c in card.open_cases]
    by_case = {c.case_id: c for c in card.open_cases}
    assert by_case[scene.landing].last_activity_at == datetime(2025, 6, 8, 16, 0)
    assert by_case[scene.held].status is CaseStatus.ON_HOLD
    assert [(a.title, a.overdue) for a in card.actions] == [
        ("营业执照", True),  # due last Friday
        ("刻制公章", False),
        ("迁入核准", False),
        ("外债登记", False),
    ]
    assert [(d.case_id, d.title) for d in card.documents] == [
        (scene.capital, "董事会决议"),
        (scene.landing, "法人身份证复印件"),
    ]
    assert card.documents[0].state is DocumentState.REQUESTED
    assert card.documents[0].holder_name == "宁波澄明光电科技有限公司"
    assert [c.channel for c in card.recent] == [Channel.WECHAT, Channel.PHONE]
    assert card.recent[0].case_reference == case_queries.get(store, scene.capital).reference
    assert card.recent[0].notes == "问外债登记材料\n第二行"
    assert [f.follow_up_due for f in card.open_follow_ups] == [clock.now + timedelta(hours=2)]
    assert card.defaults == card_queries.LogDefaults(scene.capital, Channel.WECHAT)
    assert card.now == clock.now


def test_the_card_limits_recent_communications(
    store: Store, people: People, scene: Scene, clock: FixedClock
) -> None:
    card = card_queries.caller_card(store, people.zhang, clock.now, recent_limit=1)
    assert len(card.recent) == 1
    assert card_queries.caller_card(store, people.zhang, clock.now, recent_limit=0).recent == ()


def test_a_pinned_case_wins_while_it_is_open(
    store: Store, people: People, scene: Scene, clock: FixedClock
) -> None:
    card = card_queries.caller_card(store, people.zhang, clock.now, pinned_case_id=scene.elsewhere)
    assert card.defaults.case_id == scene.elsewhere
    card = card_queries.caller_card(store, people.zhang, clock.now, pinned_case_id=scene.archived)
    assert card.defaults.case_id == scene.capital


def test_defaults_without_the_card(
    store: Store, people: People, scene: Scene, clock: FixedClock
) -> None:
    assert card_queries.defaults(store, contact_id=people.zhang) == card_queries.LogDefaults(
        scene.capital, Channel.WECHAT
    )
    assert card_queries.defaults(store, contact_id=people.li) == card_queries.LogDefaults(
        scene.landing, Channel.DINGTALK
    )  # not her company's case, but the one she called about
    assert card_queries.defaults(store, contact_id=people.smith) == card_queries.LogDefaults(
        None, Channel.PHONE
    )
    assert card_queries.defaults(store) == card_queries.LogDefaults(None, Channel.PHONE)
    assert card_queries.defaults(store, pinned_case_id=scene.landing).case_id == scene.landing


def test_defaults_for_an_unknown_number(
    store: Store, people: People, scene: Scene, in_chinese: InChinese
) -> None:
    communications.log(store, raw_number="188 0018 8000", channel="sms", case_id=scene.landing)
    assert card_queries.defaults(store, raw_number="+86 188-0018-8000") == card_queries.LogDefaults(
        scene.landing, Channel.SMS
    )
    assert card_queries.defaults(store, raw_number="+86 189 0018 8000") == card_queries.LogDefaults(
        None, Channel.PHONE
    )
    # A hotline is a number (short numbers are numbers); four digits no plan knows are not.
    assert card_queries.defaults(store, raw_number="12345") == card_queries.LogDefaults(
        None, Channel.PHONE
    )
    with pytest.raises(ValidationError) as info:
        card_queries.defaults(store, raw_number="1234")
    in_chinese(info.value)


def test_a_contact_without_anything(store: Store, people: People, clock: FixedClock) -> None:
    card = card_queries.caller_card(store, people.smith, clock.now)
    assert (card.open_cases, card.actions, card.documents, card.recent) == ((), (), (), ())
    assert card.defaults == card_queries.LogDefaults(None, Channel.PHONE)


def test_the_card_of_a_missing_contact(store: Store, in_chinese: InChinese) -> None:
    with pytest.raises(NotFoundError) as info:
        card_queries.caller_card(store, 999, datetime(2025, 6, 9))
    assert info.value.message("en") == "The contact #999 does not exist (any more)."
    in_chinese(info.value)
    with pytest.raises(NotFoundError):
        card_queries.defaults(store, contact_id=999)


def test_a_hotline_is_recognised_as_its_contact(store: Store, people: People) -> None:
    bank = contacts.create(store, "工商银行客服", phones=["95588"]).value.id
    result = recognise(store, "95588")
    assert result.number is not None
    assert result.number.display == "95588"
    assert _found(store, "95588")[0] == (bank, MatchReason.NUMBER)
    # An unknown hotline is a whole number, offered as a new contact, not a fragment.
    unknown = recognise(store, "12345")
    assert unknown.number is not None
    assert unknown.number.is_short
    assert unknown.candidates == ()


def test_the_contacts_list_shows_a_number_abroad_with_its_country_code(
    store: Store, people: People
) -> None:
    abroad = contacts.create(store, "Jane Doe", phones=["0044 20 7946 0958"]).value.id
    rows = contact_queries.contact_rows(store, [abroad, people.smith, people.zhang])
    assert rows[abroad].first_phone == "+44 20 7946 0958"
    assert rows[people.smith].first_phone == "+1 650-253-0000"
    assert rows[people.zhang].first_phone == "+86 138 0013 8000"  # at home: as typed
