"""One gettext pipeline for core and UI, in Simplified Chinese and English.

Message ids are English. Catalogues live in ``resources/locale`` as ``.po`` files
(edited by people) and ``.mo`` files (compiled by ``python -m coordinator.i18n compile``;
CI checks they are current and complete). The core never asks Qt for anything:
the UI calls :func:`set_language` and Qt-side strings use the same catalogue.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from coordinator.paths import RESOURCES_DIR

DOMAIN = "liaison_hub"
LOCALE_DIR = RESOURCES_DIR / "locale"
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
SOURCE_LANGUAGE = "en"

_current = SOURCE_LANGUAGE


class Msg(str):
    """A message id marked for translation but translated only when shown.

    Errors and labels are built before anyone knows which language will read them
    (a log line in English, a dialog in Chinese), so they carry the id.
    """

    __slots__ = ()

    def tr(self, lang: str | None = None) -> str:
        return translate(str(self), lang)


def N_(message: str) -> Msg:  # noqa: N802 - the conventional gettext marker name
    return Msg(message)


@cache
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def normalise_language(lang: str | None) -> str:
    """Map 'zh', 'zh_CN.UTF-8', 'zh-Hans', 'en_US' ... onto a supported language."""
    if not lang:
        return SOURCE_LANGUAGE
    code = lang.replace("-", "_").split(".")[0].lower()
    if code.startswith("zh"):
        return "zh_CN"
    return SOURCE_LANGUAGE


def language_from_environment(environ: Mapping[str, str] = os.environ) -> str:
    for var in ("LIAISON_HUB_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var)
        if value:
            return normalise_language(value.split(":")[0])
    return SOURCE_LANGUAGE


def set_language(lang: str) -> str:
    global _current
    _current = normalise_language(lang)
    return _current


def current_language() -> str:
    return _current


def translate(message: str, lang: str | None = None) -> str:
    return _translations(normalise_language(lang) if lang else _current).gettext(message)


def _(message: str) -> str:
    return translate(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` (“1 page”, “3 pages”; Chinese has one form), not yet formatted:
    both forms keep the same placeholders, ``{n}`` usually."""
    return _translations(_current).ngettext(singular, plural, n)


Counted = Callable[[int], str]
"""A count in words, the form chosen by the number (see :func:`ngettext`)."""


def counted(singular: str, plural: str) -> Counted:
    """``n`` in words with the form for it, formatted: ``counted("{n} case", "{n} cases")(1)``
    is “1 case”. For a label said again whenever its count changes."""
    return lambda n: ngettext(singular, plural, n).format(n=n)


def missing_translations(lang: str = "zh_CN") -> list[str]:
    """Message ids of the template that the language's catalogue leaves untranslated."""
    from babel.messages.pofile import read_po  # imported lazily: only tooling needs Babel

    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    return [str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy)]


def _po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogues() -> list[Path]:
    """Compile every ``.po`` into its ``.mo``; returns the files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written: list[Path] = []
    for lang in LANGUAGES:
        po = _po_path(lang)
        if not po.exists():
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        written.append(mo)
    _translations.cache_clear()
    return written


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["compile"]:
        for path in compile_catalogues():
            print(path)
    else:
        print("usage: python -m coordinator.i18n compile", file=sys.stderr)
        raise SystemExit(2)
