"""The contacts and organisations lists: SQL order, search, display rows, detail helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from coordinator.kinds import CaseStatus, Channel, OrganisationKind
from coordinator.queries import actions as action_queries
from coordinator.queries import contacts as q
from coordinator.queries.contacts import ContactFilter, OrganisationFilter
from coordinator.services import actions, cases, communications, contacts, organisations
from coordinator.store.storage import Store


@dataclass
class World:
    park: int
    bank: int
    tax: int
    company: int
    wang: int  # 王成峰, park, two numbers, a WeChat handle
    zeng: int  # 曾晓明, company (a surname with two readings: zeng / ceng)
    li: int  # 李娜, bank
    an: int  # 安然, no organisation, never contacted
    case_company: int  # a case of the company
    case_step: int  # a case where 李娜 is responsible for a step
    case_other: int  # a case nobody here has to do with


@pytest.fixture
def world(store: Store) -> World:
    park = organisations.create(store, "园区管委会", "park").value.id
    bank = organisations.create(store, "甬江银行", "bank").value.id
    tax = organisations.create(store, "区税务局", "department").value.id
    company = organisations.create(store, "澄明光电", "company").value.id
    wang = contacts.create(
        store,
        "王成峰",
        organisation_id=park,
        role="招商科科长",
        phones=[("+86 138 0013 8000", "手机"), "0574-87654321 转 808"],
        handles=[(Channel.WECHAT, "wcf_nb")],
    ).value.id
    zeng = contacts.create(
        store, "曾晓明", organisation_id=company, role="总经理", phones=["13905741234"]
    ).value.id
    li = contacts.create(
        store, "李娜", organisation_id=bank, role="客户经理", phones=["13600001111"]
    ).value.id
    an = contacts.create(store, "安然", role="拟引进人才 100%").value.id
    case_company = cases.open_case(
        store, "澄明光电落地", company_id=company, opened_at=datetime(2025, 6, 2, 9, 0)
    ).value.id
    case_step = cases.open_case(store, "外债登记", opened_at=datetime(2025, 6, 3, 9, 0)).value.id
    actions.add(store, case_step, bank, "外债签约登记", contact_id=li)
    case_other = cases.open_case(store, "人才对接", opened_at=datetime(2025, 6, 4, 9, 0)).value.id
    communications.log(store, at=datetime(2025, 6, 5, 10, 0), contact_id=wang)
    communications.log(store, at=datetime(2025, 6, 6, 11, 0), contact_id=wang)
    communications.log(store, at=datetime(2025, 6, 4, 8, 0), contact_id=li)
    communications.log(store, at=datetime(2025, 6, 7, 8, 0), contact_id=zeng)
    return World(park, bank, tax, company, wang, zeng, li, an, case_company, case_step, case_other)


def _ids(
    store: Store,
    flt: ContactFilter | None = None,
    sort: str = q.SORT_NAME,
    descending: bool = False,
) -> list[int]:
    wanted = flt or ContactFilter()
    with store.snapshot():
        found = q.contact_ids(store, wanted, sort, descending)
        assert q.contact_count(store, wanted) == len(found)
        return found


def _search(store: Store, text: str) -> set[int]:
    return set(_ids(store, ContactFilter(text=text)))


# -- order ---------------------------------------------------------------------------------


def test_names_sort_by_pinyin_both_ways(store: Store, world: World) -> None:
    # an ran, li na, wang cheng feng, zeng xiao ming
    expected = [world.an, world.li, world.wang, world.zeng]
    assert _ids(store, sort=q.SORT_NAME) == expected
    assert _ids(store, sort=q.SORT_NAME, descending=True) == expected[::-1]


def test_organisation_order_puts_people_without_one_first(store: Store, world: World) -> None:
    # "" < cheng ming (澄明) < qu shui (区税务局: nobody) < yong jiang (甬江) < yuan qu (园区)
    expected = [world.an, world.zeng, world.li, world.wang]
    assert _ids(store, sort=q.SORT_ORGANISATION) == expected
    assert _ids(store, sort=q.SORT_ORGANISATION, descending=True) == expected[::-1]


def test_last_contact_order_keeps_the_never_contacted_at_the_far_end(
    store: Store, world: World
) -> None:
    newest_first = [world.zeng, world.wang, world.li, world.an]
    assert _ids(store, sort=q.SORT_LAST_CONTACT, descending=True) == newest_first
    assert _ids(store, sort=q.SORT_LAST_CONTACT) == newest_first[::-1]


def test_limit_gives_the_head_of_the_list(store: Store, world: World) -> None:
    assert q.contact_ids(store, sort=q.SORT_NAME, limit=2) == [world.an, world.li]


def test_unknown_sort_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown sort"):
        q.contact_ids_stmt(sort="phone")
    with pytest.raises(ValueError, match="unknown sort"):
        q.organisation_ids_stmt(sort="contacts")


# -- search --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("wcf", {"wang"}),  # initials
        ("WCF", {"wang"}),
        ("chengfeng", {"wang"}),  # pinyin, any part
        ("cheng feng", {"wang"}),
        ("zxm", {"zeng"}),  # the surname reading 曾 = zeng ...
        ("cxm", {"zeng"}),  # ... and the everyday one
        ("成峰", {"wang"}),  # the name itself
        ("8000", {"wang"}),  # four digits of a number
        ("0013 8000", {"wang"}),  # typed with a space
        ("8765", {"wang"}),  # the landline's digits
        ("甬江", {"li"}),  # the organisation's name
        ("yongjiang", {"li"}),  # the organisation's pinyin
        ("科长", {"wang"}),  # the role
        ("wcf_nb", {"wang"}),  # a messaging handle
        ("100%", {"an"}),  # % is a literal character, not a wildcard
        ("13", set()),  # two digits are too few to search numbers by
        ("nobody", set()),
    ],
)
def test_search(store: Store, world: World, text: str, who: set[str]) -> None:
    assert _search(store, text) == {getattr(world, name) for name in who}


def test_kind_and_organisation_filters(store: Store, world: World) -> None:
    assert _ids(store, ContactFilter(kind=OrganisationKind.BANK)) == [world.li]
    assert _ids(store, ContactFilter(kind=OrganisationKind.DEPARTMENT)) == []
    assert _ids(store, ContactFilter(organisation_id=world.park)) == [world.wang]
    assert _ids(store, ContactFilter(text="wcf", kind=OrganisationKind.BANK)) == []


# -- rows ----------------------------------------------------------------------------------


def test_contact_rows(store: Store, world: World) -> None:
    rows = q.contact_rows(store, [world.wang, world.an, 999_999])
    assert set(rows) == {world.wang, world.an}  # a missing id is simply left out
    wang = rows[world.wang]
    assert (wang.name, wang.organisation_name, wang.organisation_kind, wang.role) == (
        "王成峰",
        "园区管委会",
        OrganisationKind.PARK,
        "招商科科长",
    )
    assert (wang.first_phone, wang.phone_count) == ("+86 138 0013 8000", 2)
    assert wang.last_contact_at == datetime(2025, 6, 6, 11, 0)
    an = rows[world.an]
    assert (an.organisation_name, an.organisation_kind, an.first_phone) == ("", None, "")
    assert (an.phone_count, an.last_contact_at) == (0, None)


def test_rows_of_many_ids_come_in_chunks(store: Store, world: World) -> None:
    # more ids than one IN (...) list holds: the real ones still come back
    ids = [*range(100_000, 101_200), world.li]
    assert set(q.contact_rows(store, ids)) == {world.li}


# -- organisations -------------------------------------------------------------------------


def test_organisation_list(store: Store, world: World) -> None:
    with store.snapshot():
        assert q.organisation_count(store) == 4
        # cheng ming, qu shui wu ju, yong jiang, yuan qu
        assert q.organisation_ids(store) == [world.company, world.tax, world.bank, world.park]
        assert q.organisation_ids(store, descending=True) == [
            world.park,
            world.bank,
            world.tax,
            world.company,
        ]
        by_kind = q.organisation_ids(store, sort=q.SORT_KIND)
        assert by_kind == [world.bank, world.company, world.tax, world.park]
        assert q.organisation_ids(store, OrganisationFilter(text="yj")) == [world.bank]
        assert q.organisation_ids(store, OrganisationFilter(text="税务")) == [world.tax]
        assert q.organisation_ids(store, OrganisationFilter(text="shuiwu")) == [world.tax]
        parks = OrganisationFilter(kind=OrganisationKind.PARK)
        assert q.organisation_ids(store, parks) == [world.park]
        assert q.organisation_count(store, parks) == 1
        assert q.organisation_ids(store, limit=1) == [world.company]


def test_organisation_rows_count_people_and_open_cases(store: Store, world: World) -> None:
    cases.open_case(store, "第二个项目", company_id=world.company)
    closed = cases.open_case(store, "已撤回", company_id=world.company).value.id
    cases.set_status(store, closed, CaseStatus.CANCELLED, reason="企业撤回")
    # the bank owes a step in one open case; a step in its own case does not count twice
    actions.add(store, world.case_company, world.company, "企业自查")
    rows = q.organisation_rows(store, [world.company, world.tax, world.bank])
    assert (rows[world.company].contact_count, rows[world.company].open_case_count) == (1, 2)
    assert (rows[world.tax].contact_count, rows[world.tax].open_case_count) == (0, 0)
    assert (rows[world.bank].contact_count, rows[world.bank].open_case_count) == (1, 1)
    assert rows[world.tax].kind == OrganisationKind.DEPARTMENT


def test_organisation_record_and_choices(store: Store, world: World) -> None:
    with store.snapshot():
        record = q.organisation_record(store, world.bank)
        assert record is not None
        assert (record.name, record.kind) == ("甬江银行", OrganisationKind.BANK)
        assert q.organisation_record(store, 999_999) is None
        choices = q.organisation_choices(store)
    assert [name for _i, name in choices] == ["澄明光电", "区税务局", "甬江银行", "园区管委会"]


# -- detail panes and refresh helpers ------------------------------------------------------


def test_cases_of_a_contact(store: Store, world: World) -> None:
    with store.snapshot():
        assert [c.id for c in q.cases_of_contact(store, world.zeng)] == [world.case_company]
        lines = q.cases_of_contact(store, world.li)
        assert [c.id for c in lines] == [world.case_step]
        assert q.cases_of_contact(store, world.an) == []
    assert lines[0].title == "外债登记"
    assert lines[0].status == CaseStatus.OPEN


def test_cases_of_an_organisation_newest_first(store: Store, world: World) -> None:
    later = cases.open_case(
        store, "增资", company_id=world.company, opened_at=datetime(2025, 6, 8, 9, 0)
    ).value.id
    with store.snapshot():
        assert [c.id for c in q.cases_of_organisation(store, world.company)] == [
            later,
            world.case_company,
        ]
        # a department that owes a step sees that case too
        assert [c.id for c in q.cases_of_organisation(store, world.bank)] == [world.case_step]
        lines = q.cases_of_organisation(store, world.company)
    assert lines[0].company_name == "澄明光电"


def test_references_and_change_helpers(store: Store, world: World) -> None:
    with store.snapshot():
        assert q.contact_references(store, world.li) == q.ContactReferences(1, 1)
        assert q.contact_references(store, world.an) == q.ContactReferences(0, 0)
        assert q.contacts_of_organisations(store, [world.park, world.bank]) == {
            world.wang,
            world.li,
        }
        assert q.organisations_of_contacts(store, [world.wang, world.an]) == {world.park}
        assert q.organisations_of_cases(store, [world.case_company, world.case_step]) == {
            world.company,
            world.bank,  # owes a step in case_step
        }
        step = action_queries.for_case(store, world.case_step)[0].id
        assert q.organisations_of_actions(store, [step]) == {world.bank}
        assert q.existing_contacts(store, [world.an, 999_999]) == {world.an}
        assert q.existing_organisations(store, [world.tax, 999_999]) == {world.tax}


def test_contacts_of_communications(store: Store, world: World) -> None:
    mine = communications.log(store, contact_id=world.zeng).value.id
    unknown = communications.log(store, raw_number="13912345678").value.id
    assert q.contacts_of_communications(store, [mine, unknown]) == {world.zeng}
