"""Spreadsheets that are safe to open: CSV and Excel (.xlsx) writers.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(or the full-width ``＝ ＋ － ＠`` that Excel accepts as formula starts in East Asian
input) would run as a formula when a spreadsheet opens the file (CSV / formula
injection): a note ``=HYPERLINK("http://evil", "click")`` pasted from a chat must stay
text. :func:`neutralise` puts a single quote before such text, as OWASP recommends.
In .xlsx every text is moreover stored as a string cell, so even an unneutralised
``=`` could not become a formula, and ``#N/A`` stays text rather than an error value.
Numbers, amounts and dates keep their types (``-5`` is the number -5; a note
``"-5 is wrong"`` is text and gets the quote). A yes/no value is written as the word the
officer reads, 是/否 (Yes/No in English): Excel's TRUE/FALSE is no word of theirs.

Both writers stream: the rows are an iterable, consumed as they are written, so a
million communications never sit in memory at once. Both write atomically
(:func:`coordinator.exchange.atomic_file.atomic_target`): a failure leaves the previous
file, if any, untouched and no partial file behind.
"""

from __future__ import annotations

import csv
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, Final

from coordinator.errors import ValidationError
from coordinator.exchange.atomic_file import atomic_target
from coordinator.i18n import N_, _

__all__ = [
    "XLSX_MAX_ROWS",
    "Cell",
    "Row",
    "neutralise",
    "write_csv",
    "write_xlsx",
    "yes_no",
]

Cell = str | int | float | Decimal | datetime | date | bool | None
Row = Sequence[Cell]

# Text starting with one of these is a formula to Excel, LibreOffice or Google Sheets.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

XLSX_MAX_ROWS: Final = 1_048_576  # a sheet's rows, the header row included
XLSX_MAX_TEXT: Final = 32_767  # characters in one cell
WIDTH_SAMPLE: Final = 1_000  # rows looked at to fit the column widths
MIN_WIDTH: Final = 6
MAX_WIDTH: Final = 60
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm"
DATE_FORMAT: Final = "yyyy-mm-dd"
AMOUNT_FORMAT: Final = "#,##0.00"
CENT: Final = Decimal("0.01")

MSG_TOO_MANY_ROWS = N_(
    "The list has {count} rows, more than the {limit} an Excel sheet can hold: "
    "export it as CSV instead."
)

# Characters XML 1.0 cannot carry at all; Excel would call the file damaged.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Excel reads "_x0041_" in a cell as "A"; a literal one is escaped as "_x005F_x0041_".
_OOXML_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def yes_no(value: bool) -> str:
    """A yes/no cell in the officer's language."""
    return _("Yes") if value else _("No")


def neutralise(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


# -- CSV ------------------------------------------------------------------------------


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return yes_no(value)
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
        atomic_target(target) as temporary,
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
        text = yes_no(value)
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
        if isinstance(value, bool):
            return yes_no(value)
        if value is None or isinstance(value, int):
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
                        MSG_TOO_MANY_ROWS,
                        count=f"{count:,}+",
                        limit=f"{XLSX_MAX_ROWS - 1:,}",
                    )
                sheet.append([cells.value(v) for v in row])
        if columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{count + 1}"
        with atomic_target(target) as temporary:
            workbook.save(temporary)
    except BaseException:
        _discard_sheet_buffer(sheet)
        raise
    return count
