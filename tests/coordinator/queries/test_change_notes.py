"""What another officer (another Store on the same database) saved is heard, once, and
one's own changes are not heard back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from coordinator.queries.changes import MARGIN, NoteReader
from coordinator.services import cases, organisations
from coordinator.store.changes import ChangeKind
from coordinator.store.models import ChangeNote
from coordinator.store.storage import Store
from tests.conftest import FixedClock


@pytest.fixture
def colleague(store: Store) -> Iterator[Store]:
    """A second officer on the same database (the same file, or the same server)."""
    other = Store(store.data_dir, clock=store.clock, officer="王成峰")
    other.before_commit.extend(store.before_commit)  # the search index follows here too
    yield other
    other.close()


def test_a_colleagues_change_is_heard_once_and_ones_own_is_not(
    store: Store, colleague: Store
) -> None:
    store.officer = "李晓雯"
    reader = NoteReader.from_now(store)
    assert not reader.read().changes

    org = organisations.create(colleague, "宁波华腾新材料有限公司", "company").value
    case = cases.open_case(colleague, "华腾项目落地", company_id=org.id).value
    organisations.create(store, "区税务局", "department")  # our own: not heard back

    heard = reader.read()
    assert heard.changes.ids_of(ChangeKind.ORGANISATION) == {org.id}
    assert case.id in heard.changes.ids_of(ChangeKind.CASE)
    assert heard.officers == ("王成峰",)
    assert not reader.read().changes  # nothing twice


def test_a_note_committed_after_a_later_one_is_still_heard(store: Store, colleague: Store) -> None:
    """Ids follow the start of transactions, not their commits: a transaction that
    started first may commit last. Written here as a note with a lower id arriving after
    a higher one was read."""
    reader = NoteReader.from_now(store)
    organisations.create(colleague, "园区管委会", "park")
    organisations.create(colleague, "开户银行", "bank")
    first = reader.read()
    assert len(first.changes.ids_of(ChangeKind.ORGANISATION)) == 2
    with colleague.work() as work:
        highest = work.session.scalar(select(func.max(ChangeNote.id)))
        assert highest is not None
        work.session.execute(  # the late one: below the highest already read
            insert(ChangeNote).values(
                id=highest + 100_000,
                at=work.now,
                officer="王成峰",
                origin=colleague.origin,
                changes={"case": [4242]},
            )
        )
    # Its id is above: heard. Now one below the highest read, within the margin:
    late = reader.read()
    assert late.changes.ids_of(ChangeKind.CASE) == {4242}
    with colleague.work() as work:
        work.session.execute(
            insert(ChangeNote).values(
                id=highest + 100_000 - MARGIN // 2,
                at=work.now,
                officer="王成峰",
                origin=colleague.origin,
                changes={"contact": [7]},
            )
        )
    assert reader.read().changes.ids_of(ChangeKind.CONTACT) == {7}
    assert not reader.read().changes


def test_a_unit_of_work_that_changes_nothing_leaves_no_note(store: Store) -> None:
    with store.read() as session:
        before = session.scalar(select(func.count()).select_from(ChangeNote))
    with store.work():
        pass
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(ChangeNote)) == before


def test_notes_older_than_a_day_are_pruned(store: Store, clock: FixedClock) -> None:
    organisations.create(store, "甲", "company")
    clock.advance(days=2)
    store.notes_written = 0  # the next unit of work prunes
    organisations.create(store, "乙", "company")
    with store.read() as session:
        oldest = session.scalar(select(func.min(ChangeNote.at)))
    assert oldest is not None
    assert oldest >= clock.now - timedelta(days=1)
