"""Lists as spreadsheets: CSV and Excel (.xlsx) files that are safe to open.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(or the full-width ``＝ ＋ － ＠`` that Excel accepts as formula starts in East Asian
input) would run as a formula when a spreadsheet opens the file (CSV / formula
injection): a note ``=HYPERLINK("http://evil", "click")`` pasted from a chat must stay
text. :func:`neutralise` puts a single quote before such text, as OWASP recommends.
In .xlsx every text is moreover stored as a string cell, so even an unneutralised
``=`` could not become a formula, and ``#N/A`` stays text rather than an error value.
Numbers, amounts, dates and booleans keep their types (``-5`` is the number -5; a note
``"-5 is wrong"`` is text and gets the quote).

Both writers stream: the rows are an iterable, read from the database in chunks, so a
million communications never sit in memory at once. Both write atomically: a hidden
temporary file beside the target, flushed to disk, then renamed over it (mode 0600);
a failure leaves the previous file, if any, untouched and no partial file behind.

:data:`LISTS` names the lists the app exports; :func:`export_list` writes one.
"""

from __future__ import annotations

import csv
import errno
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, TypeAlias

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from coordinator import labels
from coordinator.errors import StorageError, ValidationError
from coordinator.i18n import N_, Msg, _, current_language
from coordinator.store.models import (
    Action,
    Case,
    CaseTag,
    Communication,
    Contact,
    Document,
    Handle,
    Organisation,
    PhoneNumber,
    Template,
)
from coordinator.store.records import amount_from_minor
from coordinator.store.storage import Store

__all__ = [
    "LISTS",
    "XLSX_MAX_ROWS",
    "Cell",
    "ExportedList",
    "ListTable",
    "TableList",
    "export_list",
    "neutralise",
    "write_csv",
    "write_xlsx",
]

Cell = str | int | float | Decimal | datetime | date | bool | None
Row = Sequence[Cell]
Format = Literal["csv", "xlsx"]

if TYPE_CHECKING:  # SQLAlchemy 2.1 types a Select by its columns; any columns here
    Query: TypeAlias = Select[*tuple[Any, ...]]

# Text starting with one of these is a formula to Excel, LibreOffice or Google Sheets.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

XLSX_MAX_ROWS: Final = 1_048_576  # a sheet's rows, the header row included
XLSX_MAX_TEXT: Final = 32_767  # characters in one cell
CHUNK: Final = 1_000  # rows read from the database at a time
WIDTH_SAMPLE: Final = 1_000  # rows looked at to fit the column widths
MIN_WIDTH: Final = 6
MAX_WIDTH: Final = 60
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm"
DATE_FORMAT: Final = "yyyy-mm-dd"
AMOUNT_FORMAT: Final = "#,##0.00"
CENT: Final = Decimal("0.01")

_MSG_WRITE = N_("The export file {path} cannot be written: {reason}")
_MSG_TOO_MANY_ROWS = N_(
    "The list has {count} rows, more than the {limit} an Excel sheet can hold: "
    "export it as CSV instead."
)

# Characters XML 1.0 cannot carry at all; Excel would call the file damaged.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Excel reads "_x0041_" in a cell as "A"; a literal one is escaped as "_x005F_x0041_".
_OOXML_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


# -- writing files atomically -----------------------------------------------------------


def _reason(exc: OSError) -> Msg | str:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return N_("the disk is full")
    if exc.errno == errno.EROFS:
        return N_("the disk or folder is read-only")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return N_("you have no permission to write there")
    if exc.errno == errno.ENOENT:
        return N_("the folder does not exist")
    return exc.strerror or str(exc)


def _fsync_directory(folder: Path) -> None:
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed over it when the block ends without error.

    The temporary file is created owner-only (0600); on any error it is removed and
    ``path`` keeps whatever it held before. OSError becomes a readable StorageError.
    """
    temporary: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        temporary = Path(name)
        os.chmod(temporary, 0o600)
        yield temporary
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
        temporary = None
        _fsync_directory(path.parent)
    except OSError as exc:
        raise StorageError(_MSG_WRITE, path=str(path), reason=_reason(exc)) from exc
    finally:
        if temporary is not None:
            with suppress(OSError):
                temporary.unlink()


# -- CSV ------------------------------------------------------------------------------


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else neutralise(str(value))
    if isinstance(value, Decimal):
        return f"{value.quantize(CENT):f}" if value.is_finite() else neutralise(str(value))
    if isinstance(value, datetime):
        return _naive(value).isoformat(sep=" ", timespec="seconds")
    return value.isoformat()


def write_csv(path: str | os.PathLike[str], headers: Sequence[str], rows: Iterable[Row]) -> int:
    """Write a CSV file Excel opens as it is: UTF-8 with a BOM, CRLF, minimal quoting.

    Returns the number of rows written (the header row not counted).
    """
    target = Path(path)
    count = 0
    with (
        _atomic_target(target) as temporary,
        temporary.open("w", encoding="utf-8-sig", newline="") as out,
    ):
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([neutralise(str(h)) for h in headers])
        for row in rows:
            writer.writerow([_csv_text(v) for v in row])
            count += 1
    return count


# -- Excel ------------------------------------------------------------------------------


def _naive(value: datetime) -> datetime:
    """Excel has no time zones: an aware datetime is shown in local time."""
    return value if value.tzinfo is None else value.astimezone().replace(tzinfo=None)


def _xlsx_text(value: str) -> str:
    """Neutralised text as XML can carry it and Excel shows it.

    XML reads every line end as LF, so CR LF and CR are written as LF (what Excel uses
    inside a cell anyway); characters XML cannot hold become U+FFFD.
    """
    text = neutralise(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _NOT_IN_XML.sub("\ufffd", text)
    text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    return text[:XLSX_MAX_TEXT]


def _display_width(value: Cell) -> int:
    """Columns a value needs; CJK and other wide characters count double."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, Decimal):
        text = f"{value:,.2f}" if value.is_finite() else str(value)
    elif isinstance(value, bool):
        text = "FALSE"
    else:
        text = str(value)
    widest = 0
    for line in text[: MAX_WIDTH * 4].split("\n"):
        width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
        widest = max(widest, width)
    return widest


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", title).strip().strip("'")
    return cleaned[:31].rstrip() or "Sheet1"


class _XlsxCells:
    """Turns values into openpyxl cells of the right type and number format."""

    def __init__(self, sheet: Any) -> None:
        from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]
        from openpyxl.styles import Font  # type: ignore[import-untyped, unused-ignore]

        self._sheet = sheet
        self._new: Callable[..., Any] = WriteOnlyCell
        self._bold = Font(bold=True)

    def text(self, value: str, *, bold: bool = False) -> Any:
        return self._string_cell(_xlsx_text(value), bold=bold)

    def _string_cell(self, text: str, *, bold: bool = False) -> Any:
        cell = self._new(self._sheet, value=text)
        cell.data_type = "s"  # never a formula, never an error value such as "#N/A"
        if bold:
            cell.font = self._bold
        return cell

    def _formatted(self, value: object, number_format: str) -> Any:
        cell = self._new(self._sheet, value=value)
        cell.number_format = number_format
        return cell

    def value(self, value: Cell) -> Any:
        if value is None or isinstance(value, bool | int):
            return value
        if isinstance(value, str):
            text = _xlsx_text(value)
            if not text:
                return None
            # openpyxl itself stores text as a string cell unless it starts with "=" (a
            # formula) or "#" (an error value such as "#N/A"): only those need a cell
            # made here, and skipping the others is a fifth of the time of a big export.
            return text if text[0] not in "=#" else self._string_cell(text)
        if isinstance(value, float):
            return value if math.isfinite(value) else self.text(str(value))
        if isinstance(value, Decimal):
            if not value.is_finite():
                return self.text(str(value))
            return self._formatted(value.quantize(CENT), AMOUNT_FORMAT)
        if isinstance(value, datetime):
            return self._formatted(_naive(value), DATETIME_FORMAT)
        return self._formatted(value, DATE_FORMAT)


def _discard_sheet_buffer(sheet: Any) -> None:
    """Remove the temporary file openpyxl streams a write-only sheet into, after a failure."""
    writer = getattr(sheet, "_writer", None)
    if writer is None:
        return
    with suppress(Exception):
        sheet.close()  # ends the generators that hold the file open
    with suppress(Exception):
        writer.cleanup()


def write_xlsx(
    path: str | os.PathLike[str],
    headers: Sequence[str],
    rows: Iterable[Row],
    sheet_title: str,
) -> int:
    """Write one sheet: a bold, frozen header row, fitted columns, typed cells.

    Texts are string cells, neutralised; numbers stay numbers, Decimals are amounts
    with two decimals, datetimes show as yyyy-mm-dd hh:mm. Column widths are fitted to
    the header and the first rows (CJK characters count double), within 6 to 60.
    Raises ValidationError past Excel's 1,048,576 rows: such a list goes to CSV.
    Returns the number of rows written (the header row not counted).
    """
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

    target = Path(path)
    iterator = iter(rows)
    first = list(islice(iterator, WIDTH_SAMPLE))
    columns = max([len(headers), *(len(r) for r in first)])
    widths = [MIN_WIDTH] * columns
    for row in [headers, *first]:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _display_width(value) + 2)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    count = 0
    try:
        sheet.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_WIDTH)
        cells = _XlsxCells(sheet)
        sheet.append([cells.text(str(h), bold=True) for h in headers])
        for batch in (first, iterator):
            for row in batch:
                count += 1
                if count >= XLSX_MAX_ROWS:
                    raise ValidationError(
                        _MSG_TOO_MANY_ROWS,
                        count=f"{count:,}+",
                        limit=f"{XLSX_MAX_ROWS - 1:,}",
                    )
                sheet.append([cells.value(v) for v in row])
        if columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{count + 1}"
        with _atomic_target(target) as temporary:
            workbook.save(temporary)
    except BaseException:
        _discard_sheet_buffer(sheet)
        raise
    return count


# -- the lists --------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilter:
    case_id: int | None = None
    since: datetime | None = None  # from this moment on
    before: datetime | None = None  # up to, not including, this moment


class ListTable(NamedTuple):
    """A list ready to write: translated headers and its rows, read as they are consumed."""

    headers: list[str]
    rows: Generator[Row, None, None]


Convert = Callable[[Session, Sequence[Any]], Iterator[Row]]


@dataclass(frozen=True)
class TableList:
    """One exportable list: its column headers, its query and how a row of it reads."""

    name: str
    title: Msg
    headers: tuple[Msg, ...]
    statement: Callable[[ListFilter], Query]
    convert: Convert
    by_case: bool = True
    by_date: bool = False

    def _filter(
        self, case_id: int | None, since: date | datetime | None, until: date | datetime | None
    ) -> ListFilter:
        if case_id is not None and not self.by_case:
            raise ValidationError(
                N_("The list “{name}” cannot be limited to one case."), name=self.title
            )
        if (since is not None or until is not None) and not self.by_date:
            raise ValidationError(
                N_("The list “{name}” cannot be limited to dates."), name=self.title
            )
        start = _start_of(since)
        before = _after(until)
        if start is not None and before is not None and start >= before:
            raise ValidationError(N_("The start date is after the end date."))
        return ListFilter(case_id, start, before)

    def __call__(
        self,
        store: Store,
        *,
        case_id: int | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
    ) -> ListTable:
        """The headers in the current language and the rows, streamed from the store.

        ``since`` and ``until`` are inclusive; a date ``until`` takes in its whole day.
        The rows are read inside one read transaction that stays open until they are
        all consumed (or the iterator is closed).
        """
        filters = self._filter(case_id, since, until)
        return ListTable([_(h) for h in self.headers], self._rows(store, filters))

    def count(
        self,
        store: Store,
        *,
        case_id: int | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
    ) -> int:
        filters = self._filter(case_id, since, until)
        statement = self.statement(filters).order_by(None).subquery()
        with store.read() as session:
            return int(session.scalar(select(func.count()).select_from(statement)) or 0)

    def _rows(self, store: Store, filters: ListFilter) -> Generator[Row, None, None]:
        with store.read() as session:
            result = session.execute(
                self.statement(filters), execution_options={"yield_per": CHUNK}
            )
            for chunk in result.partitions():
                yield from self.convert(session, chunk)


def _start_of(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min)


def _after(value: date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    return datetime.combine(value + timedelta(days=1), time.min)


def _label(names: Mapping[Any, Msg], value: Any) -> str:
    name = names.get(value)
    return name.tr() if name is not None else str(value)


def _kind_names(session: Session) -> dict[str, str]:
    chinese = current_language() == "zh_CN"
    return {
        key: (name if chinese else (name_en or name))
        for key, name, name_en in session.execute(
            select(Template.key, Template.name, Template.name_en)
        )
    }


# Headers. Existing field names are reused where they mean the same.
H_REFERENCE = N_("Reference")
H_CASE = N_("Case reference")
H_COMPANY = N_("Company")
H_STATUS = N_("Status")
H_REQUESTED = N_("Requested at")
H_DONE = N_("Done at")
H_NOTES = labels.F_NOTES
H_TITLE = labels.F_TITLE


def _cases_statement(f: ListFilter) -> Query:
    statement = (
        select(
            Case.id,
            Case.reference,
            Case.title,
            Organisation.name,
            Case.kind,
            Case.fast_track,
            Case.status,
            Case.owner,
            Case.opened_at,
            Case.target_at,
            Case.closed_at,
            Case.amount_minor,
            Case.currency,
            Case.notes,
        )
        .outerjoin(Organisation, Case.company_id == Organisation.id)
        .order_by(Case.opened_at, Case.id)
    )
    if f.case_id is not None:
        statement = statement.where(Case.id == f.case_id)
    return statement


def _cases_rows(session: Session, chunk: Sequence[Any]) -> Iterator[Row]:
    tags: dict[int, list[str]] = {}
    for case_id, tag in session.execute(
        select(CaseTag.case_id, CaseTag.tag)
        .where(CaseTag.case_id.in_([r.id for r in chunk]))
        .order_by(CaseTag.case_id, CaseTag.tag)
    ):
        tags.setdefault(case_id, []).append(tag)
    kinds = _kind_names(session)
    for r in chunk:
        yield (
            r.reference,
            r.title,
            r.name,
            kinds.get(r.kind, r.kind),
            r.fast_track,
            _label(labels.CASE_STATUS, r.status),
            r.owner,
            r.opened_at,
            r.target_at,
            r.closed_at,
            amount_from_minor(r.amount_minor),
            r.currency if r.amount_minor is not None else "",
            ", ".join(tags.get(r.id, ())),
            r.notes,
        )


def _actions_statement(f: ListFilter) -> Query:
    statement = (
        select(
            Case.reference,
            Organisation.name,
            Action.title,
            Action.status,
            Action.requested_at,
            Action.due_at,
            Action.done_at,
            Action.blocked_reason,
            Action.notes,
        )
        .join(Case, Action.case_id == Case.id)
        .join(Organisation, Action.department_id == Organisation.id)
        .order_by(Action.case_id, Action.position, Action.id)
    )
    if f.case_id is not None:
        statement = statement.where(Action.case_id == f.case_id)
    return statement


def _actions_rows(_session: Session, chunk: Sequence[Any]) -> Iterator[Row]:
    for r in chunk:
        yield (
            r.reference,
            r.name,
            r.title,
            _label(labels.ACTION_STATUS, r.status),
            r.requested_at,
            r.due_at,
            r.done_at,
            r.blocked_reason,
            r.notes,
        )


_Holder = aliased(Organisation)


def _documents_statement(f: ListFilter) -> Query:
    statement = (
        select(
            Case.reference,
            Document.title,
            Document.state,
            _Holder.name,
            Document.requested_at,
            Document.received_at,
            Document.forwarded_at,
            Document.accepted_at,
            Document.returned_at,
            Document.version,
            Document.notes,
        )
        .join(Case, Document.case_id == Case.id)
        .outerjoin(_Holder, Document.holder_id == _Holder.id)
        .order_by(Document.case_id, Document.position, Document.id)
    )
    if f.case_id is not None:
        statement = statement.where(Document.case_id == f.case_id)
    return statement


def _documents_rows(_session: Session, chunk: Sequence[Any]) -> Iterator[Row]:
    me = _("me")  # the holder of a document nobody else holds: the officer
    for r in chunk:
        yield (
            r.reference,
            r.title,
            _label(labels.DOCUMENT_STATE, r.state),
            r.name if r.name is not None else me,
            r.requested_at,
            r.received_at,
            r.forwarded_at,
            r.accepted_at,
            r.returned_at,
            r.version,
            r.notes,
        )


def _communications_statement(f: ListFilter) -> Query:
    statement = (
        select(
            Communication.at,
            Communication.direction,
            Communication.channel,
            Contact.name,
            Communication.raw_number,
            Communication.number_e164,
            Case.reference,
            Communication.duration_seconds,
            Communication.notes,
            Communication.follow_up_due,
            Communication.follow_up_done_at,
        )
        .outerjoin(Contact, Communication.contact_id == Contact.id)
        .outerjoin(Case, Communication.case_id == Case.id)
        .order_by(Communication.at, Communication.id)
    )
    if f.case_id is not None:
        statement = statement.where(Communication.case_id == f.case_id)
    if f.since is not None:
        statement = statement.where(Communication.at >= f.since)
    if f.before is not None:
        statement = statement.where(Communication.at < f.before)
    return statement


def _communications_rows(_session: Session, chunk: Sequence[Any]) -> Iterator[Row]:
    for r in chunk:
        yield (
            r.at,
            _label(labels.DIRECTION, r.direction),
            _label(labels.CHANNEL, r.channel),
            r.name,
            r.raw_number or r.number_e164,
            r.reference,
            r.duration_seconds,
            r.notes,
            r.follow_up_due,
            r.follow_up_done_at,
        )


def _contacts_statement(_f: ListFilter) -> Query:
    return (
        select(Contact.id, Contact.name, Organisation.name.label("organisation"), Contact.role)
        .outerjoin(Organisation, Contact.organisation_id == Organisation.id)
        .order_by(Contact.pinyin, Contact.name, Contact.id)
    )


def _contacts_rows(session: Session, chunk: Sequence[Any]) -> Iterator[Row]:
    ids = [r.id for r in chunk]
    phones: dict[int, list[str]] = {}
    for contact_id, raw, label in session.execute(
        select(PhoneNumber.contact_id, PhoneNumber.raw, PhoneNumber.label)
        .where(PhoneNumber.contact_id.in_(ids))
        .order_by(PhoneNumber.contact_id, PhoneNumber.position, PhoneNumber.id)
    ):
        phones.setdefault(contact_id, []).append(f"{raw} ({label})" if label else raw)
    handles: dict[int, list[str]] = {}
    for contact_id, channel, handle in session.execute(
        select(Handle.contact_id, Handle.channel, Handle.handle)
        .where(Handle.contact_id.in_(ids))
        .order_by(Handle.contact_id, Handle.id)
    ):
        handles.setdefault(contact_id, []).append(f"{_label(labels.CHANNEL, channel)}: {handle}")
    for r in chunk:
        yield (
            r.name,
            r.organisation,
            r.role,
            "; ".join(phones.get(r.id, ())),
            "; ".join(handles.get(r.id, ())),
        )


LISTS: Final[Mapping[str, TableList]] = MappingProxyType(
    {
        "cases": TableList(
            "cases",
            N_("Cases"),
            (
                H_REFERENCE,
                H_TITLE,
                H_COMPANY,
                labels.F_KIND,
                N_("Fast-track"),
                H_STATUS,
                labels.F_OWNER,
                labels.F_OPENED,
                labels.F_TARGET,
                N_("Closed at"),
                labels.F_AMOUNT,
                labels.F_CURRENCY,
                N_("Tags"),
                H_NOTES,
            ),
            _cases_statement,
            _cases_rows,
        ),
        "actions": TableList(
            "actions",
            N_("Department actions"),
            (
                H_CASE,
                labels.F_DEPARTMENT,
                H_TITLE,
                H_STATUS,
                H_REQUESTED,
                labels.F_DUE,
                H_DONE,
                N_("Blocked reason"),
                H_NOTES,
            ),
            _actions_statement,
            _actions_rows,
        ),
        "documents": TableList(
            "documents",
            N_("Documents"),
            (
                H_CASE,
                H_TITLE,
                N_("State"),
                N_("Holder"),
                H_REQUESTED,
                N_("Received at"),
                N_("Forwarded at"),
                N_("Accepted at"),
                N_("Returned at"),
                N_("Version"),
                H_NOTES,
            ),
            _documents_statement,
            _documents_rows,
        ),
        "communications": TableList(
            "communications",
            N_("Communications"),
            (
                labels.F_AT,
                N_("Direction"),
                N_("Channel"),
                N_("Contact"),
                labels.F_NUMBER,
                H_CASE,
                N_("Duration (s)"),
                H_NOTES,
                N_("Follow-up due"),
                N_("Follow-up done at"),
            ),
            _communications_statement,
            _communications_rows,
            by_date=True,
        ),
        "contacts": TableList(
            "contacts",
            N_("Contacts"),
            (
                N_("Full name"),
                N_("Organisation"),
                labels.F_ROLE,
                N_("Phone numbers"),
                N_("Messaging handles"),
            ),
            _contacts_statement,
            _contacts_rows,
            by_case=False,
        ),
    }
)


@dataclass(frozen=True)
class ExportedList:
    name: str
    path: Path
    format: Format
    rows: int


def export_list(
    store: Store,
    name: str,
    path: str | os.PathLike[str],
    *,
    format: Format,
    case_id: int | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> ExportedList:
    """Write the list ``name`` of :data:`LISTS` to ``path`` as CSV or .xlsx."""
    table_list = LISTS.get(name)
    if table_list is None:
        raise ValidationError(
            N_("There is no list “{name}”; the lists are: {names}."),
            name=name,
            names=", ".join(LISTS),
        )
    target = Path(path)
    if format == "xlsx":
        total = table_list.count(store, case_id=case_id, since=since, until=until)
        if total >= XLSX_MAX_ROWS:
            raise ValidationError(
                _MSG_TOO_MANY_ROWS, count=f"{total:,}", limit=f"{XLSX_MAX_ROWS - 1:,}"
            )
    headers, rows = table_list(store, case_id=case_id, since=since, until=until)
    with closing(rows):  # ends the read transaction even if writing fails half-way
        if format == "xlsx":
            written = write_xlsx(target, headers, rows, _(table_list.title))
        else:
            written = write_csv(target, headers, rows)
    return ExportedList(name, target, format, written)
