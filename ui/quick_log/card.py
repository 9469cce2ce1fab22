"""The caller card beside the quick-log panel's candidates.

Before the officer says hello it tells them who this is, which matters this person has
open (with the case references as links), what is pending on them — steps, documents,
promised follow-ups — and what was said last time. Every value is escaped: what a user
typed never becomes markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Final

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QSizePolicy, QTextBrowser, QWidget

from coordinator.formatting import short_datetime
from coordinator.i18n import _
from coordinator.kinds import CaseStatus
from coordinator.labels import ACTION_STATUS, CASE_STATUS, CHANNEL, DIRECTION, DOCUMENT_STATE, cap
from coordinator.queries.caller_card import CallerCard
from ui.quick_log.draft import format_duration
from ui.quick_log.style import ERROR_STYLE, HINT_STYLE

CARD_ROWS: Final = 5
"""Lines per section: the card is read at a glance, the rest is counted."""


def _e(text: object) -> str:
    return html.escape(str(text), quote=False)


def _first_line(text: str, limit: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _section(title: str, lines: Sequence[str], total: int) -> str:
    out = [f"<p style='margin-top:8px; margin-bottom:2px'><b>{_e(title)}</b></p>"]
    out += [f"<p style='margin:0 0 0 8px'>{line}</p>" for line in lines]
    if total > len(lines):
        more = _("… and {n} more").format(n=total - len(lines))
        out.append(f"<p style='margin:0 0 0 8px; {HINT_STYLE}'>{_e(more)}</p>")
    return "".join(out)


def _case_link(case_id: int | None, reference: str | None) -> str:
    if case_id is None or not reference:
        return f"<span style='{HINT_STYLE}'>{_e(_('Unfiled'))}</span>"
    return f"<a href='case:{case_id}'>{_e(reference)}</a>"


def card_html(card: CallerCard) -> str:
    """The card as rich text: every value escaped, case references as links."""
    now = card.now
    person = card.contact
    out = [f"<p style='margin:0'><span style='font-size:large'><b>{_e(person.name)}</b></span>"]
    if person.role:
        out.append(f"&nbsp;&nbsp;{_e(person.role)}")
    out.append("</p>")
    out.append(f"<p style='margin:0'>{_e(person.organisation_name or _('No organisation'))}</p>")
    numbers = "&nbsp;&nbsp; ".join(_e(p.raw) for p in person.phones)
    if numbers:
        out.append(f"<p style='margin:0; {HINT_STYLE}'>{numbers}</p>")

    lines = []
    for case in card.open_cases[:CARD_ROWS]:
        line = f"{_case_link(case.case_id, case.reference)} {_e(case.title)}"
        if case.fast_track:
            line += f" <span style='{ERROR_STYLE}'>{_e(_('fast-track'))}</span>"
        if case.status is not CaseStatus.OPEN:
            line += f" <span style='{HINT_STYLE}'>({_e(cap(CASE_STATUS[case.status]))})</span>"
        lines.append(line)
    if not lines:
        lines.append(f"<span style='{HINT_STYLE}'>{_e(_('None'))}</span>")
    out.append(_section(_("Open cases"), lines, len(card.open_cases)))

    if card.actions:
        lines = []
        for action in card.actions[:CARD_ROWS]:
            text = _e(
                _("{department}: {step}").format(
                    department=action.department_name, step=action.title
                )
            )
            text += " — "
            text += _e(cap(ACTION_STATUS[action.status]))
            if action.due_at is not None:
                due_text = _("due {time}").format(time=short_datetime(action.due_at, now))
                style = ERROR_STYLE if action.overdue else HINT_STYLE
                text += f", <span style='{style}'>{_e(due_text)}</span>"
            lines.append(f"{_e(action.case_reference)} · {text}")
        out.append(_section(_("Pending steps"), lines, len(card.actions)))

    if card.documents:
        lines = []
        for document in card.documents[:CARD_ROWS]:
            text = f"{_e(document.case_reference)} · {_e(document.title)} — "
            text += _e(cap(DOCUMENT_STATE[document.state]))
            if document.holder_name:
                text += f" <span style='{HINT_STYLE}'>"
                text += _e(_("with {holder}").format(holder=document.holder_name))
                text += "</span>"
            lines.append(text)
        out.append(_section(_("Documents pending"), lines, len(card.documents)))

    if card.open_follow_ups:
        lines = []
        for follow in card.open_follow_ups[:CARD_ROWS]:
            due = follow.follow_up_due
            style = ERROR_STYLE if due is not None and due < now else ""
            when = _e(short_datetime(due, now))
            lines.append(
                f"<span style='{style}'>{when}</span> {_e(_first_line(follow.notes))} "
                f"({_case_link(follow.case_id, follow.case_reference)})"
            )
        out.append(_section(_("Promised follow-ups"), lines, len(card.open_follow_ups)))

    lines = []
    for talk in card.recent[:CARD_ROWS]:
        head = " ".join(
            (
                short_datetime(talk.at, now),
                CHANNEL[talk.channel].tr(),
                DIRECTION[talk.direction].tr(),
            )
        )
        if talk.duration_seconds:
            head += " " + format_duration(talk.duration_seconds)
        lines.append(
            f"<span style='{HINT_STYLE}'>{_e(head)}</span> {_e(_first_line(talk.notes))} "
            f"({_case_link(talk.case_id, talk.case_reference)})"
        )
    if not lines:
        lines.append(f"<span style='{HINT_STYLE}'>{_e(_('None yet'))}</span>")
    out.append(_section(_("Last communications"), lines, len(card.recent)))
    return "".join(out)


def _hint_html(title: str, text: str) -> str:
    return (
        f"<p style='margin:0'><span style='font-size:large'><b>{_e(title)}</b></span></p>"
        f"<p style='{HINT_STYLE}'>{_e(text)}</p>"
    )


class CardView(QTextBrowser):
    """The caller card: who they are and what they have open, or what to type."""

    case_requested = Signal(int)  # a case reference on the card was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumWidth(340)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.anchorClicked.connect(self._link_clicked)

    def show_card(self, card: CallerCard) -> None:
        self.setHtml(card_html(card))

    def show_unknown_number(self, display: str) -> None:
        self.setHtml(
            _hint_html(display, _("Nobody has this number. Ctrl+N saves it as a new contact."))
        )

    def show_prompt(self) -> None:
        self.setHtml(
            _hint_html(
                _("Who is calling?"),
                _(
                    "Type any part of the number, a name, its pinyin or its initials "
                    "(“zwm” finds 张伟明); the caller's cases, pending steps and last "
                    "calls show here."
                ),
            )
        )

    def _link_clicked(self, url: QUrl) -> None:
        kind, _sep, ident = url.toString().partition(":")
        if kind == "case" and ident.isdigit():
            self.case_requested.emit(int(ident))
