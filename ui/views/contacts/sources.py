"""The contacts and organisations lists as :class:`~ui.widgets.lazy_table.ListSource` s.

Each source holds its filter and turns the rows of :mod:`coordinator.queries.contacts` into
display text. The contacts source also knows which contacts have unsaved edits (drafts kept
by the contacts view), so that the list shows a marker beside their names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import Qt

from coordinator.exchange.sheets import Cell
from coordinator.formatting import short_datetime
from coordinator.i18n import _
from coordinator.labels import ORGANISATION_KIND
from coordinator.queries import contacts as q
from coordinator.queries.contacts import (
    ContactFilter,
    ContactRow,
    OrganisationFilter,
    OrganisationRow,
)
from coordinator.store.storage import Store
from ui.widgets.column_kinds import Kind

# -- contacts ------------------------------------------------------------------------------

C_NAME, C_ORGANISATION, C_PHONE, C_LAST = range(4)
C_ROLE = C_ORGANISATION
CONTACT_KINDS = (Kind.NAME, Kind.TEXT, Kind.PHONE, Kind.TIME)
"""What the contacts list's columns hold (:class:`~ui.widgets.tables.Kind`)."""
"""The people of one organisation show their role where the others show the organisation."""

CONTACT_SORT_KEYS: dict[int, str] = {
    C_NAME: q.SORT_NAME,
    C_ORGANISATION: q.SORT_ORGANISATION,
    C_LAST: q.SORT_LAST_CONTACT,
}
PEOPLE_SORT_KEYS: dict[int, str] = {C_NAME: q.SORT_NAME, C_LAST: q.SORT_LAST_CONTACT}


def contact_headers(*, of_one_organisation: bool = False) -> list[str]:
    second = _("Role") if of_one_organisation else _("Organisation")
    return [_("Full name"), second, _("Phone"), _("Last contact")]


def draft_name(name: str) -> str:
    """A name with the marker of unsaved edits."""
    return _("{name} (draft)").format(name=name)


def contact_cells(
    row: ContactRow,
    *,
    draft: bool = False,
    now: datetime | None = None,
    of_one_organisation: bool = False,
) -> tuple[str, ...]:
    phone = row.first_phone
    if row.phone_count > 1:
        phone = _("{number} (+{more})").format(number=phone, more=row.phone_count - 1)
    return (
        draft_name(row.name) if draft else row.name,
        row.role if of_one_organisation else row.organisation_name,
        phone,
        short_datetime(row.last_contact_at, now),
    )


class ContactSource:
    """The contacts list under one filter (the people of one organisation: see C_ROLE)."""

    def __init__(
        self,
        flt: ContactFilter | None = None,
        drafts: frozenset[int] = frozenset(),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.filter = flt or ContactFilter()
        self.drafts = drafts  # replaced by the view as drafts come and go
        self.clock = clock
        self.of_one_organisation = self.filter.organisation_id is not None

    def headers(self) -> Sequence[str]:
        return contact_headers(of_one_organisation=self.of_one_organisation)

    def sort_keys(self) -> Mapping[int, str]:
        return PEOPLE_SORT_KEYS if self.of_one_organisation else CONTACT_SORT_KEYS

    def count(self, store: Store) -> int:
        return q.contact_count(store, self.filter)

    def ids(self, store: Store, sort: str, descending: bool, limit: int | None = None) -> list[int]:
        return q.contact_ids(store, self.filter, sort, descending, limit=limit)

    def rows(self, store: Store, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        now = self.clock() if self.clock is not None else None
        return {
            i: contact_cells(
                row, draft=i in self.drafts, now=now, of_one_organisation=self.of_one_organisation
            )
            for i, row in q.contact_rows(store, ids).items()
        }

    def export_rows(self, store: Store, ids: Sequence[int]) -> dict[int, Sequence[Cell]]:
        found: dict[int, Sequence[Cell]] = {}
        for i, row in q.contact_rows(store, ids).items():
            values: list[Cell] = list(
                contact_cells(row, draft=False, of_one_organisation=self.of_one_organisation)
            )
            values[-1] = row.last_contact_at  # the time in full: "today" means nothing later
            found[i] = values
        return found

    def alignment(self, column: int) -> int | None:
        return None


# -- organisations -------------------------------------------------------------------------

O_NAME, O_KIND, O_CONTACTS, O_OPEN_CASES = range(4)
ORGANISATION_KINDS = (Kind.TEXT, Kind.STATUS, Kind.NUMBER, Kind.NUMBER)

ORGANISATION_SORT_KEYS: dict[int, str] = {O_NAME: q.SORT_NAME, O_KIND: q.SORT_KIND}


def organisation_headers() -> list[str]:
    return [_("Name"), _("Kind"), _("Contacts"), _("Open cases")]


def organisation_cells(row: OrganisationRow, *, draft: bool = False) -> tuple[str, ...]:
    return (
        draft_name(row.name) if draft else row.name,
        ORGANISATION_KIND[row.kind].tr(),
        str(row.contact_count) if row.contact_count else "",
        str(row.open_case_count) if row.open_case_count else "",
    )


class OrganisationSource:
    """The organisations list under one filter."""

    def __init__(
        self, flt: OrganisationFilter | None = None, drafts: frozenset[int] = frozenset()
    ) -> None:
        self.filter = flt or OrganisationFilter()
        self.drafts = drafts

    def headers(self) -> Sequence[str]:
        return organisation_headers()

    def sort_keys(self) -> Mapping[int, str]:
        return ORGANISATION_SORT_KEYS

    def count(self, store: Store) -> int:
        return q.organisation_count(store, self.filter)

    def ids(self, store: Store, sort: str, descending: bool, limit: int | None = None) -> list[int]:
        return q.organisation_ids(store, self.filter, sort, descending, limit=limit)

    def rows(self, store: Store, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        return {
            i: organisation_cells(row, draft=i in self.drafts)
            for i, row in q.organisation_rows(store, ids).items()
        }

    def export_rows(self, store: Store, ids: Sequence[int]) -> dict[int, Sequence[Cell]]:
        return {
            i: (row.name, ORGANISATION_KIND[row.kind].tr(), row.contact_count, row.open_case_count)
            for i, row in q.organisation_rows(store, ids).items()
        }

    def alignment(self, column: int) -> int | None:
        if column in (O_CONTACTS, O_OPEN_CASES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
