"""Merging by meaning, case by case: what two copies did to the same things offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.kinds import OrganisationKind
from coordinator.services import cases, communications, contacts, organisations
from coordinator.store.models import Case, CaseTag, Contact, Organisation, SyncConflict
from coordinator.store.storage import Store
from coordinator.sync import conflicts, parcel
from coordinator.sync.checkout import checkout
from coordinator.sync.exchange import WrongOfficeError, sync
from coordinator.sync.sealed import WrongPassphraseError
from tests.conftest import FixedClock


@pytest.fixture
def office(store: Store) -> Store:
    company = organisations.create(store, "星河新能源有限公司", OrganisationKind.COMPANY).value
    cases.open_case(store, "星河电池工厂落地", company_id=company.id, tags=["重点"])
    cases.open_case(store, "东港物流园扩建")
    contacts.create(store, "王芳", organisation_id=company.id)
    return store


@pytest.fixture
def laptop(office: Store, tmp_path: Path) -> Store:
    made, _ = checkout(office, tmp_path / "laptop")
    yield made
    made.close()


class _Row(dict[str, object]):
    def __getattr__(self, name: str) -> object:
        return self[name]


def _one(store: Store, model: type, **where: object) -> _Row:
    """One record's columns, read in their own snapshot."""
    table = model.__table__
    with store.read() as session:
        query = select(table)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        return _Row(session.execute(query).mappings().one())


def _ids(store: Store, model: type) -> list[int]:
    with store.read() as session:
        return list(session.scalars(select(model.id).order_by(model.id)))


def _open(store: Store) -> list[tuple[str, str, str]]:
    return [(c.kind, c.table, c.field) for c in conflicts.list_conflicts(store)]


def test_two_fields_of_one_record_changed_on_each_side_both_stay(
    office: Store, laptop: Store
) -> None:
    cases.update(laptop, _ids(laptop, Case)[0], notes="笔记本：企业催办")
    cases.update(office, _ids(office, Case)[0], title="星河电池工厂（一期）落地")
    sync(laptop, office, backup=False)
    for side in (laptop, office):
        case = _one(side, Case, reference="2025-0001")
        assert (case.title, case.notes) == ("星河电池工厂（一期）落地", "笔记本：企业催办")
    assert _open(laptop) == []


def test_tags_added_on_both_sides_are_all_kept(office: Store, laptop: Store) -> None:
    cases.update(laptop, _ids(laptop, Case)[0], tags=["重点", "电池"])
    cases.update(office, _ids(office, Case)[0], tags=["重点", "省级"])
    sync(laptop, office, backup=False)
    for side in (laptop, office):
        with side.read() as session:
            assert sorted(session.scalars(select(CaseTag.tag))) == ["电池", "省级", "重点"]


def test_a_record_deleted_there_and_edited_here_is_asked_and_can_be_put_back(
    office: Store, laptop: Store
) -> None:
    wang = _one(laptop, Contact, name="王芳")
    contacts.update(laptop, wang.id, role="总经理")
    contacts.delete(office, _one(office, Contact, name="王芳").id)
    sync(laptop, office, backup=False)
    found = conflicts.list_conflicts(laptop)
    assert [(c.kind, c.table) for c in found] == [("deleted_there", "contacts")]
    assert found[0].ours["role"] == "总经理"
    for side in (laptop, office):  # deleted on both, until the officer says otherwise
        with side.read() as session:
            assert session.scalars(select(Contact.name)).all() == []
    conflicts.resolve(laptop, found[0].id, "restore")
    sync(laptop, office, backup=False)
    for side in (laptop, office):
        back = _one(side, Contact, name="王芳")
        assert back.role == "总经理"
    assert _open(laptop) == []


def test_a_record_deleted_here_and_edited_there_is_asked(office: Store, laptop: Store) -> None:
    contacts.delete(laptop, _one(laptop, Contact, name="王芳").id)
    contacts.update(office, _one(office, Contact, name="王芳").id, role="财务总监")
    sync(laptop, office, backup=False)
    kinds = {(c.kind, c.table) for c in conflicts.list_conflicts(laptop)}
    assert kinds & {("deleted_here", "contacts"), ("deleted_there", "contacts")}


def test_one_organisation_added_on_both_sides_becomes_one(office: Store, laptop: Store) -> None:
    here = organisations.create(laptop, "东港区税务局", OrganisationKind.DEPARTMENT).value
    there = organisations.create(office, "东港区税务局", OrganisationKind.DEPARTMENT).value
    contacts.create(laptop, "李强", organisation_id=here.id)
    contacts.create(office, "赵敏", organisation_id=there.id)
    sync(laptop, office, backup=False)
    for side in (laptop, office):
        bureau = _one(side, Organisation, name="东港区税务局")
        with side.read() as session:
            people = sorted(
                session.scalars(select(Contact.name).where(Contact.organisation_id == bureau.id))
            )
        assert people == ["李强", "赵敏"]
    assert (
        _one(laptop, Organisation, name="东港区税务局").uid
        == _one(office, Organisation, name="东港区税务局").uid
    )


def test_a_case_number_handed_out_on_both_sides_stays_unique(
    office: Store, laptop: Store, clock: FixedClock
) -> None:
    theirs = cases.open_case(office, "办公室新开的案件").value
    clock.advance(minutes=20)  # the laptop's case is opened later
    mine = cases.open_case(laptop, "笔记本上新开的案件").value
    assert mine.reference == theirs.reference == "2025-0003"
    sync(laptop, office, backup=False)
    for side in (laptop, office):
        with side.read() as session:
            refs = dict(session.execute(select(Case.title, Case.reference)).all())
        assert len(set(refs.values())) == 4
        assert refs["办公室新开的案件"] == "2025-0003"  # the earlier one keeps its number
        assert refs["笔记本上新开的案件"].startswith("2025-0003-")


def test_a_laptop_of_another_office_is_refused(
    office: Store, laptop: Store, tmp_path: Path
) -> None:
    from coordinator.safety.opening import open_store

    other = open_store(tmp_path / "other")
    try:
        communications.log(laptop, notes="不会发出的电话")
        with pytest.raises(WrongOfficeError):
            sync(laptop, other, backup=False)
        with other.read() as session:
            assert session.scalars(select(SyncConflict)).all() == []
    finally:
        other.close()


def test_a_sync_file_with_a_wrong_passphrase_changes_nothing(
    office: Store, laptop: Store, tmp_path: Path
) -> None:
    communications.log(laptop, notes="文件里的电话")
    parcel.write_laptop_parcel(laptop, tmp_path / "s.lhsync", "正确的密码12345")
    with pytest.raises(WrongPassphraseError):
        parcel.apply_parcel(office, tmp_path / "s.lhsync", "错误的密码12345")
    from coordinator.store.models import Communication

    with office.read() as session:
        assert session.scalars(select(Communication)).all() == []
    # Applied twice: the second time adds nothing.
    for _ in range(2):
        parcel.apply_parcel(office, tmp_path / "s.lhsync", "正确的密码12345")
    with office.read() as session:
        assert session.scalars(select(Communication.notes)).all() == ["文件里的电话"]


def test_a_checkout_of_chosen_cases_holds_them_and_every_contact(
    office: Store, tmp_path: Path
) -> None:
    laptop, report = checkout(office, tmp_path / "part", cases=["2025-0002"])
    try:
        assert report.cases == 1
        with laptop.read() as session:
            assert session.scalars(select(Case.reference)).all() == ["2025-0002"]
            assert session.scalars(select(Contact.name)).all() == ["王芳"]
        # The office's work on a case not checked out does not come here.
        cases.update(office, _ids(office, Case)[0], notes="只在办公室")
        communications.log(office, case_id=_ids(office, Case)[0], notes="别的案件的电话")
        cases.update(office, _ids(office, Case)[1], notes="本机的案件")
        sync(laptop, office, backup=False)
        with laptop.read() as session:
            assert session.scalars(select(Case.notes)).all() == ["本机的案件"]
            from coordinator.store.models import Communication

            assert session.scalars(select(Communication)).all() == []
    finally:
        laptop.close()


def test_calls_filed_together_on_the_laptop_are_filed_at_the_office(
    office: Store, laptop: Store
) -> None:
    made = [communications.log(laptop, notes=f"未归档电话{n}").value.id for n in range(3)]
    sync(laptop, office, backup=False)
    communications.file_to_case(laptop, made, _ids(laptop, Case)[1])  # one statement
    sync(laptop, office, backup=False)
    from coordinator.store.models import Communication

    with office.read() as session:
        filed = session.execute(
            select(Communication.notes, Case.reference).join(Case, Case.id == Communication.case_id)
        ).all()
    assert sorted(filed) == [(f"未归档电话{n}", "2025-0002") for n in range(3)]


def test_a_years_holidays_entered_again_at_the_office_replace_the_laptops(
    office: Store, laptop: Store
) -> None:
    from datetime import date

    from coordinator.services import calendar
    from coordinator.store.models import CalendarDay

    calendar.enter_year(
        office, 2027, holidays=[date(2027, 2, 8), date(2027, 2, 9)], make_up_workdays=[]
    )
    sync(laptop, office, backup=False)
    calendar.enter_year(
        office, 2027, holidays=[date(2027, 2, 9), date(2027, 2, 10)], make_up_workdays=[]
    )
    sync(laptop, office, backup=False)
    with laptop.read() as session:
        days = sorted(session.scalars(select(CalendarDay.day)))
    assert days == [date(2027, 2, 9), date(2027, 2, 10)]
