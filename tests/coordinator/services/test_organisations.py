"""Organisations: create, edit, delete, list."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from coordinator.errors import ConflictError, NotFoundError, ValidationError
from coordinator.i18n import set_language
from coordinator.kinds import OrganisationKind
from coordinator.queries import contacts as contact_queries
from coordinator.queries import documents as document_queries
from coordinator.services import actions, cases, contacts, documents, organisations
from coordinator.store.changes import ChangeKind
from coordinator.store.records import OrganisationRecord
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, Refused


def test_create(store: Store, log: EventLog) -> None:
    out = organisations.create(store, "  区税务局 ", "department", notes="三楼 窗口 5\n周六不办公")
    org = out.value
    assert org == OrganisationRecord(
        org.id, "区税务局", OrganisationKind.DEPARTMENT, "三楼 窗口 5\n周六不办公"
    )
    assert out.changes.kinds == {ChangeKind.ORGANISATION, ChangeKind.EVENT}
    assert out.changes.ids_of(ChangeKind.ORGANISATION) == {org.id}
    assert log.new() == [("organisation", org.id, "created", None, "区税务局 (department)", None)]


def test_create_refusals(store: Store, refused: Refused) -> None:
    organisations.create(store, "区税务局", OrganisationKind.DEPARTMENT)
    refused(
        ConflictError,
        "An organisation named “区税务局” already exists.",
        organisations.create,
        store,
        " 区税务局",
        "bank",
    )
    refused(
        ValidationError,
        "“ministry” is not a kind of organisation.",
        organisations.create,
        store,
        "发改委",
        "ministry",
    )
    refused(ValidationError, "Name is required.", organisations.create, store, "  ", "bank")


def test_update(store: Store, log: EventLog) -> None:
    org = organisations.create(store, "开户银行", "bank").value
    log.new()
    out = organisations.update(store, org.id, name="工商银行宁波分行", kind="fund", notes="对公")
    assert out.value == OrganisationRecord(
        org.id, "工商银行宁波分行", OrganisationKind.FUND, "对公"
    )
    assert out.changes.ids_of(ChangeKind.ORGANISATION) == {org.id}
    assert log.new() == [
        ("organisation", org.id, "name", "开户银行", "工商银行宁波分行", None),
        ("organisation", org.id, "kind", "bank", "fund", None),
        ("organisation", org.id, "notes", "", "对公", None),
    ]
    # The pinyin keys follow the new name.
    assert [o.id for o in contact_queries.organisations(store, text="gsyh")] == [org.id]
    assert contact_queries.organisations(store, text="kaihu") == []


def test_update_with_the_same_values_changes_nothing(store: Store, log: EventLog) -> None:
    org = organisations.create(store, "开户银行", "bank").value
    log.new()
    out = organisations.update(store, org.id, name="开户银行", kind="bank", notes="")
    assert out.value == org
    assert not out.changes
    assert log.new() == []


def test_update_refusals(store: Store, refused: Refused) -> None:
    organisations.create(store, "区税务局", "department")
    bank = organisations.create(store, "开户银行", "bank").value
    refused(
        ConflictError,
        "An organisation named “区税务局” already exists.",
        organisations.update,
        store,
        bank.id,
        name="区税务局",
    )
    refused(
        NotFoundError,
        "The organisation #999 does not exist (any more).",
        organisations.update,
        store,
        999,
        name="x",
    )
    refused(
        ValidationError,
        "“xx” is not a kind of organisation.",
        organisations.update,
        store,
        bank.id,
        kind="xx",
    )


def test_delete(store: Store, log: EventLog) -> None:
    org = organisations.create(store, "园区管委会", "park").value
    person = contacts.create(store, "王成峰", organisation_id=org.id).value
    log.new()
    out = organisations.delete(store, org.id)
    assert out.value.contacts == (person.id,)
    assert out.changes.ids_of(ChangeKind.ORGANISATION) == {org.id}
    assert log.new() == [("organisation", org.id, "deleted", "园区管委会", None, None)]
    assert contact_queries.organisations(store) == []
    # The contact stays, without an organisation.
    assert contact_queries.get(store, person.id).organisation_id is None


def test_delete_refused_while_used(store: Store, refused: Refused) -> None:
    company = organisations.create(store, "甲公司", "company").value
    department = organisations.create(store, "区税务局", "department").value
    case = cases.open_case(store, "落地", company_id=company.id).value
    refused(
        ConflictError,
        "“甲公司” is still used by cases, steps or documents and cannot be deleted.",
        organisations.delete,
        store,
        company.id,
    )
    actions.add(store, case.id, department.id, "税务登记")
    refused(
        ConflictError,
        "“区税务局” is still used by cases, steps or documents and cannot be deleted.",
        organisations.delete,
        store,
        department.id,
    )
    refused(
        NotFoundError,
        "The organisation #404 does not exist (any more).",
        organisations.delete,
        store,
        404,
    )


def test_list_all(store: Store) -> None:
    tax = organisations.create(store, "区税务局", "department").value
    park = organisations.create(store, "园区管委会", "park").value
    bank = organisations.create(store, "Bank of Ningbo", "bank").value
    assert [o.name for o in contact_queries.organisations(store)] == [
        "Bank of Ningbo",
        "区税务局",
        "园区管委会",
    ]
    assert [o.id for o in contact_queries.organisations(store, kind=OrganisationKind.PARK)] == [
        park.id
    ]
    assert [o.id for o in contact_queries.organisations(store, text="税务")] == [tax.id]
    assert [o.id for o in contact_queries.organisations(store, text="qsw")] == [tax.id]
    assert [o.id for o in contact_queries.organisations(store, text="shuiwu")] == [tax.id]
    assert [o.id for o in contact_queries.organisations(store, text="yuan qu")] == [park.id]
    assert [o.id for o in contact_queries.organisations(store, text="ningbo")] == [bank.id]
    # LIKE wildcards typed by the officer are plain characters.
    assert contact_queries.organisations(store, text="%") == []
    assert contact_queries.organisations(store, text="_") == []


def test_find_or_create_in(store: Store) -> None:
    existing = organisations.create(store, "区税务局", "department").value
    with store.work() as work:
        found = organisations.find_or_create_in(work, " 区税务局 ", "bank")
        made = organisations.find_or_create_in(work, "新部门", "department")
        assert found.id == existing.id
        assert found.kind == OrganisationKind.DEPARTMENT
        made_id = made.id
    assert work.changes.ids_of(ChangeKind.ORGANISATION) == {made_id}


def test_kind_label_in_both_languages() -> None:
    try:
        assert set_language("en") == "en"
        assert organisations.kind_label(OrganisationKind.DISTRICT) == "other district"
        assert set_language("zh_CN") == "zh_CN"
        assert organisations.kind_label(OrganisationKind.BANK) != "bank"
    finally:
        set_language("en")


def test_an_organisation_holding_documents_cannot_be_deleted(store: Store) -> None:
    bank = organisations.create(store, "甬江银行", "bank").value
    case = cases.open_case(store, "开户材料").value
    document = documents.add(store, case.id, "开户申请书", destination_id=bank.id).value
    with pytest.raises(ConflictError) as info:
        organisations.delete(store, bank.id)
    assert "steps or documents" in info.value.message("en")
    assert document_queries.for_case(store, case.id)[0].destination_id == bank.id
    assert document.destination_id == bank.id


def test_a_deleted_organisation_is_restored_with_its_contacts(
    store: Store, log: EventLog, refused: Refused
) -> None:
    elsewhere = organisations.create(store, "区商务局", "department").value
    org = organisations.create(store, "园区管委会", "park", "周一例会").value
    stays = contacts.create(store, "王成峰", organisation_id=org.id).value
    moves = contacts.create(store, "李娜", organisation_id=org.id).value
    gone = organisations.delete(store, org.id).value
    contacts.update(store, moves.id, organisation_id=elsewhere.id)  # moved on since
    log.new()
    back = organisations.restore(store, gone)
    assert back.value == org
    assert back.changes.ids_of(ChangeKind.CONTACT) == {stays.id}
    assert contact_queries.get(store, stays.id).organisation_id == org.id
    assert contact_queries.get(store, moves.id).organisation_id == elsewhere.id
    assert log.new()[0] == ("organisation", org.id, "restored", None, "园区管委会", None)
    assert [o.name for o in contact_queries.organisations(store)] == ["区商务局", "园区管委会"]

    # Its name taken by another meanwhile: refused, nothing put back.
    gone = organisations.delete(store, org.id).value
    organisations.create(store, "园区管委会", "park")
    refused(
        ConflictError,
        "An organisation named “园区管委会” already exists.",
        organisations.restore,
        store,
        gone,
    )
