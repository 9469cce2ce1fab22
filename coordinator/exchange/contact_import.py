"""Contacts from a phone or another address book: vCard (2.1, 3.0, 4.0) and CSV files.

Two steps, so the officer sees what will happen before anything is written:

1. :func:`preview` reads the file and says, entry by entry, whether it becomes a new
   contact, is merged into a stored one (the same person: a shared number), is already
   there, or is refused (and why). It only reads.
2. :func:`apply` writes the new contacts and the merges in one unit of work: all of them
   or, if anything fails, none. The plan is made again inside that unit of work, so a
   contact changed between the two steps is seen as it is now.

A file that cannot be read as contacts at all (not text, an unterminated vCard, a CSV
without a header row naming its columns, broken quoting) raises :class:`DomainError`
with what is wrong; nothing is written, the database stays byte for byte as it was.

The file is read by :mod:`coordinator.exchange.contact_files`; the plan is made by
:mod:`coordinator.exchange.contact_plan`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coordinator.exchange.contact_files import FileKind, ParsedContact, read_entries
from coordinator.exchange.contact_plan import Plan, PreviewRow, RowAction, plan_all
from coordinator.kinds import OrganisationKind
from coordinator.services import contacts, organisations
from coordinator.services._common import set_field
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.models import Contact
from coordinator.store.storage import Store, Work

__all__ = [
    "ImportPreview",
    "ImportResult",
    "ParsedContact",
    "PreviewRow",
    "RowAction",
    "apply",
    "preview",
]

# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportPreview:
    path: Path
    kind: FileKind
    encoding: str
    entries: tuple[ParsedContact, ...]
    rows: tuple[PreviewRow, ...]

    def count(self, action: RowAction) -> int:
        return sum(1 for row in self.rows if row.action is action)

    @property
    def new(self) -> int:
        return self.count(RowAction.NEW)

    @property
    def merged(self) -> int:
        return self.count(RowAction.MERGE)

    @property
    def unchanged(self) -> int:
        return self.count(RowAction.UNCHANGED)

    @property
    def refused(self) -> int:
        return self.count(RowAction.REFUSED)

    @property
    def left_out(self) -> int:
        """Numbers and handles of imported entries that are not imported."""
        return sum(len(row.left_out) for row in self.rows if row.action is not RowAction.REFUSED)


@dataclass(frozen=True)
class ImportResult:
    added: int
    merged: int
    unchanged: int
    refused: int
    left_out: int
    contact_ids: tuple[int, ...]
    """The contacts added or merged into."""
    rows: tuple[PreviewRow, ...]
    """The plan as it was carried out."""


# -- the two steps -----------------------------------------------------------------------


def preview(store: Store, path: Path | str) -> ImportPreview:
    """What importing the file would do, entry by entry; writes nothing."""
    source = Path(path)
    kind, encoding, entries = read_entries(source)
    with store.read() as session:
        plans = plan_all(session, entries)
    return ImportPreview(
        path=source,
        kind=kind,
        encoding=encoding,
        entries=tuple(entries),
        rows=tuple(p.row for p in plans),
    )


def apply(store: Store, plan: ImportPreview) -> Outcome[ImportResult]:
    """Import the previewed entries in one unit of work: all of them, or nothing."""
    touched: list[int] = []
    with store.work() as work:
        plans = plan_all(work.session, plan.entries)
        organisations_by_name: dict[str, int] = {}
        for item in plans:
            action = item.row.action
            if action is RowAction.NEW:
                touched.append(_create(work, item, organisations_by_name))
            elif action is RowAction.MERGE and item.row.contact_id is not None:
                _merge(work, item, organisations_by_name)
                touched.append(item.row.contact_id)
        rows = tuple(p.row for p in plans)
    result = ImportResult(
        added=sum(1 for r in rows if r.action is RowAction.NEW),
        merged=sum(1 for r in rows if r.action is RowAction.MERGE),
        unchanged=sum(1 for r in rows if r.action is RowAction.UNCHANGED),
        refused=sum(1 for r in rows if r.action is RowAction.REFUSED),
        left_out=sum(len(r.left_out) for r in rows if r.action is not RowAction.REFUSED),
        contact_ids=tuple(dict.fromkeys(touched)),
        rows=rows,
    )
    return Outcome(result, work.changes)


# -- writing ---------------------------------------------------------------------------


def _guess_kind(name: str) -> OrganisationKind:
    lowered = name.lower()
    hints = (
        (OrganisationKind.BANK, ("银行", "信用社", "农商行", "bank")),
        (OrganisationKind.PARK, ("管委会", "园区", "开发区", "产业园", "高新区", "保税区")),
        (OrganisationKind.FUND, ("基金", "创投", "资本", "fund", "capital")),
        (
            OrganisationKind.DEPARTMENT,
            ("局", "委员会", "人民政府", "办公室", "厅", "派出所", "服务中心", "街道", "办事处"),
        ),
    )
    for kind, words in hints:
        if any(w in lowered for w in words):
            return kind
    return OrganisationKind.COMPANY


def _organisation_id(work: Work, name: str, cache: dict[str, int]) -> int | None:
    if not name:
        return None
    if name not in cache:
        cache[name] = organisations.find_or_create_in(work, name, _guess_kind(name)).id
    return cache[name]


def _create(work: Work, item: Plan, cache: dict[str, int]) -> int:
    contact = contacts.create_in(
        work,
        item.name,
        organisation_id=_organisation_id(work, item.organisation, cache),
        role=item.role,
        phones=[(number.raw, label) for number, label in item.phones],
        handles=item.handles,
        notes=item.notes,
    )
    return contact.id


def _merge(work: Work, item: Plan, cache: dict[str, int]) -> None:
    contact_id = item.row.contact_id
    assert contact_id is not None
    contact = work.session.get(Contact, contact_id)
    assert contact is not None  # planned inside this unit of work

    def put(field_name: str, value: object) -> None:
        set_field(
            work, contact, field_name, value, entity="contact", entity_id=contact_id, case_id=None
        )

    for number, label in item.phones:
        contacts.add_phone_in(work, contact, (number.raw, label))
    for channel, handle in item.handles:
        contacts.set_handle_in(work, contact, channel, handle)
    if item.set_role:
        put("role", item.role)
    if item.set_organisation:
        put("organisation_id", _organisation_id(work, item.organisation, cache))
    if item.set_notes:
        put("notes", item.notes)
    contact.updated_at = work.now
    work.changed(ChangeKind.CONTACT, contact.id)
    work.session.flush()
