"""Report layouts are data: HTML templates and one stylesheet in ``resources/reports``.

Templates are rendered by Jinja2 with autoescaping on and undefined names refused, so
every value a builder passes in — and every note a person typed — reaches the page as
text, never as markup. An office can restyle its printouts by editing the files; the
stylesheet is inlined into each report's ``<style>`` block because Qt's rich-text
engine reads no external files.

Every value printed with ``{{ … }}`` passes :func:`coordinator.bidi.isolate`, so a
bidirectional control in a note stays inside the note; text a builder composes from
a message and user text isolates the user's part itself before formatting.

Labels in templates are written ``{{ _("Case summary") }}``: ``_`` is
:func:`coordinator.i18n._`, and ``python -m coordinator.i18n_tools update`` extracts
them with the rest of the code's messages.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from coordinator.bidi import isolate
from coordinator.errors import StorageError
from coordinator.i18n import N_, _
from coordinator.paths import RESOURCES_DIR

REPORTS_DIR = RESOURCES_DIR / "reports"
# A note longer than this (characters) is printed below its row across the page's whole
# width, rather than down a narrow column for pages on end.
LONG_NOTE_CHARS = 240
STYLESHEET = "style.css"


def lines(text: object) -> Markup:
    """Escape first, then turn line breaks into ``<br/>``: a typed note keeps its lines."""
    escaped = escape(isolate("" if text is None else str(text)))
    return Markup("<br/>").join(escaped.split("\n"))


def _finalize(value: object) -> object:
    # Markup is the templates' own or already isolated by ``lines``.
    if isinstance(value, str) and not isinstance(value, Markup):
        return isolate(value)
    return value


@cache
def environment(folder: Path = REPORTS_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm"), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_finalize,
    )
    env.filters["isolate"] = isolate
    env.globals["_"] = _
    env.globals["long_note"] = LONG_NOTE_CHARS
    env.filters["lines"] = lines
    return env


def stylesheet(folder: Path = REPORTS_DIR) -> Markup:
    """The shared stylesheet's text (the office's own file: trusted, not user data)."""
    path = folder / STYLESHEET
    try:
        return Markup(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StorageError(
            N_("The report layout {path} cannot be read: {reason}"),
            path=str(path),
            reason=exc.strerror or str(exc),
        ) from exc


def render(template: str, /, **context: Any) -> str:
    """Render ``resources/reports/<template>`` with the stylesheet as ``style``."""
    return environment().get_template(template).render(style=stylesheet(), **context)
