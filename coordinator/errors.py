"""Typed domain errors whose messages a user can read, in either language."""

from __future__ import annotations

from typing import Any

from coordinator.i18n import Msg, current_language, translate


class DomainError(Exception):
    """Raised by services when input or a requested change is refused.

    Carries an untranslated message id and its parameters, so the same error can be
    shown in Chinese in a dialog and in English in a log. Parameters that are
    themselves :class:`Msg` (a status name, a field label) are translated too.
    """

    def __init__(self, message: Msg | str, **params: Any) -> None:
        super().__init__(str(message))
        self.msgid = str(message)
        self.params = params

    def message(self, lang: str | None = None) -> str:
        language = lang or current_language()
        values = {
            key: (value.tr(language) if isinstance(value, Msg) else value)
            for key, value in self.params.items()
        }
        return translate(self.msgid, language).format(**values)

    def __str__(self) -> str:
        return self.message()


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
