"""Printable reports as HTML, without Qt: the facts they print, escaping, options.

A small hand-made case checks the case summary's facts and figures exactly; the demo
scenario checks the office reports (run sheet, handover, backlog) across many cases.
Turning the HTML into PDF pages is tested in ``tests/ui/test_printing.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest
from markupsafe import Markup

from coordinator import reports
from coordinator.cli import commands as cli
from coordinator.demo.build import build_demo
from coordinator.errors import NotFoundError, ValidationError
from coordinator.i18n import current_language, set_language
from coordinator.i18n_tools import collect
from coordinator.kinds import ActionStatus, DocumentState, Indicator, OrganisationKind
from coordinator.queries import cases as case_queries
from coordinator.queries import settings as setting_queries
from coordinator.reports import templating
from coordinator.reports.backlog import tallies
from coordinator.safety.opening import open_store
from coordinator.services import (
    actions,
    cases,
    communications,
    contacts,
    documents,
    indicators,
    organisations,
    settings,
    templates,
)
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, FixedClock, Refused

MARKUP = '<b>x</b>\n<img src=x>\n=HYPERLINK("x")'
ESCAPED = ("&lt;b&gt;x&lt;/b&gt;", "&lt;img src=x&gt;", "=HYPERLINK(&#34;x&#34;)")
COMPANY = "青岛胶州新材料有限公司"
MARKET = "区市场监督管理局"
BANK = "甬江银行骆驼支行"
DEMO_NOW = datetime(2026, 11, 25, 10, 30)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


class Built(NamedTuple):
    case_id: int
    reference: str
    licence_id: int
    bank_id: int


@pytest.fixture
def built(store: Store, clock: FixedClock) -> Built:
    """A fast-track case opened Monday 9 June 2025 09:00, looked at 14:00 the same day.

    The licence (market regulation) is requested at 09:00 and done at 10:30 (1 h 30 min);
    the bank account, which waits on it, is requested at 10:40 and still open. Each
    kind of note (case, step, document, communication) holds markup and a formula.
    """
    market = organisations.create(store, MARKET, OrganisationKind.DEPARTMENT).value.id
    bank = organisations.create(store, BANK, OrganisationKind.BANK).value.id
    case = cases.open_case(
        store,
        "胶州新材料注册落地",
        company_name=COMPANY,
        fast_track=True,
        owner="陈思远",
        normal_duration_hours=30,
        target_at=datetime(2025, 6, 9, 17, 0),
        amount="150000000",
        notes=MARKUP,
    ).value
    assert case.company_id is not None
    wang = contacts.create(
        store, "王成峰", organisation_id=market, role="登记科科长", phones=["13812345678"]
    ).value.id
    contacts.create(store, "李晓", organisation_id=case.company_id, phones=["13987654321"])
    licence = actions.add(
        store,
        case.id,
        market,
        "核发营业执照",
        contact_id=wang,
        statutory_limit_hours=7.5,
        promised_limit_hours=2,
        notes=MARKUP,
    ).value.id
    account = actions.add(
        store,
        case.id,
        bank,
        "开立基本存款账户",
        statutory_limit_hours=15,
        promised_limit_hours=1.5,
        depends_on=[licence],
    ).value.id
    charter = documents.add(store, case.id, "公司章程", is_original=True, notes=MARKUP).value.id
    actions.set_status(store, licence, ActionStatus.IN_PROGRESS)
    documents.transition(store, charter, DocumentState.RECEIVED, at=clock.set(2025, 6, 9, 9, 10))
    documents.transition(
        store,
        charter,
        DocumentState.FORWARDED,
        at=clock.set(2025, 6, 9, 9, 20),
        destination_id=market,
    )
    documents.transition(store, charter, DocumentState.ACCEPTED, at=clock.set(2025, 6, 9, 10, 0))
    actions.set_status(store, licence, ActionStatus.DONE, at=clock.set(2025, 6, 9, 10, 30))
    actions.set_status(store, account, ActionStatus.IN_PROGRESS, at=clock.set(2025, 6, 9, 10, 40))
    communications.log(
        store,
        at=datetime(2025, 6, 9, 9, 5),
        contact_id=wang,
        case_id=case.id,
        duration_seconds=380,
        notes=MARKUP,
        follow_up_due=datetime(2025, 6, 10, 10, 0),
    )
    communications.log(
        store,
        at=datetime(2025, 6, 9, 11, 0),
        raw_number="0574-87654321",
        case_id=case.id,
        notes="银行询问开户材料",
    )
    clock.set(2025, 6, 9, 14, 0)
    return Built(case.id, case.reference, licence, account)


def summary_html(store: Store, built: Built, **options: object) -> str:
    return reports.case_summary(
        store,
        built.case_id,
        now=datetime(2025, 6, 9, 14, 0),
        **options,  # type: ignore[arg-type]
    ).html


def text_of(html: str) -> str:
    """The visible text of the body: tags dropped, entities decoded, spaces collapsed."""
    body = html.split("<body>", 1)[-1]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).replace("\xa0", " ")


# -- the case summary -------------------------------------------------------------------


def test_summary_prints_the_case_facts_and_parties(store: Store, built: Built) -> None:
    report = reports.case_summary(store, built.case_id, now=datetime(2025, 6, 9, 14, 0))
    text = text_of(report.html)
    for expected in (
        built.reference,
        "胶州新材料注册落地",
        COMPANY,
        MARKET,
        BANK,
        "王成峰",
        "13812345678",  # the department's contact, in the parties table
        "李晓",  # the company's own people
        "核发营业执照",
        "公司章程",
        "Case summary",
        "Fast-track",
        "CNY 150.00 m",
    ):
        assert expected in text, expected
    assert report.title == f"Case summary {built.reference}"
    assert report.header_right == f"Case summary · {built.reference}"
    assert report.header_left == "Investment Service Office"
    assert report.printed_at == datetime(2025, 6, 9, 14, 0)
    assert not report.landscape


def test_summary_clock_figures(store: Store, built: Built) -> None:
    text = text_of(summary_html(store, built))
    # 09:00 to 14:00 with lunch 12:00-13:30 off: 3 h 30 min of working time.
    assert "3 h 30 min Working time taken" in text
    assert "4 working days Normal duration" in text  # 30 h of 7.5 h days
    assert "3 working days 4 h Time saved" in text  # 26.5 h: 3 days of 7.5 h and 4 h
    assert "88% faster than the normal procedure." in text
    # The chain licence -> bank: statutory 7.5 h + 15 h = 3 days, promised 2 h + 1.5 h.
    assert "Statutory limit 3 working days" in text
    assert "Promised limit 3 h 30 min" in text
    assert "Still open at 2025-06-09 14:00" in text
    assert "Target time 2025-06-09 17:00 (not yet due)" in text


def test_summary_step_times_and_waiting_per_department(store: Store, built: Built) -> None:
    text = text_of(summary_html(store, built, include_notes=False))
    # The licence: requested 09:00, done 10:30, against a 2 h promise and 1 day by law.
    assert "核发营业执照 Done 王成峰 06-09 09:00 06-09 10:30 1 h 30 min 2 h / 1 working day" in (
        text
    )
    # The bank has held its step since 10:40: 10:40-12:00 and 13:30-14:00 = 1 h 50 min,
    # over its 1 h 30 min promise (marked ▲).
    assert "1 h 50 min ▲" in text
    assert f"{MARKET} 1 h 30 min" in text  # the waiting-time bars
    assert f"{BANK} 1 h 50 min" in text


def test_summary_key_events(store: Store, built: Built) -> None:
    text = text_of(summary_html(store, built))
    assert "Case opened" in text
    assert f"{MARKET} · 核发营业执照: put in the department's hands" in text
    assert f"{MARKET} · 核发营业执照: done" in text
    assert "公司章程: accepted" in text


def test_notes_with_markup_are_printed_as_text(store: Store, built: Built) -> None:
    html = summary_html(store, built)
    for escaped in ESCAPED:
        # case notes, step notes, document notes and communication notes
        assert html.count(escaped) == 4, escaped
    assert "<b>x</b>" not in html
    assert "<img" not in html
    assert 'HYPERLINK("x")' not in html
    # A note's lines stay lines, and only the escaped text sits between them.
    assert "&lt;b&gt;x&lt;/b&gt;<br/>&lt;img src=x&gt;<br/>=HYPERLINK(&#34;x&#34;)" in html


def test_without_notes_leaves_every_note_out(store: Store, built: Built) -> None:
    html = summary_html(store, built, include_notes=False)
    assert "HYPERLINK" not in html
    assert "img src" not in html
    assert "银行询问开户材料" not in html  # a communication's notes
    assert "Follow-up by" not in html
    text = text_of(html)
    assert "王成峰" in text  # the log itself stays: who, when, how
    assert "0574-87654321" in text
    assert "Communication log" in text


def test_sections_pick_what_is_printed(store: Store, built: Built) -> None:
    facts_only = text_of(summary_html(store, built, sections=frozenset({"facts"})))
    assert "Parties" in facts_only
    assert "Communication log" not in facts_only
    assert "Steps by department" not in facts_only
    assert "Fast-track clock" not in facts_only
    log_only = text_of(summary_html(store, built, sections=frozenset({"communications"})))
    assert "Communication log" in log_only
    assert "Parties" not in log_only
    assert "Document checklist" not in log_only
    assert built.reference in log_only  # the title block is always there


def test_parse_sections() -> None:
    assert reports.parse_sections(" facts, clock ") == frozenset({"facts", "clock"})
    assert reports.parse_sections(",".join(reports.SECTIONS)) == reports.ALL
    with pytest.raises(ValidationError, match="not a section"):
        reports.parse_sections("facts,notes")
    with pytest.raises(ValidationError, match="at least one section"):
        reports.parse_sections(" , ")


def test_unknown_case_and_section(store: Store, built: Built) -> None:
    with pytest.raises(NotFoundError):
        reports.summary_by_reference(store, "2025-9999")
    with pytest.raises(ValidationError):
        reports.case_summary(store, built.case_id, sections=frozenset({"gossip"}))


def test_summary_in_chinese(store: Store, built: Built) -> None:
    set_language("zh_CN")
    report = reports.case_summary(store, built.case_id, now=datetime(2025, 6, 9, 14, 0))
    text = text_of(report.html)
    assert "案件摘要" in report.title or "事项摘要" in report.title
    assert "1.5亿元" in text
    assert "特事特办" in text
    assert "3小时30分" in text
    assert "Working time taken" not in text


# -- templates and escaping ---------------------------------------------------------------


def test_lines_filter_escapes_before_breaking_lines() -> None:
    assert templating.lines("a<b>\nc&d") == Markup("a&lt;b&gt;<br/>c&amp;d")
    assert templating.lines("") == Markup("")


def test_templates_autoescape_and_refuse_unknown_names() -> None:
    env = templating.environment()
    assert env.from_string("{{ x }}").render(x="<i>") == "&lt;i&gt;"
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ nothing_by_that_name }}").render()


def test_template_labels_are_extracted_for_translation() -> None:
    catalog = collect()
    message = catalog.get("Document checklist")
    assert message is not None
    assert any(path.startswith("resources/reports/") for path, _line in message.locations)


def test_office_can_restyle_with_its_own_stylesheet(tmp_path: Path) -> None:
    (tmp_path / templating.STYLESHEET).write_text("h1 { color: red; }", encoding="utf-8")
    assert str(templating.stylesheet(tmp_path)) == "h1 { color: red; }"


# -- the office name ----------------------------------------------------------------------


def test_office_name_default_is_translated(store: Store) -> None:
    assert setting_queries.office_name(store) == "Investment Service Office"
    set_language("zh_CN")
    assert setting_queries.office_name(store) != "Investment Service Office"


def test_set_office_name_records_an_event(store: Store, log: EventLog) -> None:
    settings.set_office_name(store, "  骆驼街道经济发展服务办公室 ")
    assert setting_queries.office_name(store) == "骆驼街道经济发展服务办公室"
    assert [(e.entity, e.field, e.before, e.after) for e in log.new()] == [
        ("setting", "office_name", None, "骆驼街道经济发展服务办公室")
    ]
    settings.set_office_name(store, "骆驼街道经济发展服务办公室")
    assert log.new() == []  # unchanged: no event


def test_office_name_is_validated(store: Store, refused: Refused) -> None:
    refused(ValidationError, "Office name is required.", settings.set_office_name, store, " ")
    refused(
        ValidationError,
        "Office name is too long: 201 characters, at most 200.",
        settings.set_office_name,
        store,
        "办" * 201,
    )


def test_reports_carry_the_office_name(store: Store, built: Built) -> None:
    settings.set_office_name(store, "骆驼街道经济发展服务办公室")
    report = reports.case_summary(store, built.case_id)
    assert report.header_left == "骆驼街道经济发展服务办公室"


# -- the yearly indicators ----------------------------------------------------------------


@pytest.fixture
def counted(store: Store) -> None:
    """The article's figures: 1.428 bn against 1.2 bn; USD 67.128 m against 22 m and 13.6 m."""
    a = cases.open_case(store, "甲项目").value.id
    b = cases.open_case(store, "乙项目", company_name=COMPANY).value.id
    add = indicators.add_amount
    add(store, a, Indicator.DOMESTIC_OUTSIDE_CITY, "1000000000", counted_on=date(2026, 3, 1))
    add(store, b, Indicator.DOMESTIC_OUTSIDE_CITY, "428000000", counted_on=date(2026, 9, 30))
    add(store, b, Indicator.FOREIGN_USED, "67128000", counted_on=date(2026, 12, 31))
    add(store, a, Indicator.FOREIGN_USED, "13600000", counted_on=date(2025, 6, 1))
    add(store, a, Indicator.OUTSIDE_PROVINCE, "50000000", counted_on=date(2025, 6, 1))
    add(store, b, Indicator.OUTSIDE_PROVINCE, "40000000", counted_on=date(2026, 2, 1))
    indicators.set_target(store, 2026, Indicator.DOMESTIC_OUTSIDE_CITY, "1200000000")
    indicators.set_target(store, 2026, Indicator.FOREIGN_USED, "22000000")
    indicators.set_target(store, 2026, Indicator.OUTSIDE_PROVINCE, "80000000")


def row_of(html: str, label: str) -> str:
    """The text of the indicators table row that starts with ``label``."""
    rows = [text_of(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)]
    return next(r.strip() for r in rows if r.strip().startswith(label))


@pytest.mark.usefixtures("counted")
def test_indicators_percentages_and_growth_by_hand(store: Store) -> None:
    report = reports.indicators(store, 2026, now=datetime(2026, 12, 31, 18, 0))
    html = report.html
    # 1,428 / 1,200 = 119.0 %; nothing last year: no growth figure.
    assert row_of(html, "Domestic capital from outside the city") == (
        "Domestic capital from outside the city CNY 1,428.00 m CNY 1,200.00 m 119.0% CNY 0.00 —"
    )
    # 67.128 / 22 = 305.13 % -> 305.1 %; (67.128 - 13.6) / 13.6 = +393.59 % -> +393.6 %.
    assert row_of(html, "Foreign capital actually used") == (
        "Foreign capital actually used USD 67.13 m USD 22.00 m 305.1% USD 13.60 m +393.6%"
    )
    # 40 / 80 = 50.0 %; (40 - 50) / 50 = -20.0 %.
    assert row_of(html, "Capital from outside the province") == (
        "Capital from outside the province CNY 40.00 m CNY 80.00 m 50.0% CNY 50.00 m -20.0%"
    )
    # No target, no amounts.
    assert row_of(html, "Contracted foreign capital") == (
        "Contracted foreign capital USD 0.00 — — USD 0.00 —"
    )
    assert report.title == "Yearly indicators 2026"
    text = text_of(html)
    assert "119.0% of target" in text  # the chart's headings
    assert "no target entered" in text
    assert "乙项目" in text
    assert COMPANY in text


@pytest.mark.usefixtures("counted")
def test_indicators_chart_bars_share_one_scale_per_indicator(store: Store) -> None:
    html = reports.indicators(store, 2026).html
    # Foreign capital used: 67.128 m is the longest bar; 22 m target -> 33 %, 13.6 m -> 20 %
    # of it. The track is 62 % of the page's width (14 % label, 24 % value).
    section = html.split('class="chart-title">Foreign capital actually used', 1)[1]
    fills = [int(w) for w in re.findall(r'<td width="(\d+)%" class="fill', section)][:3]
    assert fills == [20, 62, 12]  # target 33 % of 62, this year 100 %, last year 20 %


@pytest.mark.usefixtures("counted")
def test_indicators_in_chinese(store: Store) -> None:
    set_language("zh_CN")
    html = reports.indicators(store, 2026).html
    assert "14.28亿元" in html
    assert "6,712.8万美元" in html
    assert "305.1%" in html
    assert "+393.6%" in html


# -- office reports from the demo ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("demo") / "data"
    opened = open_store(folder, clock=lambda: DEMO_NOW)
    templates.install_builtin(opened)
    build_demo(opened, now=DEMO_NOW)
    yield opened
    opened.close()


def test_run_sheet_has_a_page_per_department(demo: Store) -> None:
    pending = [
        a
        for a in reports._data.pending_actions(demo)
        if a.department_kind != OrganisationKind.COMPANY
    ]
    held = [
        d for d in reports._data.held_documents(demo) if d.holder_kind != OrganisationKind.COMPANY
    ]
    departments = {a.department_name for a in pending} | {d.holder_name for d in held}
    assert len(departments) >= 5
    report = reports.run_sheet(demo, now=DEMO_NOW)
    html = report.html
    assert html.count("page-break-before: always") == len(departments) - 1
    headings = re.findall(r"<h1>(.*?)</h1>", html)
    assert sorted(headings) == sorted(departments)
    text = text_of(html)
    for a in pending:
        assert a.title in text
        assert a.case_reference in text
    for d in held:
        assert d.title in text
    assert "郑丽华" in text
    assert "0574-" in text
    assert report.header_right == "Department run sheet · 2026-11-25"


def test_run_sheet_with_nothing_pending(store: Store) -> None:
    html = reports.run_sheet(store).html
    assert "page-break-before" not in html
    assert "Nothing is pending at any department." in html


def test_handover_lists_every_open_case(demo: Store) -> None:
    report = reports.handover(demo, now=DEMO_NOW)
    text = text_of(report.html)
    for case in case_queries.list_cases(demo):
        if case.status.value in ("open", "on_hold"):
            assert case.reference in text
            assert case.title in text
        else:
            assert case.title not in text
    assert "Overdue ▲" in text
    assert "Due today" in text
    assert "Follow-up" in text
    assert "communications are not filed under any case" in text


def test_backlog_per_department(demo: Store) -> None:
    found = tallies(demo, DEMO_NOW)
    assert found, "the demo has open steps"
    assert [t.worst for t in found] == sorted((t.worst for t in found), reverse=True)
    worst = found[0]
    assert worst.worst > 0
    assert worst.average <= worst.worst
    report = reports.backlog(demo, now=DEMO_NOW)
    text = text_of(report.html)
    for t in found:
        assert t.name in text
    assert str(sum(t.open for t in found)) + " Open steps" in text
    assert worst.worst_step in text


def test_every_report_renders_in_chinese(demo: Store) -> None:
    set_language("zh_CN")
    for name in reports.REPORT_NAMES:
        report = reports.build_report(demo, name, year=2026, now=DEMO_NOW)
        assert re.search("[\u4e00-\u9fff]", report.title), report.title
        assert "<html>" in report.html


def test_unknown_report_name(demo: Store) -> None:
    with pytest.raises(ValidationError, match="no report"):
        reports.build_report(demo, "gossip")


# -- the command line without Qt ----------------------------------------------------------


def test_cli_names_match_the_reports() -> None:
    assert cli.REPORT_NAMES == reports.REPORT_NAMES
    assert cli.REPORT_SECTIONS == reports.SECTIONS


def test_cli_without_qt_says_it_needs_the_full_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["summary", "2026-0001", "--pdf", str(tmp_path / "a.pdf")],
        ["report", "backlog", "--pdf", str(tmp_path / "b.pdf")],
    ):
        status = cli.main(["--data-dir", str(tmp_path / "data"), "--lang", "en", *argv])
        assert status == 2
        assert "needs the full install" in capsys.readouterr().err
    assert not (tmp_path / "a.pdf").exists()
