"""What the screens say after a status change, an edit or a deletion, and how Ctrl+Z takes
it back (through :meth:`ui.hub.Hub.did`): shared by the lists, a case's tabs and the forms."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtWidgets import QWidget

from coordinator.i18n import _, current_language
from coordinator.labels import ACTION_STATUS, CASE_STATUS, DOCUMENT_STATE, cap
from coordinator.services import actions, cases, communications, documents
from coordinator.services.actions import DeletedStep
from coordinator.services.communications import DeletedCommunication
from coordinator.services.documents import DeletedDocument
from coordinator.store.changes import Outcome
from coordinator.store.records import ActionRecord, CaseRecord, DocumentRecord
from ui.hub import Hub

if TYPE_CHECKING:
    from coordinator.store.storage import Store

D = TypeVar("D")


def _put_back(
    hub: Hub,
    widget: QWidget | None,
    service: Callable[..., Outcome[Any]],
    changed: Sequence[tuple[Any, Any]],
) -> bool:
    """Each record back as it was, newest change first, each checked against the version
    the change left it at; False (the officer was told why) at the first refusal."""
    for before, after in reversed(changed):
        if hub.call(widget, service, after.id, before, expected_version=after.row_version) is None:
            return False
    return True


def statuses_changed(hub: Hub, changed: Sequence[tuple[ActionRecord, ActionRecord]]) -> None:
    """Steps moved (each as it was, and as it is now): say so, and how to undo it."""
    if not changed:
        return
    if len(changed) == 1:
        before, after = changed[0]
        text = _("Step “{title}”: {before} → {after}. Ctrl+Z to undo.").format(
            title=after.title,
            before=cap(ACTION_STATUS[before.status]),
            after=cap(ACTION_STATUS[after.status]),
        )
    else:
        text = _("{n} steps: {status}. Ctrl+Z to undo.").format(
            n=len(changed), status=cap(ACTION_STATUS[changed[-1][1].status])
        )
    steps = tuple(changed)

    def undo(widget: QWidget | None) -> str | None:
        if not _put_back(hub, widget, actions.undo_status, steps):
            return None
        if len(steps) == 1:
            before = steps[0][0]
            return _("Undone: step “{title}” is {status} again.").format(
                title=before.title, status=cap(ACTION_STATUS[before.status])
            )
        return _("Undone: {n} steps are back as they were.").format(n=len(steps))

    hub.did(text, undo)


def step_deleted(hub: Hub, deleted: DeletedStep) -> None:
    """A step deleted: Ctrl+Z puts it back with its links."""
    title = deleted.record.title

    def undo(widget: QWidget | None) -> str | None:
        if hub.call(widget, actions.restore, deleted) is None:
            return None
        return _("Undone: step “{title}” is back.").format(title=title)

    hub.did(_("Deleted step “{title}”. Ctrl+Z to bring it back.").format(title=title), undo)


def documents_moved(hub: Hub, moved: Sequence[tuple[DocumentRecord, DocumentRecord]]) -> None:
    """Documents moved on (each as it was, and as it is now): say so, and how to undo it."""
    if not moved:
        return
    if len(moved) == 1:
        before, after = moved[0]
        text = _("Document “{title}”: {before} → {after}. Ctrl+Z to undo.").format(
            title=after.title,
            before=cap(DOCUMENT_STATE[before.state]),
            after=cap(DOCUMENT_STATE[after.state]),
        )
    else:
        text = _("{n} documents: {state}. Ctrl+Z to undo.").format(
            n=len(moved), state=cap(DOCUMENT_STATE[moved[-1][1].state])
        )
    docs = tuple(moved)

    def undo(widget: QWidget | None) -> str | None:
        if not _put_back(hub, widget, documents.undo_transition, docs):
            return None
        if len(docs) == 1:
            before = docs[0][0]
            return _("Undone: document “{title}” is {state} again.").format(
                title=before.title, state=cap(DOCUMENT_STATE[before.state])
            )
        return _("Undone: {n} documents are back as they were.").format(n=len(docs))

    hub.did(text, undo)


def case_status_changed(
    hub: Hub,
    before: CaseRecord,
    after: CaseRecord,
    steps: Sequence[tuple[ActionRecord, int]] = (),
) -> None:
    """A case closed, cancelled, held or reopened (``steps``: those its closing cancelled,
    as they were, with the version it left them at): say so, and how to undo it."""
    text = _("Case {reference}: {before} → {after}. Ctrl+Z to undo.").format(
        reference=after.reference,
        before=cap(CASE_STATUS[before.status]),
        after=cap(CASE_STATUS[after.status]),
    )
    if steps:
        text = _(
            "Case {reference}: {before} → {after}; open steps cancelled: {n}. Ctrl+Z to undo."
        ).format(
            reference=after.reference,
            before=cap(CASE_STATUS[before.status]),
            after=cap(CASE_STATUS[after.status]),
            n=len(steps),
        )
    cancelled = tuple(steps)

    def undo(widget: QWidget | None) -> str | None:
        outcome = hub.call(
            widget,
            cases.undo_status,
            after.id,
            before,
            steps=cancelled,
            expected_version=after.row_version,
        )
        if outcome is None:
            return None
        return _("Undone: case {reference} is {status} again.").format(
            reference=before.reference, status=cap(CASE_STATUS[before.status])
        )

    hub.did(text, undo)


def fields_text(labels: Sequence[str]) -> str:
    """“Title, Owner”: the fields an edit changed, listed the language's way."""
    return ("、" if current_language() == "zh_CN" else ", ").join(labels)


def edited(
    hub: Hub,
    what: str,
    labels: Sequence[str],
    put_back: Callable[[QWidget | None], Outcome[Any] | None],
) -> None:
    """A record's fields edited in a form (``what``: the record in words, ``labels`` the
    fields changed): say so; Ctrl+Z calls ``put_back``, which saves the previous values
    through the same service, from the version the edit left (so refused, naming them,
    when a colleague changed the record since) and marked as an undo."""

    def undo(widget: QWidget | None) -> str | None:
        if put_back(widget) is None:
            return None
        return _("Undone: {what} is back as it was.").format(what=what)

    hub.did(
        _("{what}: {fields} changed. Ctrl+Z to undo.").format(
            what=what, fields=fields_text(labels)
        ),
        undo,
    )


def communications_deleted(hub: Hub, gone: Sequence[DeletedCommunication]) -> str:
    """Communications deleted: Ctrl+Z puts them back. The sentence said."""
    kept = tuple(gone)

    def undo(widget: QWidget | None) -> str | None:
        for deleted in kept:
            if hub.call(widget, communications.restore, deleted) is None:
                return None
        if len(kept) == 1:
            return _("Undone: the communication is back.")
        return _("Undone: {n} communications are back.").format(n=len(kept))

    if len(kept) == 1:
        said = _("Deleted a communication. Ctrl+Z to bring it back.")
    else:
        said = _("Deleted {n} communications. Ctrl+Z to bring them back.").format(n=len(kept))
    hub.did(said, undo)
    return said


def document_deleted(hub: Hub, deleted: DeletedDocument) -> None:
    """A document deleted: Ctrl+Z puts it back with its files."""
    title = deleted.record.title

    def undo(widget: QWidget | None) -> str | None:
        outcome = hub.call(widget, documents.restore, deleted)
        if outcome is None:
            return None
        back = {(f.sha256, f.original_name) for f in outcome.value.files}
        lost = [
            f.original_name for f in deleted.record.files if (f.sha256, f.original_name) not in back
        ]
        if lost:
            return _(
                "Undone: document “{title}” is back, without the files a data check has "
                "since removed: {names}."
            ).format(title=title, names=fields_text(lost))
        return _("Undone: document “{title}” is back.").format(title=title)

    hub.did(_("Deleted document “{title}”. Ctrl+Z to bring it back.").format(title=title), undo)


def record_deleted(
    hub: Hub, name: str, restore: Callable[[Store, D], Outcome[Any]], deleted: D
) -> None:
    """A contact or organisation deleted: Ctrl+Z puts it back through ``restore``."""

    def undo(widget: QWidget | None) -> str | None:
        if hub.call(widget, restore, deleted) is None:
            return None
        return _("Undone: {name} is back.").format(name=name)

    hub.did(_("Deleted {name}. Ctrl+Z to bring it back.").format(name=name), undo)
