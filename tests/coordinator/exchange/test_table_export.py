"""List export to CSV and Excel: formula injection neutralised, types kept, files atomic."""

from __future__ import annotations

import csv
import errno
import gc
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from sqlalchemy import func, select

from coordinator.cli.commands import main
from coordinator.demo.build import build_demo
from coordinator.errors import DomainError, StorageError, ValidationError
from coordinator.exchange import sheets, table_export
from coordinator.exchange.sheets import neutralise, write_csv, write_xlsx
from coordinator.exchange.table_export import LISTS, export_list
from coordinator.held_words import duration_text, margin_text
from coordinator.i18n import set_language, translate
from coordinator.labels import CASE_STATUS
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import documents as document_queries
from coordinator.safety.opening import open_store
from coordinator.services import cases, templates
from coordinator.store.models import Action, Case, Communication, Contact, Document
from coordinator.store.storage import Store

DEMO_NOW = datetime(2026, 11, 25, 10, 30)
HOSTILE = (
    '=HYPERLINK("x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "<b>x</b>",
    "-5 is wrong",
    "#N/A",
    "中文备注：企业反馈 😀",
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")  # the CLI sets the language of the whole process


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def read_xlsx(path: Path) -> list[tuple[Cell, ...]]:
    sheet = load_workbook(path).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows()]


def as_xlsx(text: str) -> str:
    """The neutralised text as an .xlsx cell holds it: XML reads every line end as LF."""
    return neutralise(text).replace("\r\n", "\n").replace("\r", "\n")


# -- neutralise ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "=", "-", "－1", "＝1+1", "＠A1", "＋1"],
)
def test_a_formula_start_gets_a_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "中文备注",
        "a=b",
        "x-1",
        "5",
        "3.14",
        "2026-11-25",
        "'already quoted",
        " =1",
        "\n=1",
        "<b>x</b>",
        "😀",
        "#N/A",
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


# -- the writers, on values of every type -------------------------------------------------

WHEN = datetime(2026, 11, 25, 10, 30, 15)
DAY = date(2026, 11, 30)
HEADERS = ["Text", "Int", "Amount", "Float", "Bool", "Empty", "When", "Day"]
TYPED_ROWS: list[tuple[Any, ...]] = [
    ("-5 is wrong", -5, Decimal("-5"), -1.25, True, None, WHEN, DAY),
    ("=1+1", 0, Decimal("1234567.891"), 0.5, False, "", WHEN, DAY),
]


def test_csv_keeps_numbers_and_dates_and_quotes_formulas(tmp_path: Path) -> None:
    path = tmp_path / "typed.csv"
    assert write_csv(path, HEADERS, TYPED_ROWS) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\n") == raw.count(b"\r\n") == 3
    assert read_csv(path) == [
        HEADERS,
        ["'-5 is wrong", "-5", "-5.00", "-1.25", "Yes", "", "2026-11-25 10:30:15", "2026-11-30"],
        ["'=1+1", "0", "1234567.89", "0.5", "No", "", "2026-11-25 10:30:15", "2026-11-30"],
    ]


def test_xlsx_keeps_numbers_and_dates_and_stores_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "typed.xlsx"
    assert write_xlsx(path, HEADERS, TYPED_ROWS, "Typed") == 2
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    assert sheet.title == "Typed"
    assert sheet.freeze_panes == "A2"
    header, first, second = (tuple(r) for r in sheet.iter_rows())
    assert [c.value for c in header] == HEADERS
    assert all(c.font.b for c in header)

    text, number, amount, real, flag, empty, when, day = first
    assert (text.value, text.data_type) == ("'-5 is wrong", "s")
    assert (number.value, number.data_type) == (-5, "n")
    assert (amount.value, amount.data_type, amount.number_format) == (-5, "n", "#,##0.00")
    assert (real.value, real.data_type) == (-1.25, "n")
    assert (flag.value, flag.data_type) == ("Yes", "s")  # a word, not Excel's TRUE
    assert empty.value is None
    assert when.is_date
    assert (when.value, when.number_format) == (WHEN, "yyyy-mm-dd hh:mm")
    assert day.is_date
    assert day.value == datetime(2026, 11, 30)
    assert day.number_format == "yyyy-mm-dd"

    assert (second[0].value, second[0].data_type) == ("'=1+1", "s")
    assert second[2].value == pytest.approx(1234567.89)
    assert second[4].value == "No"
    assert second[5].value is None  # empty text: no cell at all


def test_xlsx_text_that_xml_or_excel_would_change(tmp_path: Path) -> None:
    path = tmp_path / "odd.xlsx"
    texts = ["#N/A", "bell\x07here", "see _x0041_ here", "two\r\nlines", "a\rb"]
    write_xlsx(path, ["Text"], [(t,) for t in texts], "Odd")
    cells = [row[0] for row in read_xlsx(path)[1:]]
    assert [c.data_type for c in cells] == ["s"] * len(texts)  # "#N/A" is not an error value
    assert [c.value for c in cells] == [
        "#N/A",
        "bell\ufffdhere",  # XML cannot carry U+0007 at all
        "see _x005F_x0041_ here",  # openpyxl reads it raw; Excel reads "see _x0041_ here"
        "two\nlines",
        "a\nb",
    ]


def test_xlsx_columns_fit_their_content_with_cjk_counted_double(tmp_path: Path) -> None:
    path = tmp_path / "widths.xlsx"
    rows = [("x" * 20, "中" * 20, "y" * 500, 7, WHEN)]
    write_xlsx(path, ["A", "B", "C", "D", "E"], rows, "W")
    sheet = load_workbook(path).active
    assert sheet is not None
    widths = {key: dim.width for key, dim in sheet.column_dimensions.items()}
    assert widths == {"A": 22, "B": 42, "C": 60, "D": 6, "E": 18}


def test_sheet_title_is_made_acceptable_to_excel(tmp_path: Path) -> None:
    path = tmp_path / "title.xlsx"
    write_xlsx(path, ["A"], [("a",)], "Cases [2026]: open/closed? and a very long tail")
    sheet = load_workbook(path).active
    assert sheet is not None
    assert sheet.title == "Cases  2026   open closed  and"


def test_xlsx_refuses_more_rows_than_a_sheet_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_chinese: Callable[[DomainError], Any]
) -> None:
    monkeypatch.setattr(sheets, "XLSX_MAX_ROWS", 5)
    path = tmp_path / "big.xlsx"
    assert write_xlsx(path, ["n"], [(n,) for n in range(4)], "Big") == 4  # 5 rows with header
    path.unlink()
    with pytest.raises(ValidationError) as info:
        write_xlsx(path, ["n"], ((n,) for n in range(10)), "Big")
    in_chinese(info.value)
    assert "export it as CSV instead" in info.value.message("en")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("error", "reason"),
    [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "the disk or folder is read-only")],
)
def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    in_chinese: Callable[[DomainError], Any],
    kind: str,
    error: int,
    reason: str,
) -> None:
    path = tmp_path / f"list.{kind}"
    path.write_bytes(b"the export of last week")

    def replace(src: Any, dst: Any) -> None:
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(os, "replace", replace)
    write: Callable[[], int] = (
        (lambda: write_csv(path, HEADERS, TYPED_ROWS))
        if kind == "csv"
        else (lambda: write_xlsx(path, HEADERS, TYPED_ROWS, "Typed"))
    )
    with pytest.raises(StorageError) as info:
        write()
    in_chinese(info.value)
    assert info.value.message("en") == f"The export file {path} cannot be written: {reason}"
    assert path.read_bytes() == b"the export of last week"
    assert list(tmp_path.iterdir()) == [path]


def test_a_missing_folder_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as info:
        write_csv(tmp_path / "nowhere" / "list.csv", ["A"], [])
    assert info.value.message("en").endswith("the folder does not exist")


def test_a_failing_row_source_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"  # where openpyxl buffers a sheet while it is written
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    target = tmp_path / "out"
    target.mkdir()

    def rows() -> Iterator[tuple[Any, ...]]:
        yield ("first",)
        raise StorageError("The database is busy in another program: nothing was saved.")

    for name, write in (
        ("a.csv", lambda p: write_csv(p, ["A"], rows())),
        ("a.xlsx", lambda p: write_xlsx(p, ["A"], rows(), "A")),
    ):
        with pytest.raises(StorageError):
            write(target / name)
    gc.collect()  # a half-written sheet left open would complain here
    assert list(target.iterdir()) == []
    assert list(scratch.iterdir()) == []


def test_files_are_private(tmp_path: Path) -> None:
    write_csv(tmp_path / "a.csv", ["A"], [("a",)])
    write_xlsx(tmp_path / "a.xlsx", ["A"], [("a",)], "A")
    assert {(p.name, p.stat().st_mode & 0o777) for p in tmp_path.iterdir()} == {
        ("a.csv", 0o600),
        ("a.xlsx", 0o600),
    }


# -- a case with hostile notes, through the list "cases" -----------------------------------


@pytest.fixture
def hostile(store: Store) -> dict[str, str]:
    """One case per hostile note, written past the services as an import could bring them."""
    references: dict[str, str] = {}
    for number, note in enumerate(HOSTILE):
        record = cases.open_case(store, f"事项 {number}", company_name="甬港精密电子").value
        references[record.reference] = note
    with store.work() as work:
        for case in work.session.scalars(select(Case)):
            case.notes = references[case.reference]
            if case.notes == "-5 is wrong":
                case.amount_minor = -500
                case.title = "=cmd|' /C calc'!A0"
    return references


def test_hostile_notes_are_neutralised_in_csv(
    store: Store, hostile: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "cases.csv"
    assert export_list(store, "cases", path, format="csv").rows == len(HOSTILE)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    header, *rows = read_csv(path)
    assert (header[0], header[-1]) == ("Reference", "Notes")
    by_reference = {row[0]: row for row in rows}
    for reference, note in hostile.items():
        row = by_reference[reference]
        assert row[-1] == neutralise(note)
        assert row[7] == "2025-06-09 09:00:00"  # opened, at the fixed clock
    wrong = next(r for r in rows if r[-1] == "'-5 is wrong")
    assert wrong[1] == "'=cmd|' /C calc'!A0"
    assert (wrong[10], wrong[11]) == ("-5.00", "CNY")
    assert any(r[-1] == "中文备注：企业反馈 😀" for r in rows)
    assert {r[2] for r in rows} == {"甬港精密电子"}


def test_hostile_notes_are_neutralised_in_xlsx(
    store: Store, hostile: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "cases.xlsx"
    assert export_list(store, "cases", path, format="xlsx").rows == len(HOSTILE)
    header, *rows = read_xlsx(path)
    assert all(cell.data_type != "f" for row in [header, *rows] for cell in row)
    by_reference = {row[0].value: row for row in rows}
    for reference, note in hostile.items():
        row = by_reference[reference]
        assert row[-1].value == as_xlsx(note)
        assert row[-1].data_type == "s"
        opened = row[7]
        assert opened.is_date
        assert opened.value == datetime(2025, 6, 9, 9, 0)
        assert row[4].value == "No"  # fast-track: the officer's word, not FALSE
    wrong = next(r for r in rows if r[-1].value == "'-5 is wrong")
    assert wrong[1].value == "'=cmd|' /C calc'!A0"
    assert (wrong[10].value, wrong[10].data_type) == (-5, "n")
    assert any(r[-1].value == "中文备注：企业反馈 😀" for r in rows)
    # Nothing in the file itself is a formula either.
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    assert "<f " not in sheet_xml


# -- every list of the demo ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(tmp_path_factory.mktemp("demo") / "data", clock=lambda: DEMO_NOW)
    templates.install_builtin(store)
    build_demo(store, now=DEMO_NOW)
    yield store
    store.close()


MODELS = {
    "cases": Case,
    "actions": Action,
    "documents": Document,
    "communications": Communication,
    "contacts": Contact,
}


def db_count(store: Store, model: Any, *where: Any) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.parametrize("name", list(LISTS))
def test_every_list_has_a_row_per_record(demo: Store, tmp_path: Path, name: str) -> None:
    expected = db_count(demo, MODELS[name])
    assert expected > 0
    headers, rows = LISTS[name](demo)
    assert len(list(rows)) == expected
    assert LISTS[name].count(demo) == expected

    csv_path, xlsx_path = tmp_path / f"{name}.csv", tmp_path / f"{name}.xlsx"
    assert export_list(demo, name, csv_path, format="csv").rows == expected
    assert export_list(demo, name, xlsx_path, format="xlsx").rows == expected
    csv_rows = read_csv(csv_path)
    xlsx_rows = read_xlsx(xlsx_path)
    assert len(csv_rows) == len(xlsx_rows) == expected + 1
    assert csv_rows[0] == [c.value for c in xlsx_rows[0]] == headers
    assert all(len(row) == len(headers) for row in csv_rows)
    assert all(cell.data_type != "f" for row in xlsx_rows for cell in row)


@pytest.mark.parametrize("name", ["cases", "actions", "documents", "communications"])
def test_a_list_limited_to_one_case(demo: Store, tmp_path: Path, name: str) -> None:
    case_id = case_queries.by_reference(demo, "2026-0007").id
    model = MODELS[name]
    column = model.id if model is Case else model.case_id
    expected = db_count(demo, model, column == case_id)
    assert expected > 0
    path = tmp_path / "one.csv"
    assert export_list(demo, name, path, format="csv", case_id=case_id).rows == expected
    if name != "cases":
        case_column = 5 if name == "communications" else 0
        assert {row[case_column] for row in read_csv(path)[1:]} == {"2026-0007"}


def test_communications_between_two_days(demo: Store) -> None:
    expected = db_count(
        demo,
        Communication,
        Communication.at >= datetime(2026, 11, 1),
        Communication.at < datetime(2026, 11, 21),
    )
    assert 0 < expected < db_count(demo, Communication)
    _, rows = LISTS["communications"](demo, since=date(2026, 11, 1), until=date(2026, 11, 20))
    moments = [row[0] for row in rows]
    assert len(moments) == expected
    assert moments == sorted(moments)  # type: ignore[type-var]
    assert all(
        isinstance(m, datetime) and datetime(2026, 11, 1) <= m < datetime(2026, 11, 21)
        for m in moments
    )


def test_reading_in_small_chunks_gives_the_same_rows(
    demo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = {name: list(LISTS[name](demo).rows) for name in LISTS}
    monkeypatch.setattr(table_export, "CHUNK", 3)
    assert {name: list(LISTS[name](demo).rows) for name in LISTS} == whole
    phones = [row[3] for row in whole["contacts"]]
    assert any(isinstance(p, str) and "; " in p for p in phones)  # several numbers, one cell


def test_headers_and_labels_follow_the_language(demo: Store) -> None:
    set_language("zh_CN")
    headers, rows = LISTS["cases"](demo)
    assert headers[0] == "编号"
    first = next(rows)
    rows.close()  # ends the read transaction without reading the rest
    status = first[5]
    assert isinstance(status, str)
    assert status in {translate(m, "zh_CN") for m in CASE_STATUS.values()}
    assert not status.isascii()
    assert all(not h.isascii() for h in headers), headers


def test_steps_and_documents_carry_their_waiting_and_working_time(
    demo: Store, tmp_path: Path
) -> None:
    """The two columns read as the Actions and Documents lists read them, in Chinese."""
    set_language("zh_CN")
    calendar, per_day = demo.calendar(), demo.calendar().seconds_per_day
    export_list(demo, "actions", tmp_path / "a.csv", format="csv")
    header, *rows = read_csv(tmp_path / "a.csv")
    assert header[4:6] == ["等待", "工作时间"]
    with demo.read() as session:
        ordered = list(
            session.scalars(select(Action.id).order_by(Action.case_id, Action.position, Action.id))
        )
    steps = action_queries.rows(demo, ordered)
    expected = []
    for ident in ordered:
        held = action_queries.held_seconds(steps[ident], calendar, DEMO_NOW)
        margin = action_queries.due_margin(steps[ident], calendar, DEMO_NOW)
        expected.append(
            [duration_text(held, per_day) if held is not None else "", margin_text(margin, per_day)]
        )
    assert [row[4:6] for row in rows] == expected
    assert any("超时" in row[5] for row in rows)  # the demo has steps past due
    assert sum(1 for row in rows if row[4]) > len(rows) // 2

    export_list(demo, "documents", tmp_path / "d.csv", format="csv")
    header, *rows = read_csv(tmp_path / "d.csv")
    assert header[4] == "等待"
    with demo.read() as session:
        ordered = list(
            session.scalars(
                select(Document.id).order_by(Document.case_id, Document.position, Document.id)
            )
        )
    papers = document_queries.rows(demo, ordered)
    waiting = [document_queries.held_seconds(papers[i], calendar, DEMO_NOW) for i in ordered]
    assert [row[4] for row in rows] == [
        duration_text(w, per_day) if w is not None else "" for w in waiting
    ]
    assert any(row[4] for row in rows)


def test_yes_and_no_are_words_in_both_languages(demo: Store, tmp_path: Path) -> None:
    set_language("zh_CN")
    export_list(demo, "cases", tmp_path / "cases.xlsx", format="xlsx")
    export_list(demo, "cases", tmp_path / "cases.csv", format="csv")
    fast = [row[4].value for row in read_xlsx(tmp_path / "cases.xlsx")[1:]]
    assert set(fast) == {"是", "否"}
    assert {row[4] for row in read_csv(tmp_path / "cases.csv")[1:]} == {"是", "否"}
    set_language("en")
    export_list(demo, "cases", tmp_path / "cases.csv", format="csv")
    assert {row[4] for row in read_csv(tmp_path / "cases.csv")[1:]} == {"Yes", "No"}


def test_filters_that_do_not_apply_are_refused(
    demo: Store, tmp_path: Path, in_chinese: Callable[[DomainError], Any]
) -> None:
    path = tmp_path / "x.csv"
    attempts: list[Callable[[], Any]] = [
        lambda: export_list(demo, "contacts", path, format="csv", case_id=1),
        lambda: export_list(demo, "cases", path, format="csv", since=date(2026, 1, 1)),
        lambda: export_list(
            demo, "communications", path, format="csv", since=DAY, until=date(2026, 11, 1)
        ),
        lambda: export_list(demo, "meetings", path, format="csv"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as info:
            attempt()
        in_chinese(info.value)
    assert not path.exists()


def test_xlsx_too_long_is_refused_before_anything_is_written(
    demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_export, "XLSX_MAX_ROWS", 100)
    with pytest.raises(ValidationError):
        export_list(demo, "communications", tmp_path / "c.xlsx", format="xlsx")
    assert export_list(demo, "communications", tmp_path / "c.csv", format="csv").rows > 100
    assert [p.name for p in tmp_path.iterdir()] == ["c.csv"]


# -- the command line ---------------------------------------------------------------------


def test_cli_export_list(demo: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(demo.data_dir)
    csv_path, xlsx_path = tmp_path / "cases.csv", tmp_path / "comms.xlsx"
    assert (
        main(["--data-dir", data, "--lang", "en", "export-list", "cases", "--csv", str(csv_path)])
        == 0
    )
    count = db_count(demo, Case)
    assert capsys.readouterr().out.strip() == (
        f"Exported the list Cases to {csv_path}: {count} rows."
    )
    assert len(read_csv(csv_path)) == count + 1
    # In Chinese, the list by its Chinese name, not the word typed for it.
    chinese = ["--data-dir", data, "--lang", "zh_CN", "export-list", "cases", "--csv"]
    assert main([*chinese, str(csv_path)]) == 0
    assert capsys.readouterr().out.strip() == f"已将列表“事项”导出到 {csv_path}：共 {count} 行。"

    argv = ["--data-dir", data, "--lang", "en", "export-list", "communications"]
    case_filter = ["--case", "2026-0007", "--since", "2026-11-01", "--until", "2026-11-20"]
    assert main([*argv, "--xlsx", str(xlsx_path), *case_filter]) == 0
    case_id = case_queries.by_reference(demo, "2026-0007").id
    expected = db_count(
        demo,
        Communication,
        Communication.case_id == case_id,
        Communication.at >= datetime(2026, 11, 1),
        Communication.at < datetime(2026, 11, 21),
    )
    assert f": {expected} rows." in capsys.readouterr().out
    assert len(read_xlsx(xlsx_path)) == expected + 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["communications", "--since", "2026-13-01"], "“2026-13-01” is not a date"),
        (["cases", "--case", "2099-9999"], "There is no case 2099-9999."),
        (["contacts", "--case", "2026-0007"], "cannot be limited to one case"),
    ],
)
def test_cli_export_list_refusals(
    demo: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    target = tmp_path / "out.csv"
    argv = ["--data-dir", str(demo.data_dir), "--lang", "en", "export-list", extra[0]]
    assert main([*argv, "--csv", str(target), *extra[1:]]) == 2
    assert message in capsys.readouterr().err
    assert not target.exists()
