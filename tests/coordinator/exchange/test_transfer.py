"""Export and import of everything as JSON: round trips, refusals, merging, damaged files."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from coordinator.errors import ConflictError, DomainError, StorageError, ValidationError
from coordinator.exchange import transfer
from coordinator.exchange.transfer import export_json, import_json
from coordinator.kinds import (
    ActionStatus,
    CaseStatus,
    Channel,
    Direction,
    DocumentState,
    Indicator,
    OrganisationKind,
)
from coordinator.safety.opening import open_store
from coordinator.store.changes import ChangeKind
from coordinator.store.content import content_for
from coordinator.store.migrate import head_revision
from coordinator.store.models import (
    Action,
    ActionDependency,
    ActionPause,
    CalendarDay,
    CalendarYear,
    Case,
    CaseAmount,
    CaseTag,
    Communication,
    Contact,
    Document,
    DocumentFile,
    Event,
    Handle,
    IndicatorTarget,
    Organisation,
    PhoneNumber,
    Setting,
    Template,
    TemplateAction,
    TemplateDocument,
    record_tables,
)
from coordinator.store.storage import Store
from tests.conftest import copy_data_folder, database_fingerprint

if TYPE_CHECKING:
    from tests.conftest import FixedClock

T0 = datetime(2025, 6, 9, 9, 0)
BIG = 9_007_199_254_740_993  # 2**53 + 1: a float would round it
HUGE = 2**63 - 1
Queue = Callable[[DomainError], DomainError]


# -- building and reading stores -----------------------------------------------------------


def fresh_store(folder: Path) -> Store:
    return open_store(folder, clock=lambda: T0)


# The content of the attached file fill_rich lists: an export does not carry it, so every
# store a test imports into holds it already (an import refuses a row without it).
LICENCE_SCAN = b"%PDF-1.4 licence scan"
LICENCE_SHA = hashlib.sha256(LICENCE_SCAN).hexdigest()


def plant_licence_scan(store: Store) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "licence.pdf"
        source.write_bytes(LICENCE_SCAN)
        content = content_for(store)
        stored = content.take_in(source)
        with store.work() as work:
            content.keep(work.session, stored, source)


def fill_rich(store: Store) -> None:
    """At least one row in every table, with the awkward values an export must keep."""
    with store.work() as w:
        s = w.session
        bureau = Organisation(
            name="深圳市招商局 🏢",
            kind=OrganisationKind.DEPARTMENT,
            pinyin="shen zhen shi zhao shang ju",
            initials="szszsj",
            notes='第一行\n第二行\t制表符 "引号" \\ 反斜杠',
            created_at=T0,
            updated_at=T0,
        )
        company = Organisation(
            name="Acme 新能源有限公司", kind=OrganisationKind.COMPANY, created_at=T0, updated_at=T0
        )
        bank = Organisation(
            name="工商银行", kind=OrganisationKind.BANK, created_at=T0, updated_at=T0
        )
        s.add_all([bureau, company, bank])
        s.flush()
        zhang = Contact(
            name="张伟", organisation=company, role="总经理", created_at=T0, updated_at=T0
        )
        li = Contact(name="李娜 😀", notes="", created_at=T0, updated_at=T0)
        gone = Contact(name="将被删除", created_at=T0, updated_at=T0)
        wang = Contact(name="王芳", organisation=bureau, created_at=T0, updated_at=T0)
        s.add_all([zhang, li, gone, wang])
        s.flush()
        zhang.phones.append(
            PhoneNumber(
                raw="138 0013 8000", e164="+8613800138000", digits="13800138000", label="手机"
            )
        )
        zhang.phones.append(
            PhoneNumber(
                raw="0755-8888 8888 转 808",
                e164="+8675588888888",
                extension="808",
                digits="75588888888",
                position=1,
            )
        )
        zhang.handles.append(Handle(channel=Channel.WECHAT, handle="zhangwei_acme"))
        li.handles.append(Handle(channel=Channel.EMAIL, handle="li.na@example.cn"))
        opened = Case(
            reference="ZS-2025-001",
            title="新能源电池项目 二期 🔋",
            company=company,
            kind="manufacturing",
            fast_track=True,
            status=CaseStatus.OPEN,
            owner="王芳",
            opened_at=datetime(2025, 1, 2, 9, 30, 0, 123456),
            normal_duration_hours=1234.5,
            amount_minor=BIG,
            created_at=T0,
            updated_at=T0,
        )
        closed = Case(
            reference="ZS-2024-099",
            title="已结案件",
            company=None,
            status=CaseStatus.CLOSED,
            opened_at=datetime(2024, 3, 1),
            target_at=datetime(2024, 9, 1, 17, 30),
            closed_at=datetime(2024, 8, 30, 16, 0),
            close_reason="项目落地",
            amount_minor=HUGE,
            currency="USD",
            created_at=T0,
            updated_at=T0,
        )
        s.add_all([opened, closed])
        s.flush()
        s.add_all([CaseTag(case_id=opened.id, tag="重点"), CaseTag(case_id=opened.id, tag="电池")])
        s.add_all(
            [
                Communication(
                    at=datetime(2025, 6, 3, 10, 15),
                    duration_seconds=185,
                    direction=Direction.INBOUND,
                    channel=Channel.PHONE,
                    contact_id=zhang.id,
                    raw_number="138 0013 8000",
                    number_e164="+8613800138000",
                    case_id=opened.id,
                    notes="谈了用地指标\n下周再约",
                    follow_up_due=datetime(2025, 6, 10, 9, 0),
                    created_at=T0,
                ),
                Communication(
                    at=datetime(2025, 6, 4, 8, 0, 0, 1),
                    direction=Direction.OUTBOUND,
                    channel=Channel.WECHAT,
                    contact_id=None,
                    notes="未知号码 📞",
                    source_key="a" * 64,
                    follow_up_due=datetime(2025, 6, 5),
                    follow_up_done_at=datetime(2025, 6, 5, 11, 0),
                    created_at=T0,
                ),
                Communication(
                    at=datetime(2025, 6, 4, 8, 0),
                    direction=Direction.OUTBOUND,
                    channel=Channel.MEETING,
                    contact_id=wang.id,
                    created_at=T0,
                ),
            ]
        )
        licence = Document(
            case_id=opened.id,
            title="营业执照 副本",
            required=True,
            state=DocumentState.ACCEPTED_MISSING,
            source_id=company.id,
            destination_id=bureau.id,
            holder_id=None,
            is_original=True,
            stamped=True,
            version=2,
            requested_at=datetime(2025, 5, 1),
            received_at=datetime(2025, 5, 2),
            accepted_at=datetime(2025, 5, 6),
            missing_items="法人身份证复印件",
            promised_completion_at=datetime(2025, 6, 30, 17, 0),
            created_at=T0,
            updated_at=T0,
        )
        plan = Document(
            case_id=opened.id,
            title="可研报告",
            required=False,
            state=DocumentState.RETURNED,
            holder_id=company.id,
            returned_at=datetime(2025, 5, 20),
            return_reason="缺少环评章节",
            position=1,
            created_at=T0,
            updated_at=T0,
        )
        s.add_all([licence, plan])
        s.flush()
        s.add(
            DocumentFile(
                document_id=licence.id,
                sha256=LICENCE_SHA,
                size=5 * 2**40,
                media_type="application/pdf",
                original_name="营业执照 扫描件.pdf",
                version=2,
                added_at=datetime(2025, 5, 2, 14, 3, 59),
            )
        )
        land = Action(
            case_id=opened.id,
            department_id=bureau.id,
            contact_id=wang.id,
            title="用地预审",
            status=ActionStatus.WAITING_COMPANY,
            requested_at=datetime(2025, 5, 10),
            due_at=datetime(2025, 6, 20, 17, 30),
            statutory_limit_hours=160.0,
            promised_limit_hours=80.5,
            normal_duration_hours=None,
            template_key="land",
            created_at=T0,
            updated_at=T0,
        )
        permit = Action(
            case_id=opened.id,
            department_id=bank.id,
            title="开户",
            status=ActionStatus.BLOCKED,
            blocked_reason="等用地预审",
            position=1,
            created_at=T0,
            updated_at=T0,
        )
        s.add_all([land, permit])
        s.flush()
        s.add(ActionDependency(action_id=permit.id, depends_on_id=land.id))
        s.add(
            ActionPause(
                action_id=land.id,
                started_at=datetime(2025, 5, 15, 9),
                ended_at=None,
                reason="企业补材料",
            )
        )
        template = Template(
            key="custom_fab",
            name="自定义 工厂",
            name_en="Custom: factory",
            normal_duration_hours=2000.0,
            builtin=False,
            created_at=T0,
            updated_at=T0,
        )
        s.add(template)
        s.flush()
        s.add(
            TemplateAction(
                template_id=template.id,
                key="land",
                department="自然资源局",
                department_kind=OrganisationKind.DEPARTMENT,
                title="用地预审",
                statutory_limit_hours=160.0,
                depends_on=["site", "规划"],
            )
        )
        s.add(TemplateDocument(template_id=template.id, title="可研报告", required=False))
        s.add(
            CaseAmount(
                case_id=opened.id,
                indicator=Indicator.FOREIGN_USED,
                amount_minor=BIG,
                currency="USD",
                counted_on=date(2025, 6, 1),
                note="首期到账",
            )
        )
        s.add(
            IndicatorTarget(
                year=2025,
                indicator=Indicator.OUTSIDE_PROVINCE,
                target_minor=10**15,
                currency="CNY",
            )
        )
        s.add_all(
            [
                CalendarDay(day=date(2025, 10, 11), is_workday=True, note="调休上班"),
                CalendarDay(day=date(2025, 10, 8), is_workday=False),
                CalendarYear(year=2027, entered_at=datetime(2026, 12, 1, 8), note="国务院通知"),
                Setting(
                    key="working_hours", value={"spans": [["08:30", "12:00"], ["13:30", "17:30"]]}
                ),
                Setting(
                    key="ui",
                    value={"语言": "zh_CN", "nested": {"list": [1, 2.5, None, True, "表情 🎉"]}},
                ),
            ]
        )
        w.record("case", opened.id, "status", None, "open", case_id=opened.id)
        w.record("case", closed.id, "status", "open", "closed", case_id=closed.id)
        w.record("action", land.id, "status", None, ActionStatus.WAITING_COMPANY, case_id=opened.id)
        w.record("contact", zhang.id, "name", None, "张伟")
        w.record("calendar", date(2025, 10, 11).toordinal(), "day:2025-10-11", None, True)
        gone_id = gone.id
    with store.work() as w:
        w.session.delete(w.session.get(Contact, gone_id))  # leaves a gap in the ids


def sql_dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as stored (the driver's raw values, not the models'), in
    primary key order."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as connection:
        for table in record_tables():
            order = ", ".join(c.name for c in table.primary_key.columns)
            rows = connection.exec_driver_sql(f'SELECT * FROM "{table.name}" ORDER BY {order}')
            dump[table.name] = [tuple(row) for row in rows]
    return dump


def tables_of(path: Path) -> dict[str, Any]:
    tables: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["tables"]
    return tables


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pristine_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty data folder, copied wherever a fresh store is needed."""
    folder = tmp_path_factory.mktemp("pristine") / "data"
    store = fresh_store(folder)
    plant_licence_scan(store)
    store.close()
    return folder


@pytest.fixture(scope="module")
def rich_export(tmp_path_factory: pytest.TempPathFactory, pristine_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("rich")
    copy_data_folder(pristine_dir, folder / "data")
    source = fresh_store(folder / "data")
    try:
        fill_rich(source)
        export_json(source, folder / "rich.json")
    finally:
        source.close()
    return folder / "rich.json"


@pytest.fixture
def make_store(tmp_path: Path, pristine_dir: Path) -> Iterator[Callable[[str], Store]]:
    opened: list[Store] = []

    def make(name: str) -> Store:
        copy_data_folder(pristine_dir, tmp_path / name)
        store = fresh_store(tmp_path / name)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def rich(make_store: Callable[[str], Store]) -> Store:
    store = make_store("rich")
    fill_rich(store)
    return store


# -- export --------------------------------------------------------------------------------


def test_export_writes_every_table_in_one_private_file(rich: Store, tmp_path: Path) -> None:
    target = tmp_path / "out" / "导出.json"
    target.parent.mkdir()
    summary = export_json(rich, target)

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(target.parent) == ["导出.json"]  # no temporary file left behind
    assert summary.path == target
    assert summary.size_bytes == target.stat().st_size
    assert summary.schema_revision == head_revision()
    assert summary.exported_at == T0
    raw = target.read_text(encoding="utf-8")
    document = json.loads(raw)
    assert list(document) == ["format", "version", "schema_revision", "exported_at", "tables"]
    assert document["format"] == "liaison-hub-export"
    assert document["version"] == 1
    assert document["schema_revision"] == head_revision()
    assert document["exported_at"] == "2025-06-09T09:00:00"
    tables = document["tables"]
    # Generic over the metadata: a table added to the models shows up by itself.
    assert list(tables) == [t.name for t in record_tables()]
    empty = [name for name, rows in tables.items() if not rows]
    assert not empty, f"fill_rich must put a row in every table: {empty}"
    assert dict(summary.rows) == {name: len(rows) for name, rows in tables.items()}
    assert summary.total_rows == sum(len(rows) for rows in tables.values())
    for table in record_tables():
        rows = tables[table.name]
        assert all(list(row) == [c.name for c in table.columns] for row in rows)
        keys = [tuple(row[c.name] for c in table.primary_key.columns) for row in rows]
        assert keys == sorted(keys)
    # One row per line, Chinese and emoji written as themselves.
    assert '"name":"深圳市招商局 🏢"' in raw
    assert raw.count("\n") > summary.total_rows

    cases = {row["reference"]: row for row in tables["cases"]}
    assert cases["ZS-2025-001"]["amount_minor"] == BIG
    assert cases["ZS-2024-099"]["amount_minor"] == HUGE
    assert cases["ZS-2025-001"]["fast_track"] is True
    assert cases["ZS-2024-099"]["fast_track"] is False
    assert cases["ZS-2025-001"]["opened_at"] == "2025-01-02T09:30:00.123456"
    assert cases["ZS-2024-099"]["company_id"] is None
    assert cases["ZS-2025-001"]["normal_duration_hours"] == 1234.5
    assert cases["ZS-2025-001"]["title"] == "新能源电池项目 二期 🔋"
    assert tables["calendar_days"][0] == {"day": "2025-10-08", "is_workday": False, "note": ""}
    settings_rows = {row["key"]: row["value"] for row in tables["settings"]}
    assert settings_rows["ui"]["nested"]["list"] == [1, 2.5, None, True, "表情 🎉"]
    assert tables["template_actions"][0]["depends_on"] == ["site", "规划"]
    assert tables["document_files"][0]["size"] == 5 * 2**40
    assert tables["communications"][1]["direction"] == "out"
    assert tables["communications"][1]["contact_id"] is None


def test_export_replaces_a_file_atomically_and_keeps_it_when_it_fails(
    rich: Store, tmp_path: Path
) -> None:
    target = tmp_path / "backup.json"
    target.write_text("the previous export", encoding="utf-8")
    export_json(rich, target)
    assert json.loads(target.read_text(encoding="utf-8"))["format"] == "liaison-hub-export"

    target.write_text("the previous export", encoding="utf-8")
    with rich.engine.begin() as connection:  # a value JSON cannot hold: the export fails
        connection.execute(  # half way through
            text("UPDATE actions SET promised_limit_hours = :inf WHERE position = 1"),
            {"inf": float("inf")},
        )
    with pytest.raises(StorageError) as info:
        export_json(rich, target)
    message = info.value.message("en")
    assert "actions" in message
    assert "promised_limit_hours" in message
    assert target.read_text(encoding="utf-8") == "the previous export"
    assert sorted(os.listdir(tmp_path)) == ["backup.json", "rich"]


def test_export_into_a_missing_folder_is_a_storage_error(rich: Store, tmp_path: Path) -> None:
    with pytest.raises(StorageError) as info:
        export_json(rich, tmp_path / "nowhere" / "x.json")
    assert "cannot be written" in info.value.message("en")


# -- round trip ----------------------------------------------------------------------------


def test_export_import_export_gives_the_same_tables(
    rich: Store, make_store: Callable[[str], Store], tmp_path: Path
) -> None:
    first = tmp_path / "first.json"
    export_json(rich, first)
    copy_ = make_store("copy")
    outcome = import_json(copy_, first)
    second = tmp_path / "second.json"
    export_json(copy_, second)

    assert tables_of(second) == tables_of(first)
    assert sql_dump(copy_) == sql_dump(rich)  # the stored values too, row by row
    summary = outcome.value
    assert summary.mode == "refuse"
    assert summary.path == first
    assert summary.schema_revision == head_revision()
    assert summary.exported_at == T0
    assert dict(summary.added) == {name: len(rows) for name, rows in tables_of(first).items()}
    assert summary.total_skipped == 0
    assert summary.total_added == sum(len(rows) for rows in tables_of(first).values())
    changes = outcome.changes
    for kind in (
        ChangeKind.ORGANISATION,
        ChangeKind.CONTACT,
        ChangeKind.CASE,
        ChangeKind.COMMUNICATION,
        ChangeKind.DOCUMENT,
    ):
        assert changes.touches(kind)
    assert changes.touches(
        ChangeKind.ACTION,
        ChangeKind.TEMPLATE,
        ChangeKind.CALENDAR,
        ChangeKind.SETTING,
        ChangeKind.EVENT,
    )
    with copy_.read() as session:
        assert set(changes.ids_of(ChangeKind.CASE)) == set(session.scalars(select(Case.id)))
        # As Work.record has it: the ids of the records the events describe.
        assert set(changes.ids_of(ChangeKind.EVENT)) == set(
            session.scalars(select(Event.entity_id))
        )


def test_round_trip_into_a_store_with_the_builtin_templates(
    store: Store, clock: FixedClock, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A new data folder already holds the shipped templates: they are matched, not doubled."""
    seed: Path = request.getfixturevalue("_seed_data_dir")  # what the `store` fixture copies
    copy_data_folder(seed, tmp_path / "source")
    source = open_store(tmp_path / "source", clock=clock)
    plant_licence_scan(store)
    try:
        fill_rich(source)
        export_json(source, tmp_path / "a.json")
        expected = sql_dump(source)
    finally:
        source.close()
    outcome = import_json(store, tmp_path / "a.json")
    export_json(store, tmp_path / "b.json")

    assert tables_of(tmp_path / "b.json") == tables_of(tmp_path / "a.json")
    assert sql_dump(store) == expected
    builtin = len(tables_of(tmp_path / "a.json")["templates"]) - 1
    assert builtin > 0
    assert outcome.value.skipped["templates"] == builtin
    assert outcome.value.added["templates"] == 1
    assert outcome.value.skipped["events"] > 0  # the templates' own events, the very same


def test_tables_in_any_order_import_the_same(
    rich: Store, make_store: Callable[[str], Store], tmp_path: Path
) -> None:
    export_json(rich, tmp_path / "a.json")
    document = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    document["tables"] = dict(reversed(list(document["tables"].items())))
    reordered = {"tables": document.pop("tables"), **document}  # the header last, too
    (tmp_path / "b.json").write_text(json.dumps(reordered, ensure_ascii=False), encoding="utf-8")
    target = make_store("target")
    import_json(target, tmp_path / "b.json")
    assert sql_dump(target) == sql_dump(rich)


def test_missing_optional_columns_take_their_defaults(
    rich_export: Path, make_store: Callable[[str], Store], tmp_path: Path
) -> None:
    document = json.loads(rich_export.read_text(encoding="utf-8"))
    document["schema_revision"] = "0001"  # an older schema is fine
    for row in document["tables"]["organisations"]:
        del row["notes"]
        del row["pinyin"]
    del document["tables"]["case_tags"]  # a table left out is simply empty
    (tmp_path / "partial.json").write_text(json.dumps(document), encoding="utf-8")
    target = make_store("target")
    outcome = import_json(target, tmp_path / "partial.json")
    assert outcome.value.added["case_tags"] == 0
    with target.read() as session:
        assert {o.notes for o in session.scalars(select(Organisation))} == {""}
        assert {o.pinyin for o in session.scalars(select(Organisation))} == {""}


def test_imported_calendar_days_reach_the_cached_calendar(
    make_store: Callable[[str], Store], tmp_path: Path
) -> None:
    source = make_store("source")
    with source.work() as w:
        w.session.add(CalendarDay(day=date(2025, 6, 14), is_workday=True, note="调休"))
    export_json(source, tmp_path / "cal.json")
    target = make_store("target")
    assert not target.calendar().is_workday(date(2025, 6, 14))  # a Saturday, now cached
    outcome = import_json(target, tmp_path / "cal.json")
    assert outcome.changes.touches(ChangeKind.CALENDAR)
    assert target.calendar().is_workday(date(2025, 6, 14))


# -- refusing a store that is not empty ----------------------------------------------------


def add_one(store: Store, table: str) -> None:
    """Put one row (and the rows it needs) of ``table`` into the store."""
    with store.work() as w:
        s = w.session
        organisation = Organisation(
            name="某局", kind=OrganisationKind.DEPARTMENT, created_at=T0, updated_at=T0
        )
        case = Case(
            reference="R-1",
            title="案",
            status=CaseStatus.OPEN,
            opened_at=T0,
            created_at=T0,
            updated_at=T0,
        )
        if table == "organisations":
            s.add(organisation)
        elif table == "contacts":
            s.add(Contact(name="某人", created_at=T0, updated_at=T0))
        elif table == "cases":
            s.add(case)
        elif table == "communications":
            s.add(
                Communication(
                    at=T0, direction=Direction.INBOUND, channel=Channel.SMS, created_at=T0
                )
            )
        elif table == "documents":
            s.add(case)
            s.flush()
            s.add(
                Document(
                    case_id=case.id,
                    title="文件",
                    state=DocumentState.REQUESTED,
                    created_at=T0,
                    updated_at=T0,
                )
            )
        else:
            s.add_all([case, organisation])
            s.flush()
            s.add(
                Action(
                    case_id=case.id,
                    department_id=organisation.id,
                    title="事",
                    status=ActionStatus.TODO,
                    created_at=T0,
                    updated_at=T0,
                )
            )


@pytest.mark.parametrize("table", transfer.CORE_TABLES)
def test_refuse_mode_refuses_a_store_with_data_and_changes_nothing(
    table: str,
    rich_export: Path,
    make_store: Callable[[str], Store],
    in_chinese: Queue,
) -> None:
    target = make_store("target")
    add_one(target, table)
    before_hash, before = database_fingerprint(target), sql_dump(target)
    with pytest.raises(ConflictError) as info:
        import_json(target, rich_export)
    in_chinese(info.value)
    message = info.value.message("en")
    assert message.startswith("The store is not empty: it already holds")
    # The kind of record in the reader's words, not the table's name.
    assert transfer.RECORD_KINDS[table].tr("en") in message
    chinese = info.value.message("zh_CN")
    assert transfer.RECORD_KINDS[table].tr("zh_CN") in chinese
    assert table not in chinese
    assert sql_dump(target) == before
    assert database_fingerprint(target) == before_hash


def test_refuse_is_the_default_and_a_bad_mode_is_a_programming_error(
    rich: Store, rich_export: Path
) -> None:
    with pytest.raises(ConflictError):
        import_json(rich, rich_export)
    with pytest.raises(ValueError, match="unknown import mode"):
        import_json(rich, rich_export, mode="replace")  # type: ignore[arg-type]


# -- merging -------------------------------------------------------------------------------


def test_merge_adds_only_what_is_missing_and_rewires_references(
    rich_export: Path, make_store: Callable[[str], Store]
) -> None:
    target = make_store("target")
    with target.work() as w:  # different ids for the same things, and things of its own
        s = w.session
        own = Organisation(
            name="本地园区", kind=OrganisationKind.PARK, created_at=T0, updated_at=T0
        )
        s.add(own)
        s.flush()
        company = Organisation(
            name="Acme 新能源有限公司",
            kind=OrganisationKind.COMPANY,
            notes="本地的备注",
            created_at=T0,
            updated_at=T0,
        )
        s.add(company)
        s.flush()
        zhang = Contact(name="张伟", organisation_id=company.id, created_at=T0, updated_at=T0)
        s.add(zhang)
        s.flush()
        case = Case(
            reference="ZS-2025-001",
            title="本地标题",
            company_id=company.id,
            status=CaseStatus.ON_HOLD,
            opened_at=T0,
            created_at=T0,
            updated_at=T0,
        )
        s.add(case)
        s.flush()
        s.add(CaseTag(case_id=case.id, tag="重点"))
        s.add(Setting(key="ui", value={"本地": True}))
        ids = {"company": company.id, "zhang": zhang.id, "case": case.id}
    source = tables_of(rich_export)

    outcome = import_json(target, rich_export, mode="merge")
    summary = outcome.value
    assert summary.mode == "merge"
    assert summary.skipped["organisations"] == 1
    assert summary.added["organisations"] == len(source["organisations"]) - 1
    assert summary.skipped["contacts"] == 1
    assert summary.skipped["cases"] == 1
    assert summary.added["cases"] == 1
    assert summary.skipped["case_tags"] == 1
    assert summary.added["case_tags"] == 1
    assert summary.skipped["settings"] == 1
    assert summary.added["settings"] == 1
    assert summary.added["events"] == len(source["events"])
    assert summary.added["communications"] == len(source["communications"])
    for name in ("organisations", "cases", "events"):
        assert summary.added[name] + summary.skipped[name] == len(source[name])

    with target.read() as session:
        # Rows already present are left untouched.
        local_case = session.get(Case, ids["case"])
        assert local_case is not None
        assert (local_case.title, local_case.status) == ("本地标题", CaseStatus.ON_HOLD)
        local_company = session.get(Organisation, ids["company"])
        assert local_company is not None
        assert local_company.notes == "本地的备注"
        ui = session.get(Setting, "ui")
        assert ui is not None
        assert ui.value == {"本地": True}
        # New rows point at the stored rows they match, and at each other's new ids.
        call = session.scalars(
            select(Communication).where(Communication.notes == "谈了用地指标\n下周再约")
        ).one()
        assert (call.contact_id, call.case_id) == (ids["zhang"], ids["case"])
        assert {
            t for t in session.scalars(select(CaseTag.tag).where(CaseTag.case_id == ids["case"]))
        } == {"重点", "电池"}
        meeting = session.scalars(
            select(Communication).where(Communication.channel == Channel.MEETING)
        ).one()
        assert meeting.contact_id is not None
        wang = session.get(Contact, meeting.contact_id)
        assert wang is not None
        assert wang.name == "王芳"
        assert wang.organisation_id is not None
        bureau = session.get(Organisation, wang.organisation_id)
        assert bureau is not None
        assert bureau.name == "深圳市招商局 🏢"
        land = session.scalars(select(Action).where(Action.title == "用地预审")).one()
        assert land.case_id == ids["case"]
        assert land.contact_id == wang.id
        permit = session.scalars(select(Action).where(Action.title == "开户")).one()
        assert session.get(ActionDependency, (permit.id, land.id)) is not None
        # The events follow the records they describe.
        status_event = session.scalars(
            select(Event).where(Event.entity == "case", Event.after == "open")
        ).one()
        assert (status_event.entity_id, status_event.case_id) == (ids["case"], ids["case"])
        contact_event = session.scalars(select(Event).where(Event.entity == "contact")).one()
        assert contact_event.entity_id == ids["zhang"]
    assert outcome.changes.ids_of(ChangeKind.CASE) >= {ids["case"]}

    again = import_json(target, rich_export, mode="merge").value
    # Every row carries its uid, events too: the same file imported again adds nothing.
    assert again.total_added == 0


def test_merge_into_an_empty_store_imports_everything(
    rich: Store, rich_export: Path, make_store: Callable[[str], Store], tmp_path: Path
) -> None:
    target = make_store("target")
    import_json(target, rich_export, mode="merge")
    export_json(target, tmp_path / "merged.json")
    merged, source = tables_of(tmp_path / "merged.json"), tables_of(rich_export)
    assert {name: len(rows) for name, rows in merged.items()} == {
        name: len(rows) for name, rows in source.items()
    }
    # Fresh ids are handed out in the file's order: a table without gaps keeps its ids...
    assert merged["cases"] == source["cases"]
    # ...and one with a gap (a deleted contact) closes it, references following.
    assert [c["id"] for c in source["contacts"]] == [1, 2, 4]
    assert [c["id"] for c in merged["contacts"]] == [1, 2, 3]

    def by_name(tables: dict[str, Any]) -> list[dict[str, Any]]:
        names = {c["id"]: c["name"] for c in tables["contacts"]}
        return [
            {**row, "contact_id": names.get(row["contact_id"])} for row in tables["communications"]
        ]

    assert by_name(merged) == by_name(source)


# -- damaged or foreign files --------------------------------------------------------------

Edit = Callable[[dict[str, Any]], Any]


def _set(table: str, index: int, column: str, value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        document["tables"][table][index][column] = value

    return edit


def _delete(table: str, index: int, column: str) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        del document["tables"][table][index][column]

    return edit


def _duplicate(table: str) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        rows = document["tables"][table]
        rows.append(copy.deepcopy(rows[0]))

    return edit


def _header(key: str, value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        document[key] = value

    return edit


def _drop(key: str) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        del document[key]

    return edit


def _tables(change: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        change(document["tables"])

    return edit


def _text(change: Callable[[str], str]) -> Edit:
    return lambda document: change(json.dumps(document, ensure_ascii=False, indent=1))


def _bytes(data: bytes) -> Edit:
    return lambda document: data


def _reverse_header_then(change: Edit) -> Edit:
    def edit(document: dict[str, Any]) -> dict[str, Any]:
        change(document)
        return {"tables": document.pop("tables"), **document}

    return edit


SURROGATE = "\\ud800"  # a lone surrogate, as a JSON escape

DAMAGED: list[tuple[str, Edit, list[str]]] = [
    (
        "not-json",
        _bytes(b"name,phone\n\xe5\xbc\xa0\xe4\xbc\x9f,138\n"),
        ["not valid JSON", "line 1"],
    ),
    ("not-utf8", _bytes(b'{"format": "\xff\xfe"}'), ["not UTF-8"]),
    ("empty", _bytes(b""), ["is empty"]),
    ("whitespace", _bytes(b"  \n "), ["is empty"]),
    ("truncated", _text(lambda t: t[: len(t) // 2]), ["incomplete"]),
    ("truncated-in-header", _text(lambda t: t[:20]), ["incomplete"]),
    ("trailing-garbage", _text(lambda t: t + " }"), ["not valid JSON", "Extra data"]),
    ("a-list", _bytes(b"[1, 2, 3]"), ["not a Liaison Hub export"]),
    ("other-json", _bytes(b'{"name": "x", "tables": {"foo": []}}'), ["not a Liaison Hub export"]),
    ("wrong-marker", _header("format", "excel-export"), ["not a Liaison Hub export"]),
    ("no-marker", _drop("format"), ["not a Liaison Hub export"]),
    ("version-2", _header("version", 2), ["version 2 export"]),
    ("version-text", _header("version", "1"), ['version "1" export']),
    ("newer-schema", _header("schema_revision", "9999"), ["newer version", "9999"]),
    ("bad-exported-at", _header("exported_at", 5), ["exported_at", "5"]),
    ("extra-entry", _header("comment", "hi"), ["unexpected entry comment"]),
    ("no-tables", _drop("tables"), ["has no tables"]),
    ("tables-list", _header("tables", []), ["tables must be a JSON object"]),
    ("unknown-table", _tables(lambda t: t.update(bogus=[])), ["unknown table bogus"]),
    ("rows-not-list", _tables(lambda t: t.update(cases={})), ["Table cases", "JSON list"]),
]


def _row_value(table: str, index: int, value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        document["tables"][table][index] = value

    return edit


DAMAGED += [
    ("row-not-object", _row_value("cases", 1, 5), ["Table cases, row 2", "JSON object, not 5"]),
    (
        "unknown-column",
        _set("organisations", 0, "colour", "red"),
        ["Table organisations, row 1", "no column colour"],
    ),
    (
        "text-in-int",
        _set("cases", 0, "amount_minor", "lots"),
        ["Table cases, row 1", "column amount_minor", "whole number", '"lots"'],
    ),
    (
        "float-in-int",
        _set("communications", 0, "duration_seconds", 1.5),
        ["column duration_seconds", "whole number"],
    ),
    (
        "bool-in-int",
        _set("communications", 0, "duration_seconds", True),
        ["column duration_seconds", "whole number, not true"],
    ),
    ("int-too-big", _set("cases", 0, "amount_minor", 2**63), ["amount_minor", "too large"]),
    ("int-in-bool", _set("cases", 0, "fast_track", 1), ["column fast_track", "true or false"]),
    ("number-in-text", _set("cases", 0, "title", 42), ["column title", "must be text"]),
    (
        "text-in-float",
        _set("cases", 0, "normal_duration_hours", "12h"),
        ["normal_duration_hours", "must be a number"],
    ),
    (
        "bad-enum",
        _set("communications", 0, "channel", "pigeon"),
        ["Table communications, row 1", "column channel", "phone, wechat", '"pigeon"'],
    ),
    (
        "bad-datetime",
        _set("communications", 0, "at", "yesterday"),
        ["column at", "date and time", '"yesterday"'],
    ),
    (
        "zoned-datetime",
        _set("communications", 0, "at", "2025-06-03T10:15:00+08:00"),
        ["column at", "local date and time"],
    ),
    ("bad-date", _set("calendar_days", 0, "day", "2025-02-30"), ["column day", "a date"]),
    (
        "missing-required",
        _delete("contacts", 0, "name"),
        ["Table contacts, row 1", "required column name is missing"],
    ),
    ("missing-id", _delete("cases", 0, "id"), ["required column id is missing"]),
    ("null-required", _set("cases", 0, "reference", None), ["column reference", "null"]),
    (
        "dangling-reference",
        _set("communications", 0, "contact_id", 99999),
        ["Table communications, row 1", "column contact_id", "contacts 99999"],
    ),
    (
        "dangling-action",
        _set("action_dependencies", 0, "depends_on_id", 424242),
        ["action_dependencies", "depends_on_id", "actions 424242"],
    ),
    ("duplicate-id", _duplicate("events"), ["Table events, row", "id", "more than once"]),
    (
        "duplicate-name",
        _set("organisations", 1, "name", "工商银行"),
        ["Table organisations", "name", "工商银行", "more than once"],
    ),
    ("duplicate-tag", _duplicate("case_tags"), ["case_tags", "case_id, tag", "more than once"]),
    (
        "too-long",
        _set("cases", 0, "reference", "R" * 21),
        ["column reference", "longer than 20 characters"],
    ),
    ("setting-shape", _set("settings", 1, "value", [1]), ["column value", "JSON object"]),
    ("json-list-shape", _set("template_actions", 0, "depends_on", {}), ["depends_on", "JSON list"]),
    (
        "bad-working-hours",
        _set("settings", 1, "value", {"spans": [["25:00", "26:00"]]}),
        ["setting working_hours is not valid"],
    ),
    (
        "nan",
        _text(
            lambda t: t.replace('"normal_duration_hours": 1234.5', '"normal_duration_hours": NaN')
        ),
        ["contains NaN"],
    ),
    (
        "infinite",
        _text(lambda t: t.replace("1234.5", "1e400")),  # a number too big for a float
        ["normal_duration_hours", "must be a number"],
    ),
    (
        "lone-surrogate",
        _text(lambda t: t.replace('"notes": "谈了用地指标', f'"notes": "{SURROGATE}谈了用地指标')),
        ["column notes", "cannot be stored"],
    ),
    (
        "table-twice",
        _text(lambda t: t.replace('"tables": {', '"tables": {\n"case_tags": [],', 1)),
        ["table case_tags twice"],
    ),
    (
        "key-twice",
        _text(lambda t: t.replace('"version": 1,', '"version": 1, "version": 1,')),
        ["entry version twice"],
    ),
    (
        "bad-row-before-bad-marker",
        _reverse_header_then(_header("format", "something-else")),
        ["not a Liaison Hub export"],
    ),
    (
        "bad-row-before-good-header",
        _reverse_header_then(_set("cases", 0, "title", 42)),
        ["column title", "must be text"],
    ),
]


# What the services refuse a person typing, an import refuses in a row of a file.
DAMAGED += [
    (
        "nul-in-a-name",
        _set("organisations", 0, "name", "澄明\u0000光电"),
        ["Table organisations, row 1: name contains an invisible control character (U+0000)."],
    ),
    (
        "line-break-in-a-title",
        _set("cases", 0, "title", "新能源\n二期"),
        ["Table cases, row 1: title contains an invisible control character (U+000A)."],
    ),
    (
        "escape-in-notes",
        _set("communications", 0, "notes", "谈了\u001b[31m用地"),
        ["Table communications, row 1: notes contains an invisible control character (U+001B)."],
    ),
    (
        "notes-too-long",
        _set("contacts", 0, "notes", "长" * 20_001),
        ["Table contacts, row 1: notes is too long: 20001 characters, at most 20000."],
    ),
    (
        "empty-title",
        _set("documents", 0, "title", " \u3000 "),
        ["Table documents, row 1: title is required."],
    ),
    (
        "a-time-before-2000",
        _set("communications", 0, "at", "1900-01-01T09:00:00"),
        ["Table communications, row 1: at must be between 2000 and 2100."],
    ),
    (
        "negative-hours",
        _set("actions", 0, "statutory_limit_hours", -8.0),
        ["Table actions, row 1: statutory_limit_hours must be between 0 and 43800 working hours."],
    ),
    (
        "attachment-without-its-content",
        _set("document_files", 0, "sha256", "0" * 64),
        [
            "Table document_files, row 1: the content of the attached file “营业执照 扫描件.pdf” "
            "is neither in the file nor in this data folder",
            "so nothing was imported",
        ],
    ),
]


def _write_damaged(source: Path, edit: Edit, target: Path) -> None:
    document = json.loads(source.read_text(encoding="utf-8"))
    assert [row["key"] for row in document["tables"]["settings"]] == ["ui", "working_hours"]
    result = edit(document)
    if result is None:
        result = document
    if isinstance(result, bytes):
        target.write_bytes(result)
    elif isinstance(result, str):
        target.write_text(result, encoding="utf-8")
    else:
        target.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "expected"), [(e, x) for _, e, x in DAMAGED], ids=[n for n, _, _ in DAMAGED]
)
@pytest.mark.parametrize("mode", ["refuse", "merge"])
def test_damaged_files_are_refused_naming_the_problem(
    edit: Edit,
    expected: list[str],
    mode: transfer.ImportMode,
    rich_export: Path,
    make_store: Callable[[str], Store],
    tmp_path: Path,
    in_chinese: Queue,
) -> None:
    damaged = tmp_path / "damaged.json"
    _write_damaged(rich_export, edit, damaged)
    target = make_store("target")
    if mode == "merge":
        fill_rich(target)  # merging into a store with everything in it
    before_hash, before = database_fingerprint(target), sql_dump(target)
    with pytest.raises(ValidationError) as info:
        import_json(target, damaged, mode=mode)
    in_chinese(info.value)
    message = info.value.message("en")
    for part in expected:
        assert part in message, message
    assert sql_dump(target) == before
    assert database_fingerprint(target) == before_hash


def test_the_damaged_file_editor_keeps_a_valid_file_valid(
    rich_export: Path, make_store: Callable[[str], Store], tmp_path: Path
) -> None:
    _write_damaged(rich_export, lambda document: None, tmp_path / "same.json")
    outcome = import_json(make_store("target"), tmp_path / "same.json")
    assert outcome.value.total_added == sum(len(r) for r in tables_of(rich_export).values())


def test_a_missing_file_is_named(
    make_store: Callable[[str], Store], tmp_path: Path, in_chinese: Queue
) -> None:
    with pytest.raises(ValidationError) as info:
        import_json(make_store("target"), tmp_path / "没有.json")
    in_chinese(info.value)
    assert info.value.message("en").startswith("The file 没有.json cannot be read")


def test_a_file_that_changes_during_the_import_imports_nothing(
    rich_export: Path,
    make_store: Callable[[str], Store],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    in_chinese: Queue,
) -> None:
    moving = tmp_path / "moving.json"
    shutil.copy(rich_export, moving)
    validate = transfer._validate_file

    def validate_then_change(path: Path) -> Any:
        result = validate(path)
        text = moving.read_text(encoding="utf-8").replace("谈了用地指标", "谈了别的事情")
        moving.write_text(text, encoding="utf-8")
        return result

    monkeypatch.setattr(transfer, "_validate_file", validate_then_change)
    target = make_store("target")
    before = sql_dump(target)
    with pytest.raises(ValidationError) as info:
        import_json(target, moving)
    in_chinese(info.value)
    assert "changed while it was being imported" in info.value.message("en")
    assert sql_dump(target) == before


def test_import_needs_foreign_keys_enforced(
    rich_export: Path, make_store: Callable[[str], Store], in_chinese: Queue
) -> None:
    target = make_store("target")
    target.engine.dispose()
    with target.engine.connect() as connection:  # the pool's only connection, spoilt
        spoil = (
            "PRAGMA foreign_keys = OFF"
            if target.is_sqlite  # on PostgreSQL, a replica's role skips the checks
            else "SET session_replication_role = replica"
        )
        connection.connection.driver_connection.execute(spoil)  # type: ignore[union-attr]
        connection.connection.driver_connection.commit()  # type: ignore[union-attr]
    before = sql_dump(target)
    with pytest.raises(StorageError) as info:
        import_json(target, rich_export)
    in_chinese(info.value)
    assert "links between records" in info.value.message("en")
    assert sql_dump(target) == before


# -- random damage -------------------------------------------------------------------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return document


def _remove(document: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return document
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return document


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["2025-06-09T09:00:00", "2025-06-09", "open", "phone", "", "1"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def small_export(tmp_path_factory: pytest.TempPathFactory, pristine_dir: Path) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("small")
    copy_data_folder(pristine_dir, folder / "data")
    source = fresh_store(folder / "data")
    try:
        fill_rich(source)
        export_json(source, folder / "small.json")
    finally:
        source.close()
    document: dict[str, Any] = json.loads((folder / "small.json").read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def populated_dir(tmp_path_factory: pytest.TempPathFactory, pristine_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("populated") / "data"
    copy_data_folder(pristine_dir, folder)
    store = fresh_store(folder)
    try:
        with store.work() as w:
            w.session.add(
                Organisation(
                    name="工商银行", kind=OrganisationKind.BANK, created_at=T0, updated_at=T0
                )
            )
            w.session.add(CalendarDay(day=date(2025, 10, 8), is_workday=False))
    finally:
        store.close()
    return folder


@st.composite
def damaged_documents(draw: st.DrawFn, document: dict[str, Any]) -> tuple[str, bytes]:
    mutated: Any = copy.deepcopy(document)
    paths = _paths(mutated)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        try:
            if action == "replace":
                mutated = _replace(mutated, path, draw(JSON_VALUES))
            elif action == "remove":
                mutated = _remove(mutated, path)
            else:
                target: Any = mutated
                for step in path:
                    target = target[step]
                if isinstance(target, dict):
                    target[draw(st.text(max_size=10))] = draw(JSON_VALUES)
                elif isinstance(target, list):
                    target.append(draw(JSON_VALUES))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change removed or replaced the path
        paths = _paths(mutated)
    text = json.dumps(mutated, ensure_ascii=draw(st.booleans()), allow_nan=True, indent=1)
    data = text.encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["whole", "whole", "whole", "cut", "byte"]))
    if how == "cut":
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    elif how == "byte":
        position = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        data = data[:position] + bytes([draw(st.integers(0, 255))]) + data[position + 1 :]
    mode = draw(st.sampled_from(["refuse", "merge"]))
    return mode, data


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_damage_is_refused_cleanly_or_imported(
    data: st.DataObject, small_export: dict[str, Any], pristine_dir: Path, populated_dir: Path
) -> None:
    mode, payload = data.draw(damaged_documents(small_export))
    with tempfile.TemporaryDirectory() as folder:
        base = pristine_dir if mode == "refuse" else populated_dir
        copy_data_folder(base, Path(folder) / "data")
        store = fresh_store(Path(folder) / "data")
        try:
            (Path(folder) / "damaged.json").write_bytes(payload)
            before = sql_dump(store)
            refusal: DomainError | None = None
            try:
                import_json(store, Path(folder) / "damaged.json", mode=mode)  # type: ignore[arg-type]
            except DomainError as error:
                refusal = error
            if refusal is not None:
                assert refusal.message("en")  # readable, whatever it says
                assert sql_dump(store) == before
        finally:
            store.close()


def test_merge_skips_rows_that_the_renumbering_makes_equal(
    rich_export: Path, make_store: Callable[[str], Store], tmp_path: Path
) -> None:
    document = json.loads(rich_export.read_text(encoding="utf-8"))
    actions = document["tables"]["actions"]
    twin = {**actions[1], "id": 99, "uid": "9" * 32}  # the same action twice in the file
    actions.append(twin)
    dependencies = document["tables"]["action_dependencies"]
    dependencies.append({**dependencies[0], "action_id": 99})
    (tmp_path / "twins.json").write_text(json.dumps(document), encoding="utf-8")
    target = make_store("target")
    import_json(target, rich_export, mode="merge")
    with target.work() as w:  # the store lacks the dependency the twins both describe
        w.session.execute(ActionDependency.__table__.delete())

    summary = import_json(target, tmp_path / "twins.json", mode="merge").value
    assert summary.skipped["actions"] == 3
    assert summary.added["action_dependencies"] == 1
    assert summary.skipped["action_dependencies"] == 1
    with target.read() as session:
        assert len(session.scalars(select(ActionDependency)).all()) == 1


def test_refuse_renumbers_rows_whose_id_the_store_already_uses(
    rich_export: Path, make_store: Callable[[str], Store]
) -> None:
    target = make_store("target")
    with target.work() as w:
        w.session.add(Template(key="mine", name="我的模板", created_at=T0, updated_at=T0))
    outcome = import_json(target, rich_export)
    assert outcome.value.added["templates"] == 1
    with target.read() as session:
        mine = session.scalars(select(Template).where(Template.key == "mine")).one()
        imported = session.scalars(select(Template).where(Template.key == "custom_fab")).one()
        assert mine.id == 1
        assert imported.id == 2
        step = session.scalars(select(TemplateAction)).one()
        assert step.template_id == imported.id
        document = session.scalars(select(TemplateDocument)).one()
        assert document.template_id == imported.id
