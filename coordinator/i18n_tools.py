"""Catalogue tooling: extract message ids, update the ``.po`` files, check and compile them.

Needs Babel, so only tooling and tests import this module; the application reads the
compiled ``.mo`` files through :mod:`coordinator.i18n` alone. Usage::

    python -m coordinator.i18n_tools extract   # code -> resources/locale/liaison_hub.pot
    python -m coordinator.i18n_tools update    # extract, then merge into every .po
    python -m coordinator.i18n_tools check     # exit 1 and list the problems, if any
    python -m coordinator.i18n_tools compile   # .po -> .mo

English is the source language (the message ids), so only the other languages of
:data:`coordinator.i18n.LANGUAGES` get a catalogue. Files are written only when their
content changes, and without line numbers, so that editing code does not churn them.
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import stat
import string
import sys
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from coordinator.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE, compile_catalogues
from coordinator.paths import PROJECT_DIR

PROJECT_NAME = "Liaison Hub"
# Packages scanned for messages, relative to the project folder; a missing one is skipped.
SOURCE_DIRS: tuple[str, ...] = ("coordinator", "ui")
METHOD_MAP: list[tuple[str, str]] = [("**.py", "python")]
# The gettext markers: ``N_("...")`` (lazy, returns a Msg), ``_("...")``, and the plural
# forms ``ngettext("{n} page", "{n} pages", n)`` and ``counted("{n} case", "{n} cases")``.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "N_": None,
    "_": None,
    "ngettext": (1, 2),
    "counted": (1, 2),
}
# Report layouts (Jinja2 templates) label things with ``{{ _("...") }}``; Jinja2's own
# Babel extractor reads them. Folders relative to the project folder.
TEMPLATE_DIRS: tuple[str, ...] = ("resources/reports",)
TEMPLATE_METHOD_MAP: list[tuple[str, str]] = [("**.html", "jinja2.ext:babel_extract")]
TEMPLATE_KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None}
# ``# TRANSLATORS: ...`` just above a marked string reaches the translator as a comment.
COMMENT_TAGS: tuple[str, ...] = ("TRANSLATORS:",)
POT_PATH = LOCALE_DIR / f"{DOMAIN}.pot"
TARGET_LANGUAGES: tuple[str, ...] = tuple(lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE)
PO_WIDTH = 76


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return po_path(lang).with_suffix(".mo")


def _project_version() -> str:
    from coordinator import __version__

    return __version__


def _new_catalog(locale: str | None = None) -> Catalog:
    what = "Message template" if locale is None else f"{locale} translations"
    return Catalog(
        locale=locale,
        domain=DOMAIN,
        header_comment=(
            f"# {what} for {PROJECT_NAME}.\n# Kept by: python -m coordinator.i18n_tools update"
        ),
        project=PROJECT_NAME,
        version=_project_version(),
        copyright_holder=PROJECT_NAME,
        revision_date=None if locale is None else datetime.now(UTC),
        last_translator=PROJECT_NAME,
        language_team=PROJECT_NAME,
        charset="utf-8",
        fuzzy=locale is None,  # a template's header is conventionally fuzzy; a catalogue's not
    )


# --- reading and writing ------------------------------------------------------------------


def _read_po(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN)


def _render_po(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(
        buf,
        catalog,
        width=PO_WIDTH,
        ignore_obsolete=True,
        include_previous=True,
        include_lineno=False,
    )
    return buf.getvalue()


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless the file already holds exactly that."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


# --- extract and update -------------------------------------------------------------------


def collect(project_dir: Path = PROJECT_DIR) -> Catalog:
    """The template of every message id marked in the code, without writing anything."""
    catalog = _new_catalog()
    sources = [(package, METHOD_MAP, KEYWORDS) for package in SOURCE_DIRS]
    sources += [(folder, TEMPLATE_METHOD_MAP, TEMPLATE_KEYWORDS) for folder in TEMPLATE_DIRS]
    for folder, method_map, keywords in sources:
        root = project_dir / folder
        if not root.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            root,
            method_map=method_map,
            keywords=keywords,
            comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
        ):
            catalog.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def extract() -> Catalog:
    """Collect the message ids of the code and write them to ``liaison_hub.pot``.

    The file (and its creation date) is left alone when the messages have not changed.
    """
    catalog = collect()
    fresh_date = catalog.creation_date
    if POT_PATH.exists():
        catalog.creation_date = _read_po(POT_PATH).creation_date
        if _render_po(catalog) == POT_PATH.read_bytes():
            return catalog
        catalog.creation_date = fresh_date
    _write_if_changed(POT_PATH, _render_po(catalog))
    return catalog


def update(template: Catalog | None = None) -> list[Path]:
    """Merge the template (by default a fresh :func:`extract`) into every language's ``.po``.

    Translations of ids still in the code are kept; a new id that looks like a rewording of
    an id gone from the code gets its old translation marked fuzzy (so :func:`check` asks
    for a review); ids gone from the code are then dropped.
    Returns the catalogues written (those that changed).
    """
    if template is None:
        template = extract()
    written: list[Path] = []
    for lang in TARGET_LANGUAGES:
        path = po_path(lang)
        catalog = _read_po(path, lang) if path.exists() else _new_catalog(lang)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=True)
        _suggest_from_obsolete(catalog)
        if _write_if_changed(path, _render_po(catalog)):
            written.append(path)
    return written


def _suggest_from_obsolete(catalog: Catalog, cutoff: float = 0.75) -> None:
    """Offer the translation of a dropped id to a new id that looks like a rewording of it.

    Babel's own fuzzy matching compares a new id with *every* translated one, which pairs
    short labels with unrelated words ("Channel" with "cancelled"); only ids that left the
    code are candidates here, each used once, and the result is marked fuzzy for review.
    """
    candidates = {
        message.id: message
        for message in catalog.obsolete.values()
        if isinstance(message.id, str) and isinstance(message.string, str) and message.string
    }
    for message in catalog:
        if not candidates or not message.id or message.string:
            continue
        if not isinstance(message.id, str) or message.context is not None:
            continue
        match = difflib.get_close_matches(message.id, list(candidates), n=1, cutoff=cutoff)
        if match:
            old = candidates.pop(match[0])
            message.string = old.string
            message.flags.add("fuzzy")
            message.previous_id = [match[0]]


# --- check --------------------------------------------------------------------------------


def _texts(value: object) -> tuple[str, ...]:
    """A msgid or msgstr as a tuple of strings (plural forms have several)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(v) if v is not None else "" for v in value)
    return ("",)


def _show(message: Message) -> str:
    text = _texts(message.id)[0]
    return repr(text) if message.context is None else f"{text!r} (context {message.context!r})"


def placeholders(text: str) -> set[str]:
    """The ``{...}`` replacement fields of a str.format string, written out in full.

    ``{code:04X}`` and ``{code}`` differ: a translation must keep the format spec too.
    Raises ValueError for a string str.format cannot parse (a lone brace).
    """
    fields: set[str] = set()
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        field = name
        if conversion:
            field += f"!{conversion}"
        if spec:
            field += f":{spec}"
        fields.add("{" + field + "}")
    return fields


def _placeholder_problem(message: Message) -> str | None:
    ids = _texts(message.id)
    try:
        expected = placeholders(ids[-1])
    except ValueError as exc:
        return f"the message id is not a valid format string ({exc})"
    for text in _texts(message.string):
        try:
            found = placeholders(text)
        except ValueError as exc:
            return f"the translation is not a valid format string ({exc}): {text!r}"
        if found != expected:
            missing = ", ".join(sorted(expected - found)) or "-"
            extra = ", ".join(sorted(found - expected)) or "-"
            return f"placeholders differ (missing: {missing}; unexpected: {extra}): {text!r}"
    return None


def _mo_messages(catalog: Iterable[Message]) -> dict[tuple[object, object], object]:
    return {
        (_texts(m.id), m.context): _texts(m.string)
        for m in catalog
        if m.id  # the header carries dates and tool versions, not messages
    }


def _mo_problem(lang: str, catalog: Catalog) -> str | None:
    mo = mo_path(lang)
    if not mo.exists():
        return f"{lang}: {mo.name} is missing: run `python -m coordinator.i18n_tools compile`"
    expected_buf = io.BytesIO()
    write_mo(expected_buf, catalog, use_fuzzy=False)
    expected = _mo_messages(read_mo(io.BytesIO(expected_buf.getvalue())))
    try:
        with mo.open("rb") as fh:
            actual = _mo_messages(read_mo(fh))
    except Exception as exc:  # a truncated or foreign file: any parse failure means stale
        return f"{lang}: {mo.name} cannot be read ({exc}): recompile it"
    if actual != expected:
        stale = sum(1 for key, value in expected.items() if actual.get(key) != value)
        stale += sum(1 for key in actual if key not in expected)
        return (
            f"{lang}: {mo.name} is out of date with {po_path(lang).name} "
            f"({stale} messages differ): run `python -m coordinator.i18n_tools compile`"
        )
    return None


def check(template: Catalog | None = None) -> list[str]:
    """Everything that keeps a catalogue from being complete and current.

    Untranslated or fuzzy entries, translations whose placeholders differ from the id's,
    a ``.mo`` that is missing or differs from what compiling its ``.po`` gives, and ids
    marked in the code that the ``.po`` lacks. An empty list means all is well.
    """
    code = template if template is not None else collect()
    problems: list[str] = []
    for lang in TARGET_LANGUAGES:
        path = po_path(lang)
        if not path.exists():
            problems.append(
                f"{lang}: {path} is missing: run `python -m coordinator.i18n_tools update`"
            )
            continue
        catalog = _read_po(path, lang)
        for message in catalog:
            if not message.id:
                continue
            if not all(_texts(message.string)):
                problems.append(f"{lang}: untranslated: {_show(message)}")
            elif message.fuzzy:
                problems.append(f"{lang}: fuzzy (needs review): {_show(message)}")
            else:
                issue = _placeholder_problem(message)
                if issue:
                    problems.append(f"{lang}: {_show(message)}: {issue}")
        for message in code:
            if message.id and catalog.get(message.id, message.context) is None:
                where = ", ".join(sorted({f for f, _line in message.locations}))
                problems.append(
                    f"{lang}: not in {path.name} (run update): {_show(message)} [{where}]"
                )
        mo_issue = _mo_problem(lang, catalog)
        if mo_issue:
            problems.append(mo_issue)
    return problems


# --- command line -------------------------------------------------------------------------


def _untranslated_count(lang: str) -> int:
    catalog = _read_po(po_path(lang), lang)
    return sum(1 for m in catalog if m.id and (not all(_texts(m.string)) or m.fuzzy))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coordinator.i18n_tools",
        description="Extract, update, check and compile the message catalogues.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help=f"write {POT_PATH.name} from the code")
    sub.add_parser("update", help="extract, then merge the template into every .po")
    sub.add_parser("check", help="list untranslated, fuzzy, stale or broken entries")
    sub.add_parser("compile", help="compile every .po into its .mo")
    args = parser.parse_args(argv)

    if args.command == "extract":
        template = extract()
        print(f"{POT_PATH}: {sum(1 for m in template if m.id)} messages")
    elif args.command == "update":
        written = update()
        for lang in TARGET_LANGUAGES:
            mark = "updated" if po_path(lang) in written else "unchanged"
            print(f"{po_path(lang)}: {mark}, {_untranslated_count(lang)} to translate")
    elif args.command == "check":
        problems = check()
        for problem in problems:
            print(problem)
        if problems:
            print(f"{len(problems)} problem(s)", file=sys.stderr)
            return 1
        print("catalogues complete and current")
    else:
        for path in compile_catalogues():
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
