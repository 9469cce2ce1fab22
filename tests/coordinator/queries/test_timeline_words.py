"""Every value in a timeline line is the officer's word for it: names for ids (a deleted
record marked so), labels for kinds and states, money as money, in both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from coordinator.demo.build import build_demo
from coordinator.i18n import set_language
from coordinator.queries import timeline
from coordinator.safety.opening import open_store
from coordinator.services import (
    actions,
    cases,
    communications,
    contacts,
    documents,
    indicators,
)
from coordinator.services import organisations as orgs
from coordinator.store.models import Event
from coordinator.store.storage import Store


def _lines(store: Store, case_id: int, lang: str) -> list[str]:
    set_language(lang)
    try:
        events = timeline.for_case(store, case_id)
        known = timeline.referred(store, events, case_id)
        return [
            f"{line.subject} | {line.change}"
            for line in (timeline.describe(e, {}, known) for e in events)
        ]
    finally:
        set_language("en")


@pytest.fixture
def story(store: Store) -> int:
    """A case whose timeline holds one event of every kind that refers to something."""
    company = orgs.create(store, "宁波澄明光电科技有限公司", "company").value.id
    bureau = orgs.create(store, "宁波市市场监督管理局", "department").value.id
    tax = orgs.create(store, "区税务局", "department").value.id
    person = contacts.create(store, "张伟明", organisation_id=company).value.id
    case = cases.open_case(store, "光电项目落地", company_id=company).value.id
    cases.update(store, case, amount="150000000", fast_track=True, tags=["重点", "外资"])
    first = actions.add(store, case, bureau, "名称核准").value.id
    second = actions.add(store, case, bureau, "营业执照核发", depends_on=[first]).value.id
    actions.update(store, second, department_id=tax, contact_id=person)
    actions.update(store, second, normal_duration_hours=24)
    actions.set_status(store, second, "in_progress")
    doc = documents.add(store, case, "营业执照申请书", source_id=company).value.id
    documents.transition(store, doc, "received")
    documents.update(store, doc, holder_id=bureau, stamped=True)
    call = communications.log(store, channel="wechat", contact_id=person, notes="约见").value.id
    communications.file_to_case(store, [call], case)
    communications.update(store, call, channel="in_person", direction="out", duration_seconds=380)
    day = date(2025, 6, 9)
    indicators.add_amount(store, case, "outside_province", Decimal("150000000"), counted_on=day)
    contacts.delete(store, person)
    return case


def test_no_line_speaks_database(store: Store, story: int) -> None:
    for lang in ("en", "zh_CN"):
        for line in _lines(store, story, lang):
            change = line.partition(" | ")[2]
            assert not any(word in change for word in ("wechat", "in_person", "sms", "_id")), line
            assert "150000000" not in change, line
            # No bare record number where a name belongs.
            value = change.partition(": ")[2] or change.partition("：")[2]
            assert not value.strip().isdigit(), line


def test_english_lines(store: Store, story: int) -> None:
    lines = _lines(store, story, "en")
    expected = [
        "Case | Amount: CNY 150.00 m",
        "Case | Fast-track: no → yes",
        "Case | Tag: — → 重点, 外资",
        "Step | Waits on: 名称核准",
        "Step | Department: 宁波市市场监督管理局 → 区税务局",
        "Step | Contact: 张伟明 (deleted)",
        "Step | Normal duration: 24 working hours",
        "Step | Status: To do → In progress",
        "Document | State: Requested → Received",
        "Document | Holder: 宁波澄明光电科技有限公司 → —",
        "Document | Holder: 宁波市市场监督管理局",
        "Document | Stamped: no → yes",
        "Communication | Filed to case: 2025-0001 光电项目落地",
        "Communication | Channel: WeChat → In person",
        "Communication | Direction: Incoming → Outgoing",
        "Communication | Duration: 0 min 0 s → 6 min 20 s",
        "Indicator amount | Capital from outside the province: CNY 150.00 m",
    ]
    for line in expected:
        assert _shown(line, lines), (line, "\n".join(lines))


def test_chinese_lines(store: Store, story: int) -> None:
    lines = _lines(store, story, "zh_CN")
    expected = [
        "事项 | 金额：1.5亿元",
        "事项 | 标签：— → 重点、外资",
        "办理步骤 | 部门：宁波市市场监督管理局 → 区税务局",
        "办理步骤 | 联系人：张伟明（已删除）",
        "办理步骤 | 状态：待办 → 办理中",
        "材料 | 持有方：宁波市市场监督管理局",
        "沟通记录 | 归入事项：2025-0001 光电项目落地",
        "沟通记录 | 渠道：微信 → 当面",
        "指标金额 | 省外资金：1.5亿元",
    ]
    for line in expected:
        assert _shown(line, lines), (line, "\n".join(lines))


def _shown(expected: str, lines: list[str]) -> bool:
    """The line is there (its subject's kind, and its change)."""
    subject, _bar, change = expected.partition(" | ")
    return any(
        line.split(" · ")[0].split(" | ")[0] == subject and line.partition(" | ")[2] == change
        for line in lines
    )


def test_a_record_gone_without_a_name_says_deleted(store: Store) -> None:
    """An id nothing names any more (its record removed outside the services) reads as
    “(deleted)”, never as a number."""
    case = cases.open_case(store, "甲").value.id
    department = orgs.create(store, "区发改局", "department").value.id
    step = actions.add(store, case, department, "备案").value.id
    with store.work() as work:
        work.record("action", step, "department_id", "9999", str(department), case_id=case)
    lines = _lines(store, case, "en")
    assert _shown("Step | Department: (deleted) → 区发改局", lines)
    in_chinese = _lines(store, case, "zh_CN")
    assert any(line.endswith("部门：（已删除） → 区发改局") for line in in_chinese)


def test_indicator_targets_and_removed_amounts_read_as_money(store: Store) -> None:
    indicators.set_target(store, 2025, "foreign_used", "20000000")
    events = timeline.for_record(store, "indicator", 2025)
    known = timeline.referred(store, events)
    set_language("zh_CN")
    try:
        said = timeline.describe(events[-1], {}, known).change
    finally:
        set_language("en")
    assert said == "目标：实际使用外资：2,000万美元"
    assert timeline.describe(events[-1], {}, known).change == (
        "Target: Foreign capital actually used: USD 20.00 m"
    )


# -- every line of a lived-in store --------------------------------------------------------

_DATABASE_WORD = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?:wechat|dingtalk|sms|phone|in|out)\b")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(tmp_path_factory.mktemp("demo") / "data")
    build_demo(store, datetime(2026, 11, 25, 10, 30))
    yield store
    store.close()


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_no_line_of_the_demo_speaks_database(demo: Store, lang: str) -> None:
    """Every event of every case of the demo, in words: no stored value (a channel's
    value, an id, a field's name) shows through."""
    with demo.read() as session:
        case_ids = sorted(
            set(session.scalars(select(Event.case_id).where(Event.case_id.is_not(None))))
        )
    seen = 0
    for case_id in case_ids:
        assert case_id is not None
        for line in _lines(demo, case_id, lang):
            change = line.partition(" | ")[2]
            name, _colon, value = change.replace("：", ": ", 1).partition(": ")
            assert not _DATABASE_WORD.search(name), line
            for part in value.split(" → "):
                assert not part.strip().isdigit(), line
                assert not _DATABASE_WORD.fullmatch(part.split(" · ")[0].strip()), line
            if lang == "zh_CN":
                assert re.search("[\u4e00-\u9fff]", name), line  # the field said in Chinese
            seen += 1
    assert seen > 300
