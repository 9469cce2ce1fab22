"""Typed domain errors whose messages a user can read, in either language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from coordinator.i18n import N_, Msg, current_language, translate

if TYPE_CHECKING:
    from coordinator.event_words import ChangeBy


class DomainError(Exception):
    """Raised by services when input or a requested change is refused.

    Carries an untranslated message id and its parameters, so the same error can be
    shown in Chinese in a dialog and in English in a log. Parameters that are
    themselves :class:`Msg` (a status name, a field label) are translated too, so is an
    error given as a parameter (a refusal said inside a sentence naming where), and a
    tuple of labels is said as a list the reader's way.
    """

    def __init__(self, message: Msg | str, **params: Any) -> None:
        super().__init__(str(message))
        self.msgid = str(message)
        self.params = params

    def message(self, lang: str | None = None) -> str:
        language = lang or current_language()
        values = {key: _said(value, language) for key, value in self.params.items()}
        return translate(self.msgid, language).format(**values)

    def __str__(self) -> str:
        return self.message()


def _said(value: Any, language: str) -> Any:
    """A parameter in the reader's language: a label, an error, or several labels as a
    list the reader's way (“事项、联系人”)."""
    if isinstance(value, Msg):
        return value.tr(language)
    if isinstance(value, DomainError):
        return value.message(language)
    if isinstance(value, tuple) and value and all(isinstance(v, Msg) for v in value):
        from coordinator.formatting import listing  # the formatting needs no errors

        return listing((v.tr(language) for v in value), lang=language)
    return value


class ValidationError(DomainError):
    """A value the user typed is not acceptable (format, length, range)."""


class NotFoundError(DomainError):
    """The record asked for does not exist (any more)."""


class TransitionError(DomainError):
    """The change is not allowed from the record's current state."""


class ConflictError(DomainError):
    """The change clashes with data already stored (a duplicate, a non-empty store)."""


class StorageError(DomainError):
    """The data folder or database cannot be used (disk full, read-only, damaged)."""


class EditConflictError(ConflictError):
    """An edit made on a version of a record that a colleague has changed since: refused,
    saying who changed what and when, so the officer can reload and decide.

    ``what`` names the record's kind inside a sentence ("step"); ``changes`` are the saved
    changes the edit did not see, oldest first (none known: a plainer sentence).
    """

    def __init__(self, what: Msg, changes: Sequence[ChangeBy], now: datetime) -> None:
        self.what = what
        self.changes = tuple(changes)
        self.now = now
        officers = list(dict.fromkeys(c.officer for c in self.changes if c.officer))
        if not self.changes:
            message = MSG_EDIT_CONFLICT_UNKNOWN
        elif officers:
            message = MSG_EDIT_CONFLICT
        else:
            message = MSG_EDIT_CONFLICT_NAMELESS
        super().__init__(message, what=what)
        self.officers = tuple(officers)

    @property
    def time_text(self) -> str:
        """When the last of the changes was saved: the time alone on the same day."""
        if not self.changes:
            return ""
        at = self.changes[-1].at
        return at.strftime("%H:%M" if at.date() == self.now.date() else "%Y-%m-%d %H:%M")

    def changes_text(self, lang: str | None = None) -> str:
        """“status: In progress → Done; notes: — → call back” (the first few)."""
        parts = [c.text(lang, CONFLICT_VALUE_MAX) for c in self.changes[:CONFLICT_CHANGES_SHOWN]]
        text = _BETWEEN_CHANGES.tr(lang).join(parts)
        hidden = len(self.changes) - CONFLICT_CHANGES_SHOWN
        if hidden > 0:
            text += _MORE_CHANGES.tr(lang).format(n=hidden)
        return text

    def message(self, lang: str | None = None) -> str:
        language = lang or current_language()
        return translate(self.msgid, language).format(
            officer=_BETWEEN_NAMES.tr(language).join(self.officers),
            what=self.what.tr(language),
            time=self.time_text,
            changes=self.changes_text(language),
        )


CONFLICT_CHANGES_SHOWN = 4
CONFLICT_VALUE_MAX = 40
# TRANSLATORS: between the changes listed in one sentence
_BETWEEN_CHANGES = N_("; ")
# TRANSLATORS: after the changes listed, when some are left out
_MORE_CHANGES = N_(" and {n} more")
# TRANSLATORS: between names in a list; Chinese uses 、
_BETWEEN_NAMES = N_(", ")

MSG_EDIT_CONFLICT = N_(
    "{officer} changed this {what} at {time} ({changes}). Your change was not saved. "
    "Reload to see it."
)
MSG_EDIT_CONFLICT_NAMELESS = N_(
    "Someone else changed this {what} at {time} ({changes}). Your change was not saved. "
    "Reload to see it."
)
MSG_EDIT_CONFLICT_UNKNOWN = N_(
    "Someone else changed this {what} since you opened it. Your change was not saved. "
    "Reload to see it."
)
