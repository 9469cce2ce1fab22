"""What the step screens say after a status change or a deletion, and how Ctrl+Z takes it
back (through :meth:`ui.hub.Hub.did`): shared by the Actions view and a case's steps."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from coordinator.i18n import _
from coordinator.labels import ACTION_STATUS, cap
from coordinator.services import actions
from coordinator.services.actions import DeletedStep
from coordinator.store.records import ActionRecord
from ui.hub import Hub


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
        for before, after in reversed(steps):
            outcome = hub.call(
                widget,
                actions.undo_status,
                after.id,
                before,
                expected_version=after.row_version,
            )
            if outcome is None:
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
