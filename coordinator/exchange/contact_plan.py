"""The plan of a contacts import: each entry of the file new, merged, unchanged or refused.

"The same person" is decided by the normalised numbers: an entry sharing a number with
a stored contact is merged into it when the names agree or the shared number is a
mobile (a person's own); colleagues sharing a desk or switchboard number stay separate
people. An entry without numbers is the same person as a stored contact with the same
name at the same organisation.

The plan is made against the stored contacts the file can concern (by its numbers,
names and handles) and against the entries before it: a later entry may merge into a
contact an earlier one creates.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coordinator.errors import DomainError, ValidationError
from coordinator.exchange.contact_files import ParsedContact, is_cjk_text
from coordinator.i18n import N_
from coordinator.kinds import Channel
from coordinator.labels import F_HANDLE, F_NAME, F_NOTES, F_ROLE
from coordinator.names import name_keys
from coordinator.phones import NormalisedNumber, normalise
from coordinator.queries.sql import chunks
from coordinator.services import contacts
from coordinator.store.models import NAME_MAX, NOTE_MAX, Contact, Handle, PhoneNumber
from coordinator.validation import clean_text

__all__ = ["Plan", "PreviewRow", "RowAction", "plan_all"]

MAX_PHONES = contacts.MAX_PHONES

_NO_NAME = N_("This entry has neither a name nor an organisation.")
_SEVERAL = N_("Its numbers belong to several contacts ({names}): merge those by hand first.")
_PHONES_CUT = N_("Only the first {limit} numbers are kept: {number} and after are left out.")
_OTHER_NAME = N_(
    "It shares the mobile number {number} with {name}, under another name: check which "
    "is right, then import it again."
)
_HANDLE_TAKEN = N_("The handle “{handle}” already belongs to {name}: it is left out.")


class RowAction(enum.StrEnum):
    NEW = "new"
    MERGE = "merge"  # adds numbers, a role, an organisation or handles to a stored contact
    UNCHANGED = "unchanged"  # everything it says is stored already
    REFUSED = "refused"


@dataclass(frozen=True)
class PreviewRow:
    entry: ParsedContact
    action: RowAction
    name: str
    """The name as it will be stored (for a merge: the stored contact's name)."""
    contact_id: int | None
    """MERGE / UNCHANGED into a stored contact: its id."""
    merged_into_entry: int | None
    """MERGE into an earlier new entry of the same file: that entry's number."""
    new_numbers: tuple[NormalisedNumber, ...]
    reason: DomainError | None
    """Why the entry is refused (REFUSED only)."""
    left_out: tuple[DomainError, ...]
    """What of the entry is not imported: invalid numbers, handles of someone else."""


def _normalised(raw: str) -> NormalisedNumber:
    try:
        return normalise(raw)
    except ValidationError:
        digits = re.sub(r"\D", "", raw)
        # Spreadsheets drop the "+" of "+86 138...": "8613800138000".
        if digits.startswith("86") and len(digits) in (12, 13) and raw.strip()[:1].isdigit():
            try:
                return normalise("+" + digits)
            except ValidationError:
                pass
        raise


def _is_mobile(number: NormalisedNumber) -> bool:
    parsed = phonenumbers.parse(number.e164)
    return bool(phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE)


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _related_names(a: str, b: str) -> bool:
    """The same surname (张总 / 张伟明), or one name inside the other (Lisa / Lisa Wang)."""
    fa, fb = _fold(a), _fold(b)
    if fa in fb or fb in fa:
        return True
    a, b = a.strip(), b.strip()
    if is_cjk_text(a[:1]) and is_cjk_text(b[:1]):
        return a[:1] == b[:1]
    if is_cjk_text(a[:1]) or is_cjk_text(b[:1]):
        # 张伟明 and "Wei Ming Zhang": the surname's pinyin is one of the Latin words.
        chinese, latin = (a, b) if is_cjk_text(a[:1]) else (b, a)
        surname = name_keys(chinese).pinyin.split()[:1]
        return bool(surname) and surname[0] in latin.casefold().split()
    return bool(set(a.casefold().split()) & set(b.casefold().split()))


Key = tuple[str, str]  # (e164, extension)
Labelled = tuple[NormalisedNumber, str]


@dataclass
class _Person:
    """A stored contact, or a new one an earlier entry of the file creates."""

    tag: str  # "c12": stored contact 12; "e3": the file's entry 3
    name: str
    organisation: str
    role: str
    notes: str
    numbers: set[Key]
    handles: dict[Channel, str]
    contact_id: int | None = None
    entry: int | None = None

    def same_person(
        self, name: str, organisation: str, shared: Sequence[NormalisedNumber]
    ) -> bool | NormalisedNumber:
        """True, False, or the shared mobile when the names disagree too much to tell."""
        if shared:
            if _fold(name) == _fold(self.name):
                return True
            mobile = next((n for n in shared if _is_mobile(n)), None)
            if mobile is None:
                return False  # a desk or switchboard number: colleagues share those
            # A mobile is a person's own: "张总" is 张伟明 saved under another name. Two
            # unrelated names on one mobile (a number given up and reassigned, a typing
            # error) are for the officer to sort out.
            return True if _related_names(name, self.name) else mobile
        if _fold(name) != _fold(self.name) or _fold(organisation) != _fold(self.organisation):
            return False
        # Same name, same organisation: one person, unless neither says where they work
        # and both have numbers (two people called 王伟).
        return bool(organisation) or not self.numbers


@dataclass
class Plan:
    """What one entry does: its preview row, and for NEW and MERGE what to write."""

    row: PreviewRow
    name: str = ""
    role: str = ""
    organisation: str = ""
    notes: str = ""
    phones: list[Labelled] = field(default_factory=list)
    handles: list[tuple[Channel, str]] = field(default_factory=list)
    set_role: bool = False
    set_organisation: bool = False
    set_notes: bool = False


class _Planner:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.people: list[_Person] = []
        self.by_number: dict[Key, list[_Person]] = {}
        self.handle_owners: dict[tuple[Channel, str], tuple[str, str]] = {}  # → (tag, name)
        self.plans: list[Plan] = []
        self.new_plans: dict[int, Plan] = {}

    def _add_person(self, person: _Person) -> None:
        self.people.append(person)
        for key in person.numbers:
            self.by_number.setdefault(key, []).append(person)

    def load(self, entries: Sequence[ParsedContact]) -> None:
        """The stored contacts the file can concern: by its numbers, names and handles."""
        e164s: set[str] = set()
        names: set[str] = set()
        handles: set[str] = set()
        for entry in entries:
            names.add((entry.name or entry.organisation).strip())
            for raw, _label in entry.phones:
                try:
                    e164s.add(_normalised(raw).e164)
                except ValidationError:
                    continue
            handles.update(h.strip() for _c, h in entry.handles)
        ids: set[int] = set()
        for chunk in chunks(sorted(e164s)):
            ids.update(
                self.session.scalars(
                    select(PhoneNumber.contact_id).where(PhoneNumber.e164.in_(chunk))
                )
            )
        for chunk in chunks(sorted(n for n in names if n)):
            ids.update(self.session.scalars(select(Contact.id).where(Contact.name.in_(chunk))))
        for chunk in chunks(sorted(h for h in handles if h)):
            for channel, handle, owner_id, owner in self.session.execute(
                select(Handle.channel, Handle.handle, Contact.id, Contact.name)
                .join(Contact, Contact.id == Handle.contact_id)
                .where(Handle.handle.in_(chunk))
            ):
                self.handle_owners[(channel, handle)] = (f"c{owner_id}", owner)
        for id_chunk in chunks(sorted(ids)):
            for contact in self.session.scalars(
                select(Contact)
                .where(Contact.id.in_(id_chunk))
                .order_by(Contact.id)
                .options(
                    selectinload(Contact.phones),
                    selectinload(Contact.handles),
                    selectinload(Contact.organisation),
                )
            ):
                self._add_person(
                    _Person(
                        tag=f"c{contact.id}",
                        name=contact.name,
                        organisation=contact.organisation.name if contact.organisation else "",
                        role=contact.role,
                        notes=contact.notes,
                        numbers={(p.e164, p.extension) for p in contact.phones},
                        handles={h.channel: h.handle for h in contact.handles},
                        contact_id=contact.id,
                    )
                )

    def plan(self, entry: ParsedContact) -> None:
        if entry.problem is not None:
            self._refuse(entry, entry.problem)
            return
        try:
            name = clean_text(
                entry.name or entry.organisation, F_NAME, max_length=NAME_MAX, required=True
            )
            role = clean_text(entry.role, F_ROLE, max_length=NAME_MAX)
            organisation = clean_text(entry.organisation, F_NAME, max_length=NAME_MAX)
            notes = clean_text(entry.notes, F_NOTES, max_length=NOTE_MAX, multiline=True)
        except ValidationError:
            if not (entry.name or entry.organisation).strip():
                exc = ValidationError(_NO_NAME)
            self._refuse(entry, exc)
            return
        left_out: list[DomainError] = []
        numbers = self._numbers(entry, left_out)
        match = self._match(name, organisation, [n for n, _label in numbers])
        if isinstance(match, DomainError):
            self._refuse(entry, match)
            return
        if match is None:
            self._new(entry, name, role, organisation, notes, numbers, left_out)
        else:
            self._merge(entry, match, role, organisation, notes, numbers, left_out)

    def _refuse(self, entry: ParsedContact, reason: DomainError) -> None:
        self.plans.append(
            Plan(
                PreviewRow(
                    entry=entry,
                    action=RowAction.REFUSED,
                    name=entry.name,
                    contact_id=None,
                    merged_into_entry=None,
                    new_numbers=(),
                    reason=reason,
                    left_out=(),
                )
            )
        )

    def _numbers(self, entry: ParsedContact, left_out: list[DomainError]) -> list[Labelled]:
        numbers: list[Labelled] = []
        seen: set[Key] = set()
        for raw, label in entry.phones:
            try:
                number = _normalised(raw)
            except ValidationError as exc:
                left_out.append(exc)  # its message names the number and what is wrong
                continue
            key = (number.e164, number.extension)
            if key not in seen:
                seen.add(key)
                numbers.append((number, label))
        return numbers

    def _match(
        self, name: str, organisation: str, numbers: Sequence[NormalisedNumber]
    ) -> _Person | DomainError | None:
        keys = {(n.e164, n.extension): n for n in numbers}
        sharing: dict[str, _Person] = {}
        for key in keys:
            for person in self.by_number.get(key, []):
                sharing[person.tag] = person
        same: list[_Person] = []
        for person in sharing.values():
            verdict = person.same_person(
                name, organisation, [keys[k] for k in sorted(person.numbers & keys.keys())]
            )
            if isinstance(verdict, NormalisedNumber):
                return ValidationError(_OTHER_NAME, number=verdict.raw, name=person.name)
            if verdict:
                same.append(person)
        if len(same) > 1:
            named = [p for p in same if _fold(p.name) == _fold(name)]
            if len(named) == 1:
                return named[0]
            shown = "、".join(sorted({p.name for p in same}))
            return ValidationError(_SEVERAL, names=shown)
        if same:
            return same[0]
        return next(
            (
                p
                for p in self.people
                if p.tag not in sharing and p.same_person(name, organisation, ())
            ),
            None,
        )

    def _handles(
        self,
        entry: ParsedContact,
        tag: str,
        name: str,
        existing: dict[Channel, str],
        left_out: list[DomainError],
    ) -> list[tuple[Channel, str]]:
        """The entry's handles to set: channels the person has none on, owned by nobody else."""
        chosen: dict[Channel, str] = {}
        for channel, raw in entry.handles:
            try:
                handle = clean_text(raw, F_HANDLE, max_length=NAME_MAX, required=True)
            except ValidationError as exc:
                left_out.append(exc)
                continue
            if channel in chosen or channel in existing:
                continue  # one handle per channel: the one stored, else the file's first
            holder = self.handle_owners.get((channel, handle))
            if holder is not None and holder[0] != tag:
                left_out.append(ValidationError(_HANDLE_TAKEN, handle=handle, name=holder[1]))
                continue
            chosen[channel] = handle
        for channel, handle in chosen.items():
            self.handle_owners[(channel, handle)] = (tag, name)
            existing[channel] = handle
        return list(chosen.items())

    def _room(
        self, person_numbers: set[Key], fresh: list[Labelled], left_out: list[DomainError]
    ) -> list[Labelled]:
        room = max(MAX_PHONES - len(person_numbers), 0)
        if len(fresh) > room:
            left_out.append(
                ValidationError(_PHONES_CUT, limit=MAX_PHONES, number=fresh[room][0].raw)
            )
        return fresh[:room]

    def _new(
        self,
        entry: ParsedContact,
        name: str,
        role: str,
        organisation: str,
        notes: str,
        numbers: list[Labelled],
        left_out: list[DomainError],
    ) -> None:
        person = _Person(
            tag=f"e{entry.entry}",
            name=name,
            organisation=organisation,
            role=role,
            notes=notes,
            numbers=set(),
            handles={},
            entry=entry.entry,
        )
        kept = self._room(person.numbers, numbers, left_out)
        person.numbers.update((n.e164, n.extension) for n, _label in kept)
        handles = self._handles(entry, person.tag, name, person.handles, left_out)
        self._add_person(person)
        plan = Plan(
            self._row(entry, RowAction.NEW, name, None, None, kept, left_out),
            name=name,
            role=role,
            organisation=organisation,
            notes=notes,
            phones=kept,
            handles=handles,
        )
        self.new_plans[entry.entry] = plan
        self.plans.append(plan)

    def _merge(
        self,
        entry: ParsedContact,
        person: _Person,
        role: str,
        organisation: str,
        notes: str,
        numbers: list[Labelled],
        left_out: list[DomainError],
    ) -> None:
        fresh = [(n, lb) for n, lb in numbers if (n.e164, n.extension) not in person.numbers]
        fresh = self._room(person.numbers, fresh, left_out)
        for number, _label in fresh:
            key = (number.e164, number.extension)
            person.numbers.add(key)
            self.by_number.setdefault(key, []).append(person)
        handles = self._handles(entry, person.tag, person.name, person.handles, left_out)
        set_role = bool(role) and not person.role
        set_organisation = bool(organisation) and not person.organisation
        if set_role:
            person.role = role
        if set_organisation:
            person.organisation = organisation
        set_notes = bool(notes) and not person.notes
        if set_notes:
            person.notes = notes
        changed = bool(fresh or handles or set_role or set_organisation or set_notes)
        action = RowAction.MERGE if changed else RowAction.UNCHANGED
        if person.entry is not None:
            # Into a contact an earlier entry creates: that creation takes it all.
            target = self.new_plans[person.entry]
            target.phones.extend(fresh)
            target.handles.extend(handles)
            if set_role:
                target.role = role
            if set_organisation:
                target.organisation = organisation
            if set_notes:
                target.notes = notes
            row = self._row(entry, action, person.name, None, person.entry, fresh, left_out)
            self.plans.append(Plan(row))
            return
        row = self._row(entry, action, person.name, person.contact_id, None, fresh, left_out)
        self.plans.append(
            Plan(
                row,
                role=role,
                organisation=organisation,
                notes=notes,
                phones=fresh,
                handles=handles,
                set_role=set_role,
                set_organisation=set_organisation,
                set_notes=set_notes,
            )
        )

    @staticmethod
    def _row(
        entry: ParsedContact,
        action: RowAction,
        name: str,
        contact_id: int | None,
        merged_into: int | None,
        numbers: Sequence[Labelled],
        left_out: Sequence[DomainError],
    ) -> PreviewRow:
        return PreviewRow(
            entry=entry,
            action=action,
            name=name,
            contact_id=contact_id,
            merged_into_entry=merged_into,
            new_numbers=tuple(n for n, _label in numbers),
            reason=None,
            left_out=tuple(left_out),
        )


def plan_all(session: Session, entries: Sequence[ParsedContact]) -> list[Plan]:
    """The plan of every entry, in file order, against the store as ``session`` sees it."""
    planner = _Planner(session)
    planner.load(entries)
    for entry in entries:
        planner.plan(entry)
    # Later entries may have added numbers to a new contact: its row shows them all.
    for plan in planner.new_plans.values():
        plan.row = replace(plan.row, new_numbers=tuple(n for n, _label in plan.phones))
    return planner.plans
