"""Pasted chats: the copy formats of WeChat, DingTalk and QQ, each message logged once."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coordinator.errors import DomainError, NotFoundError, ValidationError
from coordinator.exchange.chat_paste import ChatMessage, import_chat, parse_chat
from coordinator.kinds import Channel, Direction
from coordinator.safety.opening import open_store
from coordinator.services import cases, contacts
from coordinator.store.changes import ChangeKind
from coordinator.store.models import Communication
from coordinator.store.storage import Store
from tests.conftest import copy_data_folder, database_fingerprint

if TYPE_CHECKING:
    from tests.conftest import FixedClock, Refused

InChinese = Callable[[DomainError], DomainError]
NOW = datetime(2025, 6, 9, 9, 0)  # a Monday morning
ME = ("林晓雯",)


def parsed(text: str, now: datetime = NOW) -> list[tuple[str, datetime, str, bool]]:
    return [(m.sender, m.at, m.text, m.outbound) for m in parse_chat(text, my_names=ME, now=now)]


# -- the copy formats ----------------------------------------------------------------------


def test_wechat_with_dates() -> None:
    text = (
        "张伟明和林晓雯的聊天记录\n"
        "\n"
        "张伟明 2025/6/6 14:23\n"
        "好的，材料明天送过来\n"
        "\n"
        "林晓雯 2025/6/6 14:25\n"
        "收到。营业执照复印件记得盖章\n"
        "法人身份证正反面\n"
        "\n"
        "张伟明 2025/6/6 14:26\n"
        "👌\n"
    )
    assert parsed(text) == [
        ("张伟明", datetime(2025, 6, 6, 14, 23), "好的，材料明天送过来", False),
        (
            "林晓雯",
            datetime(2025, 6, 6, 14, 25),
            "收到。营业执照复印件记得盖章\n法人身份证正反面",
            True,
        ),
        ("张伟明", datetime(2025, 6, 6, 14, 26), "👌", False),
    ]


def test_wechat_times_of_today_and_the_day_before() -> None:
    text = "张伟明  08:41\n到园区了吗？\n林晓雯  08:45\n路上\n"
    assert parsed(text) == [
        ("张伟明", datetime(2025, 6, 9, 8, 41), "到园区了吗？", False),
        ("林晓雯", datetime(2025, 6, 9, 8, 45), "路上", True),
    ]
    # Copied at 9:00, a chat that ended at 17:20 ended yesterday.
    text = "张伟明  17:10\n明天几点？\n林晓雯  17:20\n九点\n"
    assert [m[1] for m in parsed(text)] == [
        datetime(2025, 6, 8, 17, 10),
        datetime(2025, 6, 8, 17, 20),
    ]


def test_a_chat_past_midnight() -> None:
    text = "张伟明  23:50\n材料今晚整理好\n林晓雯  00:10\n好，明早见\n张伟明  00:12\n👍\n"
    assert [m[1] for m in parsed(text)] == [
        datetime(2025, 6, 8, 23, 50),
        datetime(2025, 6, 9, 0, 10),
        datetime(2025, 6, 9, 0, 12),
    ]


def test_wechat_relative_days_and_twelve_hour_times() -> None:
    text = (
        "张伟明 昨天 下午 2:30\n好的\n"
        "Lisa Wang 星期五 上午 9:05\n  OK, thanks!\n"
        "林晓雯 前天 晚上 8:00\n收到\n"
        "张伟明 今天 12:30 AM\n还在加班\n"
    )
    messages = parse_chat(text, my_names=ME, now=NOW)
    assert [(m.sender, m.at) for m in messages] == [
        ("张伟明", datetime(2025, 6, 8, 14, 30)),
        ("Lisa Wang", datetime(2025, 6, 6, 9, 5)),
        ("林晓雯", datetime(2025, 6, 7, 20, 0)),
        ("张伟明", datetime(2025, 6, 9, 0, 30)),
    ]
    assert messages[1].text == "OK, thanks!"
    assert all(m.day_inferred for m in messages)


def test_dingtalk() -> None:
    text = "张伟明  06-06 14:23\n请问进度？\n\n林晓雯  06-06 14:25:09\n已经提交\n"
    assert parsed(text) == [
        ("张伟明", datetime(2025, 6, 6, 14, 23), "请问进度？", False),
        ("林晓雯", datetime(2025, 6, 6, 14, 25, 9), "已经提交", True),
    ]
    # Month and day without a year: the latest such day not after today.
    assert parsed("张伟明  12-30 10:00\n新年好\n")[0][1] == datetime(2024, 12, 30, 10, 0)


def test_qq_and_exporters_put_the_date_first() -> None:
    text = (
        "2025-06-06 14:23:01 张伟明(12345678)\n你好\n\n"
        "2025-06-06 14:23:40 林晓雯<lin.xw@example.gov.cn>\n你好，请讲\n"
    )
    assert parsed(text) == [
        ("张伟明", datetime(2025, 6, 6, 14, 23, 1), "你好", False),
        ("林晓雯", datetime(2025, 6, 6, 14, 23, 40), "你好，请讲", True),
    ]


def test_one_line_messages() -> None:
    text = "[2025-06-06 14:23] 张伟明: 好的，明天见！\n[2025-06-06 14:24] 林晓雯：收到\n还有一句\n"
    assert parsed(text) == [
        ("张伟明", datetime(2025, 6, 6, 14, 23), "好的，明天见！", False),
        ("林晓雯", datetime(2025, 6, 6, 14, 24), "收到\n还有一句", True),
    ]


def test_date_lines_between_days() -> None:
    text = (
        "—————  2025-06-06  —————\n"
        "张伟明  14:23\n好的\n"
        "—————  2025年6月7日  —————\n"
        "张伟明  09:00\n早\n"
    )
    messages = parse_chat(text, now=NOW)
    assert [(m.at, m.day_inferred) for m in messages] == [
        (datetime(2025, 6, 6, 14, 23), False),
        (datetime(2025, 6, 7, 9, 0), False),
    ]


def test_a_date_said_in_a_message_is_text() -> None:
    text = "张伟明 2025/6/6 14:23\n哪天开会？\n林晓雯 2025/6/6 14:25\n2025-06-10\n"
    assert parsed(text)[1][2] == "2025-06-10"


def test_a_time_in_a_message_is_not_a_header() -> None:
    text = (
        "张伟明 2025/6/6 14:23\n会议改到\n会议室 14:30\n"
        "林晓雯 2025/6/6 14:25\n好的\n张伟明 2025/6/6 14:26\n谢谢\n"
    )
    # "会议室 14:30" has no date, unlike every real header of this chat: it is text.
    assert parsed(text)[0] == (
        "张伟明",
        datetime(2025, 6, 6, 14, 23),
        "会议改到\n会议室 14:30",
        False,
    )


def test_my_names_and_me_are_outgoing() -> None:
    text = "我  08:00\n早\nLin Xiaowen  08:01\nhi\n张伟明  08:02\n早\n"
    messages = parse_chat(text, my_names=["lin xiaowen"], now=NOW)
    assert [m.outbound for m in messages] == [True, True, False]
    assert all(not m.outbound for m in parse_chat("Lin Xiaowen 08:01\nhi\n", now=NOW))


def test_empty_messages_are_skipped() -> None:
    text = "张伟明  08:00\n\n林晓雯  08:01\n收到\n"
    assert [m[0] for m in parsed(text)] == ["林晓雯"]


def test_stable_keys() -> None:
    text = "张伟明  08:00\n好的\n张伟明  08:00\n好的\n林晓雯  08:01\n好的\n"
    first = parse_chat(text, my_names=ME, now=NOW)
    again = parse_chat("\r\n".join(text.split("\n")), my_names=(), now=NOW + timedelta(hours=1))
    assert [m.source_key for m in first] == [m.source_key for m in again]
    assert len({m.source_key for m in first}) == 3  # two identical messages stay two
    assert all(len(m.source_key) == 64 for m in first)
    assert first[0].notes == "张伟明：好的"


# -- refusals --------------------------------------------------------------------------------

NOT_A_CHAT = (
    "The pasted text does not look like a copied chat. Expected a line with a name and a "
    "time before each message, such as “张伟明 2024/3/5 14:23” or “张伟明  14:23”."
)


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("", NOT_A_CHAT),
        ("好的，明天见", NOT_A_CHAT),
        ("14:23\n好的", NOT_A_CHAT),
        ("明天 14:30\n好的", NOT_A_CHAT),
        (
            "这句话在前面\n张伟明  08:00\n好",
            "Line 1 comes before any name and time: “这句话在前面”. Copy the chat from a "
            "message header (a name and a time), or remove the lines above it.",
        ),
        (
            "张伟明 2025/2/30 08:00\n好",
            "Line 1 has a date or time that does not exist: “2025/2/30 08:00”.",
        ),
        ("张伟明 25:61\n好", "Line 1 has a date or time that does not exist: “25:61”."),
        (
            "张伟明 2025/6/9 23:00\n好",
            "The message on line 1 is dated in the future (2025-06-09 23:00).",
        ),
        (
            "张伟明 1999/12/31 23:00\n好",
            "The message on line 1 is dated 1999-12-31 23:00, outside the years 2000 to 2100.",
        ),
    ],
)
def test_refusals(text: str, english: str, in_chinese: InChinese) -> None:
    with pytest.raises(ValidationError) as info:
        parse_chat(text, my_names=ME, now=NOW)
    assert info.value.message("en") == english
    in_chinese(info.value)


def test_a_message_too_long(in_chinese: InChinese) -> None:
    with pytest.raises(ValidationError) as info:
        parse_chat("张伟明  08:00\n" + "好" * 20_000, now=NOW)
    assert info.value.message("en") == (
        "The message on line 1 is too long: at most 20000 characters."
    )
    in_chinese(info.value)


# -- importing --------------------------------------------------------------------------------

CHAT = (
    "张伟明 2025/6/6 14:23\n好的，材料明天送过来\n\n"
    "林晓雯 2025/6/6 14:25\n收到\n\n"
    "张伟明 2025/6/6 14:26\n周一上午到\n"
)


@pytest.fixture
def zhang(store: Store) -> int:
    return contacts.create(store, "张伟明", phones=["13800138000"]).value.id


@pytest.fixture
def case_id(store: Store) -> int:
    return cases.open_case(store, "AOI 项目落地").value.id


def _stored(store: Store) -> list[tuple[datetime, Direction, Channel, int | None, str]]:
    with store.read() as session:
        rows = session.execute(
            select(
                Communication.at,
                Communication.direction,
                Communication.channel,
                Communication.case_id,
                Communication.notes,
            ).order_by(Communication.at, Communication.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_import_a_chat(store: Store, zhang: int, case_id: int) -> None:
    out = import_chat(
        store, CHAT, contact_id=zhang, case_id=case_id, channel="wechat", my_names=ME, now=NOW
    )
    summary = out.value
    assert (summary.messages, summary.added, summary.duplicates) == (3, 3, 0)
    assert (summary.first_at, summary.last_at) == (
        datetime(2025, 6, 6, 14, 23),
        datetime(2025, 6, 6, 14, 26),
    )
    assert out.changes.ids_of(ChangeKind.COMMUNICATION) == set(summary.communication_ids)
    assert _stored(store) == [
        (
            datetime(2025, 6, 6, 14, 23),
            Direction.INBOUND,
            Channel.WECHAT,
            case_id,
            "张伟明：好的，材料明天送过来",
        ),
        (datetime(2025, 6, 6, 14, 25), Direction.OUTBOUND, Channel.WECHAT, case_id, "林晓雯：收到"),
        (
            datetime(2025, 6, 6, 14, 26),
            Direction.INBOUND,
            Channel.WECHAT,
            case_id,
            "张伟明：周一上午到",
        ),
    ]
    with store.read() as session:
        contacts_of = set(session.scalars(select(Communication.contact_id)))
    assert contacts_of == {zhang}


def test_pasting_twice_adds_nothing(store: Store, zhang: int, case_id: int) -> None:
    import_chat(store, CHAT, contact_id=zhang, case_id=case_id, my_names=ME, now=NOW)
    before = _stored(store)
    again = import_chat(
        store, CHAT, contact_id=zhang, case_id=None, my_names=ME, now=NOW + timedelta(days=2)
    ).value
    assert (again.added, again.duplicates, again.communication_ids) == (0, 3, ())
    assert _stored(store) == before


def test_an_overlapping_paste_adds_only_what_is_new(store: Store, zhang: int) -> None:
    import_chat(store, CHAT, contact_id=zhang, case_id=None, my_names=ME, now=NOW)
    more = CHAT.split("\n\n", 1)[1] + "\n\n林晓雯 2025/6/6 14:30\n好的，周一见\n"
    summary = import_chat(store, more, contact_id=zhang, case_id=None, my_names=ME, now=NOW).value
    assert (summary.messages, summary.added, summary.duplicates) == (3, 1, 2)
    assert len(_stored(store)) == 4


def test_a_chat_without_dates_pasted_again_the_next_day(store: Store, zhang: int) -> None:
    first = "张伟明  16:05\n明天的会改到十点\n林晓雯  16:07\n好的\n"
    import_chat(store, first, contact_id=zhang, case_id=None, my_names=ME, now=NOW)
    # The next morning the same messages show as "昨天": another day is worked out for
    # them, but they are the same messages.
    later = "张伟明 昨天 16:05\n明天的会改到十点\n林晓雯 昨天 16:07\n好的\n张伟明  08:30\n到了\n"
    summary = import_chat(
        store, later, contact_id=zhang, case_id=None, my_names=ME, now=NOW + timedelta(days=1)
    ).value
    assert (summary.added, summary.duplicates) == (1, 2)


def test_unfiled_and_no_contact(store: Store) -> None:
    summary = import_chat(store, CHAT, contact_id=None, case_id=None, now=NOW).value
    assert summary.added == 3
    assert {row[3] for row in _stored(store)} == {None}
    assert {row[1] for row in _stored(store)} == {Direction.INBOUND}  # no names of mine


def test_a_refused_paste_writes_nothing(
    store: Store, zhang: int, case_id: int, refused: Refused
) -> None:
    refused(
        ValidationError,
        NOT_A_CHAT,
        import_chat,
        store,
        "随便一段文字",
        contact_id=zhang,
        case_id=case_id,
        now=NOW,
    )
    refused(
        ValidationError,
        "“fax” is not a known channel.",
        import_chat,
        store,
        CHAT,
        contact_id=zhang,
        case_id=case_id,
        channel="fax",
        now=NOW,
    )
    refused(
        NotFoundError,
        "The case #999 does not exist (any more).",
        import_chat,
        store,
        CHAT,
        contact_id=zhang,
        case_id=999,
        now=NOW,
    )


def test_the_store_clock_is_the_default_now(store: Store, zhang: int, clock: FixedClock) -> None:
    clock.set(2025, 6, 9, 9, 0)
    summary = import_chat(store, "张伟明  08:41\n到了吗\n", contact_id=zhang, case_id=None).value
    assert summary.first_at == datetime(2025, 6, 9, 8, 41)


# -- fuzzing ----------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "张伟明",
        "林晓雯",
        "Lisa Wang",
        " ",
        "  ",
        "\n",
        "\r\n",
        "\t",
        "2025/6/6",
        "06-06",
        "昨天",
        "星期二",
        "下午",
        "14:23",
        "25:99",
        "00:00:00",
        "[",
        "]",
        ":",
        "：",
        "(12345678)",
        "好的",
        "—————",
        "的聊天记录",
        "\x00",
        "\u200b",
        "😀",
        "2025年6月6日",
        "2/30",
    ]
)
_CHATS = st.one_of(st.text(max_size=200), st.lists(_PIECES, max_size=40).map("".join))


@settings(max_examples=300, deadline=None)
@given(_CHATS)
def test_any_paste_is_parsed_or_refused_with_a_message(text: str) -> None:
    refusal: ValidationError | None = None
    messages: list[ChatMessage] = []
    try:
        messages = parse_chat(text, my_names=ME, now=NOW)
    except ValidationError as err:
        refusal = err
    if refusal is not None:
        assert refusal.message("en")
        return
    assert messages
    for message in messages:
        assert message.text.strip()
        assert message.sender.strip()
        assert message.at <= NOW + timedelta(minutes=5)
        assert len(message.source_key) == 64


@pytest.fixture(scope="module")
def chat_seed(tmp_path_factory: pytest.TempPathFactory, _seed_data_dir: Path) -> Path:
    folder = copy_data_folder(_seed_data_dir, tmp_path_factory.mktemp("chat-fuzz") / "data")
    seed = open_store(folder, clock=lambda: NOW)
    contacts.create(seed, "张伟明", phones=["13800138000"])
    import_chat(seed, CHAT, contact_id=1, case_id=None, my_names=ME, now=NOW)
    seed.close()
    return folder


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(_CHATS)
def test_a_refused_import_leaves_the_database_byte_for_byte(chat_seed: Path, text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        copy_data_folder(chat_seed, Path(folder) / "data")
        store = open_store(Path(folder) / "data", clock=lambda: NOW)
        try:
            before = database_fingerprint(store)
            refusal: ValidationError | None = None
            try:
                import_chat(store, text, contact_id=1, case_id=None, my_names=ME, now=NOW)
            except ValidationError as err:
                refusal = err
            if refusal is not None:
                assert refusal.message("en")
                assert database_fingerprint(store) == before
        finally:
            store.close()
