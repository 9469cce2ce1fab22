"""The shipped Simplified Chinese font: register it with Qt and make it the app's default.

Neither a fresh laptop nor a CI machine is guaranteed to have a CJK font, and without
one every Chinese character is drawn as a box, on screen and in printed PDFs alike.
``resources/fonts`` therefore ships "Liaison Hub Sans SC", a renamed subset of Noto
Sans CJK SC (SIL OFL 1.1, see ``resources/fonts/README.md``).  It holds Latin as well,
so one family serves all of the app's text.  Symbols and emoji pasted into notes
(☎ ✓ 😀) are beyond it: "Liaison Hub Symbols", a renamed subset of Symbola, is
registered beside it as the fallback family, so they print as glyphs rather than
boxes or blanks on a machine with no fonts of its own.  Qt still falls back to system
fonts for anything both lack (e.g. CJK Extension B characters).

Call :func:`apply_app_font` once, after the ``QApplication`` exists and before any
window is built.  Printing code that needs the family name calls
:func:`register_fonts`, which is idempotent.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication

from coordinator.paths import RESOURCES_DIR

FONTS_DIR = RESOURCES_DIR / "fonts"
FONT_SUFFIXES = frozenset({".otf", ".ttf"})
# The face whose family register_fonts() returns; the others (Bold) join its family.
PRIMARY_FONT_FILE = "LiaisonHubSansSC-Regular.otf"
# The symbols and emoji the primary family lacks.
FALLBACK_FONT_FILE = "LiaisonHubSymbols-Regular.ttf"

# Font file -> QFontDatabase id.  Qt registers a file again (new id, duplicate faces)
# each time it is added, so each file is added once per process.
_registered: dict[Path, int] = {}


def font_files(fonts_dir: Path = FONTS_DIR) -> list[Path]:
    """The font files shipped in ``fonts_dir``, sorted by name."""
    if not fonts_dir.is_dir():
        return []
    return sorted(
        path
        for path in fonts_dir.iterdir()
        if path.is_file() and path.suffix.lower() in FONT_SUFFIXES
    )


def _add_font(path: Path) -> list[str]:
    """Register one file with Qt (once) and return its family names."""
    key = path.resolve()
    font_id = _registered.get(key)
    if font_id is not None:
        families = QFontDatabase.applicationFontFamilies(font_id)
        if families:
            return families
    font_id = QFontDatabase.addApplicationFont(str(key))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        raise RuntimeError(f"Qt could not load the font file {key} (corrupt or not a font?)")
    _registered[key] = font_id
    return families


def register_fonts(fonts_dir: Path | None = None) -> str:
    """Add every font file of ``resources/fonts`` to Qt's font database.

    Returns the family name of the shipped font ("Liaison Hub Sans SC").  Safe to
    call more than once.  Raises ``RuntimeError`` when there is no ``QGuiApplication``
    yet, when the font files are missing, or when Qt cannot load one of them.
    """
    if not isinstance(QGuiApplication.instance(), QGuiApplication):
        raise RuntimeError("register_fonts() needs a QApplication/QGuiApplication; create it first")
    directory = FONTS_DIR if fonts_dir is None else fonts_dir
    files = font_files(directory)
    primary = directory / PRIMARY_FONT_FILE
    if primary not in files:
        raise RuntimeError(
            f"The shipped CJK font {primary} is missing; without it Chinese text renders as "
            "boxes. Restore resources/fonts from the repository "
            "(or regenerate it, see resources/fonts/README.md)."
        )
    family = ""
    fallback = ""
    for path in files:
        families = _add_font(path)
        if path == primary:
            family = families[0]
        elif path.name == FALLBACK_FONT_FILE:
            fallback = families[0]
    if fallback and fallback not in QFont.substitutes(family):
        # Text set in the primary family alone (a stylesheet, a widget's own font)
        # still finds the symbols: Qt tries a family's substitutes before system fonts.
        QFont.insertSubstitution(family, fallback)
    if fallback and fallback not in QFontDatabase.applicationEmojiFontFamilies():
        # Qt sends characters of emoji presentation (😀 👍) to the emoji families
        # rather than along the substitutes.
        QFontDatabase.addApplicationEmojiFontFamily(fallback)
    return family


def font_families(fonts_dir: Path | None = None) -> list[str]:
    """The shipped families in the order Qt should try them: the primary, then the
    symbols fallback (when it is shipped)."""
    family = register_fonts(fonts_dir)
    return [family, *QFont.substitutes(family)]


def apply_app_font(app: QApplication, point_size: float | None = None) -> QFont:
    """Make the shipped family the application's default font and return that font.

    ``point_size`` overrides the platform's default size; ``None`` keeps it.  The
    family covers Latin too, so it is not put after a Latin font (mixing two families
    on one line gives uneven baselines and x-heights); only the symbols fallback
    follows it, for the characters it lacks.
    """
    font = QFont(app.font())
    font.setFamilies(font_families())
    if point_size is not None:
        if point_size <= 0:
            raise ValueError(f"point_size must be positive, not {point_size}")
        font.setPointSizeF(point_size)
    app.setFont(font)
    return font
