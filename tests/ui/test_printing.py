"""Reports on A4: PDFs written from demo data and read back, in English and Chinese.

Each report is written as a PDF (through ``ui.printing.pdf.write_pdf`` or the command line
``liaison-hub summary|report``) and its text extracted with pypdf to check the facts:
references, company and department names in Chinese, "page N of M". Notes holding
markup must print as the characters typed. Chinese must be drawn as real glyphs, not
boxes: a page is painted onto an image and compared with the same page in characters
no font has.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from coordinator import reports
from coordinator.demo.build import build_demo
from coordinator.i18n import set_language, translate
from coordinator.kinds import Indicator
from coordinator.queries import cases as case_queries
from coordinator.reports import Report
from coordinator.safety.opening import open_store
from coordinator.services import cases, communications, indicators, templates
from coordinator.store.storage import Store
from ui import launcher
from ui.printing.fonts import register_fonts
from ui.printing.pdf import write_pdf

DEMO_NOW = datetime(2026, 11, 25, 10, 30)
MARKUP = '<b>x</b>\n<img src=x>\n=HYPERLINK("x")'
AOI_COMPANY = "宁波澄明光电科技有限公司"
AOI_DEPARTMENTS = ("园区管委会", "区市场监督管理局", "公安分局印章管理中心", "区税务局")


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    set_language("en")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "data"
    store = open_store(folder, clock=lambda: DEMO_NOW)
    templates.install_builtin(store)
    build_demo(store, now=DEMO_NOW)
    # The demo counts 350 m from outside the city (150 m of it the AOI landing); a 1.2 bn
    # target makes that 29.2 %.
    indicators.set_target(store, 2026, Indicator.DOMESTIC_OUTSIDE_CITY, "1200000000")
    store.close()
    return folder


@pytest.fixture
def demo(demo_dir: Path) -> Iterator[Store]:
    store = open_store(demo_dir, clock=lambda: DEMO_NOW)
    yield store
    store.close()


@pytest.fixture
def aoi_reference(demo: Store) -> str:
    return next(c.reference for c in case_queries.list_cases(demo) if "AOI" in c.title)


def pdf_pages(path: Path) -> list[str]:
    """Each page's text with all white space removed (CJK extraction spaces oddly)."""
    return ["".join(page.extract_text().split()) for page in PdfReader(path).pages]


def page_label(lang: str, page: int, pages: int) -> str:
    return "".join(translate("Page {page} of {pages}", lang).format(page=page, pages=pages).split())


def squeeze(text: str) -> str:
    return "".join(text.split())


# -- the case summary -----------------------------------------------------------------------


def test_case_summary_pdf_in_english(
    qapp: QApplication, demo: Store, aoi_reference: str, tmp_path: Path
) -> None:
    set_language("en")
    report = reports.summary_by_reference(demo, aoi_reference, now=DEMO_NOW)
    pdf = tmp_path / "summary.pdf"
    pages = write_pdf(report, pdf)
    assert pages > 1  # 50 communications and 9 documents do not fit one page
    text = pdf_pages(pdf)
    assert len(text) == pages
    whole = "".join(text)
    for expected in (
        aoi_reference,
        AOI_COMPANY,
        "澄明光电AOI自动光学检测项目注册落地",
        *AOI_DEPARTMENTS,
    ):
        assert expected in whole, expected
    for heading in ("Casesummary", "Fast-trackclock", "Stepsbydepartment", "Documentchecklist"):
        assert heading in whole
    assert "Communicationlog" in whole
    assert "Keyevents" in whole
    for number, page in enumerate(text, start=1):
        assert page_label("en", number, pages) in page
    # The header: "Office" is left out, its "ffi" ligature extracts badly from the font.
    assert "InvestmentService" in text[0]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_case_summary_from_the_command_line(
    qapp: QApplication,
    demo_dir: Path,
    aoi_reference: str,
    tmp_path: Path,
    lang: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pdf = tmp_path / f"summary-{lang}.pdf"
    argv = ["--data-dir", str(demo_dir), "--lang", lang, "summary", aoi_reference, "--pdf"]
    assert launcher.main([*argv, str(pdf)]) == 0
    out = capsys.readouterr().out
    text = pdf_pages(pdf)
    assert str(pdf) in out
    assert str(len(text)) in out
    whole = "".join(text)
    assert aoi_reference in whole
    assert AOI_COMPANY in whole
    for department in AOI_DEPARTMENTS:
        assert department in whole
    assert page_label(lang, 1, len(text)) in text[0]
    summary = squeeze(translate("Case summary", lang))
    assert summary in text[0]
    if lang == "zh_CN":
        assert "第1页" in text[0]
        assert "特事特办" in whole
        assert "Casesummary" not in whole


def test_company_version_leaves_notes_out(
    qapp: QApplication, demo_dir: Path, aoi_reference: str, tmp_path: Path
) -> None:
    full, company = tmp_path / "full.pdf", tmp_path / "company.pdf"
    base = ["--data-dir", str(demo_dir), "--lang", "en", "summary", aoi_reference]
    assert launcher.main([*base, "--pdf", str(full)]) == 0
    assert launcher.main([*base, "--no-notes", "--pdf", str(company)]) == 0
    note = squeeze("黄总微信致谢")  # a communication's notes in the demo
    assert note in "".join(pdf_pages(full))
    assert note not in "".join(pdf_pages(company))


def test_sections_option(
    qapp: QApplication, demo_dir: Path, aoi_reference: str, tmp_path: Path
) -> None:
    pdf = tmp_path / "clock.pdf"
    argv = ["--data-dir", str(demo_dir), "--lang", "en", "summary", aoi_reference]
    assert launcher.main([*argv, "--sections", "facts,clock", "--pdf", str(pdf)]) == 0
    whole = "".join(pdf_pages(pdf))
    assert "Fast-trackclock" in whole
    assert "Communicationlog" not in whole


def test_errors_exit_2_with_a_message(
    qapp: QApplication, demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "none.pdf"
    base = ["--data-dir", str(demo_dir), "--lang", "en"]
    assert launcher.main([*base, "summary", "2026-9999", "--pdf", str(pdf)]) == 2
    assert "There is no case 2026-9999." in capsys.readouterr().err
    assert launcher.main([*base, "summary", "2026-0001", "--sections", "x", "--pdf", str(pdf)]) == 2
    assert "is not a section" in capsys.readouterr().err
    assert not pdf.exists()


def test_markup_in_notes_prints_literally(qapp: QApplication, store: Store, tmp_path: Path) -> None:
    case = cases.open_case(
        store, "标记测试", company_name="青岛胶州新材料有限公司", notes=MARKUP
    ).value
    communications.log(store, case_id=case.id, raw_number="13812345678", notes=MARKUP)
    pdf = tmp_path / "markup.pdf"
    write_pdf(reports.case_summary(store, case.id), pdf)
    whole = "".join(pdf_pages(pdf))
    for literal in ("<b>x</b>", "<imgsrc=x>", '=HYPERLINK("x")'):
        assert whole.count(literal) == 2, literal  # the case's notes and the call's


# -- the office reports ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_run_sheet_one_page_per_department(
    qapp: QApplication, demo: Store, tmp_path: Path, lang: str
) -> None:
    set_language(lang)
    report = reports.run_sheet(demo, now=DEMO_NOW)
    departments = re.findall(r"<h1>(.*?)</h1>", report.html)
    pdf = tmp_path / "run-sheet.pdf"
    pages = write_pdf(report, pdf)
    text = pdf_pages(pdf)
    # Every department starts a page of its own, in order, and none needs a second page.
    assert pages == len(departments) >= 5
    for page, department in zip(text, departments, strict=True):
        assert squeeze(department) in page
    whole = "".join(text)
    assert "郑丽华" in whole  # whom to ring
    assert "0574-" in whole  # and on which number
    assert page_label(lang, pages, pages) in text[-1]


@pytest.mark.parametrize(
    ("name", "lang", "expected"),
    [
        ("handover", "en", ("Handoverbrief", "Overdue", "Duetoday")),
        ("handover", "zh_CN", ("澜拓智能装备生产基地项目注册落地",)),
        ("backlog", "en", ("Departmentbacklog", "区市场监督管理局", "Longestwait")),
        ("backlog", "zh_CN", ("区市场监督管理局",)),
        ("indicators", "en", ("Yearlyindicators", "29.2%", "CNY150.00m")),
        ("indicators", "zh_CN", ("29.2%", "1.5亿元", "12亿元", AOI_COMPANY)),
        ("run-sheet", "en", ("Departmentrunsheet", "区税务局")),
    ],
)
def test_reports_from_the_command_line(
    qapp: QApplication,
    demo_dir: Path,
    tmp_path: Path,
    name: str,
    lang: str,
    expected: tuple[str, ...],
) -> None:
    pdf = tmp_path / f"{name}.pdf"
    argv = ["--data-dir", str(demo_dir), "--lang", lang, "report", name, "--pdf", str(pdf)]
    if name == "indicators":
        argv += ["--year", "2026"]
    assert launcher.main(argv) == 0
    text = pdf_pages(pdf)
    whole = "".join(text)
    for fact in expected:
        assert fact in whole, fact
    title = {
        "handover": "Handover brief",
        "backlog": "Department backlog",
        "indicators": "Yearly indicators",
        "run-sheet": "Department run sheet",
    }[name]
    assert squeeze(translate(title, lang)) in text[0]
    assert page_label(lang, 1, len(text)) in text[0]


# -- Chinese as glyphs, not boxes ------------------------------------------------------------


def _ink(image: QImage) -> set[tuple[int, int]]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(gray.constBits())
    stride = gray.bytesPerLine()
    rows = [data[y * stride : y * stride + gray.width()] for y in range(gray.height())]
    background = Counter(b for row in rows for b in row).most_common(1)[0][0]
    return {
        (x, y) for y, row in enumerate(rows) for x, b in enumerate(row) if abs(b - background) > 64
    }


def _paint_body(report: Report, width: int = 900, height: int = 260) -> QImage:
    """The top of a report's body as ``ui.printing.pdf`` lays it out, painted on an image."""
    document = QTextDocument()
    document.setDefaultFont(QFont(register_fonts(), 10))
    document.setDocumentMargin(0)
    document.setHtml(report.html)
    document.setPageSize(QSizeF(width, height))
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    document.drawContents(painter, QRectF(0, 0, width, height))
    painter.end()
    return image


def _tofu(report: Report, text: str) -> Report:
    """The same report with ``text`` in private-use characters no font has: boxes."""
    boxes = "".join("\ue000" for _char in text)
    return Report(
        report.title,
        report.html.replace(text, boxes),
        report.header_left,
        report.header_right,
        report.printed_at,
    )


def test_chinese_title_is_drawn_with_real_glyphs(
    qapp: QApplication, demo: Store, aoi_reference: str
) -> None:
    set_language("zh_CN")
    report = reports.summary_by_reference(demo, aoi_reference, now=DEMO_NOW)
    title = "澄明光电"
    assert title in report.html
    chinese = _ink(_paint_body(report))
    boxes = _ink(_paint_body(_tofu(report, title)))
    assert len(chinese) > 2000
    assert len(chinese ^ boxes) > 0.05 * len(chinese | boxes)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")
def test_chinese_in_the_pdf_is_drawn_with_real_glyphs(
    qapp: QApplication, demo: Store, aoi_reference: str, tmp_path: Path
) -> None:
    set_language("zh_CN")
    report = reports.summary_by_reference(demo, aoi_reference, now=DEMO_NOW)
    title = "澄明光电"
    images = []
    for name, version in (("real", report), ("tofu", _tofu(report, title))):
        pdf = tmp_path / f"{name}.pdf"
        write_pdf(version, pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / name)],
            check=True,
            timeout=60,
        )
        png = next(tmp_path.glob(f"{name}*.png"))
        image = QImage(str(png))
        assert not image.isNull()
        images.append(image.copy(0, 0, image.width(), image.height() // 4))  # the title
    real, tofu = (_ink(image) for image in images)
    assert len(real) > 1000
    assert len(real ^ tofu) > 0.05 * len(real | tofu)


def test_printed_latin_text_copies_out_whole(qtbot: QtBot, tmp_path: Path) -> None:
    """Ligatures would print "fi" as one glyph that extracts as nothing ("Oce")."""
    report = Report(
        "ligatures",
        "<p>Office official fluffy affliction 办公室</p>",
        "Investment Service Office",
        "x",
        datetime(2026, 11, 25, 10, 30),
    )
    path = tmp_path / "ligatures.pdf"
    write_pdf(report, path)
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    words = text.split()
    for word in ("Office", "official", "fluffy", "affliction", "办公室"):
        assert word in words
