"""The shipped CJK font: registered with Qt, covers Chinese, draws real glyphs, prints."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QFontMetrics,
    QImage,
    QPageSize,
    QPdfWriter,
    QRawFont,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from ui.printing.fonts import PRIMARY_FONT_FILE, apply_app_font, font_files, register_fonts

FAMILY = "Liaison Hub Sans SC"
UNIFIED_IDEOGRAPHS = range(0x4E00, 0x9FFF + 1)  # 20,992 code points
EXTENSION_A = range(0x3400, 0x4DBF + 1)
# Added in Unicode 13/14, after Noto Sans CJK 2.004 (the source of the subset) was made.
UNIFIED_IDEOGRAPHS_GAP = frozenset(range(0x9FF0, 0x9FFF + 1))
EXTENSION_A_GAP = frozenset(range(0x4DB6, 0x4DBF + 1))
# Rare characters of personal and company names, all in the blocks above
# (𠮷 U+20BB7 is in Extension B, which is not shipped: Qt falls back for it).
RARE_NAME_CHARACTERS = "堃喆昇犇淼龑㐀"


@pytest.fixture
def family(qapp: QApplication) -> str:
    return register_fonts()


def test_register_fonts_returns_the_shipped_family(family: str) -> None:
    assert family == FAMILY
    assert FAMILY in QFontDatabase.families()
    assert set(QFontDatabase.styles(FAMILY)) >= {"Regular", "Bold"}


def test_register_fonts_is_idempotent(family: str) -> None:
    families = QFontDatabase.families()
    assert register_fonts() == family
    assert QFontDatabase.families() == families


def test_every_shipped_file_is_a_font(family: str) -> None:
    names = {path.name for path in font_files()}
    assert PRIMARY_FONT_FILE in names
    assert "LiaisonHubSansSC-Bold.otf" in names


def test_whole_unified_ideographs_block_is_covered(family: str) -> None:
    raw = QRawFont.fromFont(QFont(family, 12))
    assert raw.isValid()
    assert raw.familyName() == FAMILY
    missing = {cp for cp in UNIFIED_IDEOGRAPHS if not raw.supportsCharacter(cp)}
    assert missing <= UNIFIED_IDEOGRAPHS_GAP, sorted(f"U+{cp:04X}" for cp in missing)
    assert len(UNIFIED_IDEOGRAPHS) - len(missing) >= 20_976


def test_extension_a_is_covered(family: str) -> None:
    raw = QRawFont.fromFont(QFont(family, 12))
    missing = {cp for cp in EXTENSION_A if not raw.supportsCharacter(cp)}
    assert missing <= EXTENSION_A_GAP, sorted(f"U+{cp:04X}" for cp in missing)


def test_rare_name_characters_are_in_the_font(family: str) -> None:
    metrics = QFontMetrics(QFont(family, 12))
    absent = [ch for ch in RARE_NAME_CHARACTERS if not metrics.inFontUcs4(ord(ch))]
    assert absent == []


def test_punctuation_and_symbols_are_in_the_font(family: str) -> None:
    raw = QRawFont.fromFont(QFont(family, 12))
    text = "，。、；：？！“”‘’《》「」（）【】…—～·✓①㎡℃ā ǎ ü ABC abc 0123"
    assert [ch for ch in text if not raw.supportsCharacter(ord(ch))] == []


def _ink(image: QImage) -> set[tuple[int, int]]:
    """Pixels that differ clearly from the (most common) background value."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(gray.constBits())
    stride = gray.bytesPerLine()
    width, height = gray.width(), gray.height()
    rows = [data[y * stride : y * stride + width] for y in range(height)]
    background = Counter(b for row in rows for b in row).most_common(1)[0][0]
    return {
        (x, y) for y, row in enumerate(rows) for x, b in enumerate(row) if abs(b - background) > 64
    }


def _render_label(qtbot: QtBot, family: str, text: str) -> QImage:
    label = QLabel(text)
    qtbot.addWidget(label)
    label.setFont(QFont(family, 24))
    label.adjustSize()
    return label.grab().toImage()


def test_chinese_label_draws_glyphs_not_boxes(qtbot: QtBot, family: str) -> None:
    text = "王成峰 营业执照"
    # Same shape of string, but private-use characters no font here has: tofu.
    tofu = "".join(" " if ch == " " else "\ue000" for ch in text)
    chinese_ink = _ink(_render_label(qtbot, family, text))
    tofu_ink = _ink(_render_label(qtbot, family, tofu))
    assert len(chinese_ink) > 200
    different = chinese_ink ^ tofu_ink
    assert len(different) > 0.3 * len(chinese_ink | tofu_ink)


def _embedded_font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        fonts = resources["/Font"].get_object()
        assert isinstance(fonts, DictionaryObject)
        for font in fonts.values():
            font_dict = font.get_object()
            assert isinstance(font_dict, DictionaryObject)
            names.add(str(font_dict["/BaseFont"]))
    return names


def test_pdf_embeds_the_font_and_its_text_extracts(family: str, tmp_path: Path) -> None:
    heading = "案件摘要：青岛胶州新材料有限公司"
    body = ["联络人王成峰", "营业执照已核验", "堃喆昇犇淼龑", "㬵", "面积500㎡", "（第①项）"]
    pdf = tmp_path / "summary.pdf"
    writer = QPdfWriter(str(pdf))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    document = QTextDocument()
    document.setDefaultFont(QFont(family, 11))
    document.setHtml(f"<h1>{heading}</h1>" + "".join(f"<p>{line}</p>" for line in body))
    document.print_(writer)
    del writer

    reader = PdfReader(pdf)
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    for expected in [heading, *body]:
        assert expected in text
    # 胶 and 㬵 share an outline in Noto; the subset keeps them apart so each extracts as itself.
    assert text.count("胶") == 1
    assert text.count("㬵") == 1
    # A real bold face, not a synthesized one (Qt draws fake bold twice: duplicated text).
    assert text.count(heading) == 1
    fonts = _embedded_font_names(reader)
    assert fonts == {"/LiaisonHubSansSC-Regular", "/LiaisonHubSansSC-Bold"}


def test_apply_app_font_makes_the_family_the_default(qapp: QApplication, qtbot: QtBot) -> None:
    original = QApplication.font()
    try:
        font = apply_app_font(qapp, 11.5)
        assert font.family() == FAMILY
        assert QApplication.font().family() == FAMILY
        assert QApplication.font().pointSizeF() == pytest.approx(11.5)
        label = QLabel("王成峰")
        qtbot.addWidget(label)
        assert label.font().family() == FAMILY
    finally:
        QApplication.setFont(original)


def test_apply_app_font_keeps_the_size_by_default(qapp: QApplication) -> None:
    original = QApplication.font()
    try:
        assert apply_app_font(qapp).pointSizeF() == pytest.approx(original.pointSizeF())
    finally:
        QApplication.setFont(original)


def test_missing_font_is_a_clear_error(qapp: QApplication, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="missing"):
        register_fonts(tmp_path)


def test_unloadable_font_is_a_clear_error(qapp: QApplication, tmp_path: Path) -> None:
    (tmp_path / PRIMARY_FONT_FILE).write_bytes(b"not a font at all")
    with pytest.raises(RuntimeError, match="could not load"):
        register_fonts(tmp_path)
