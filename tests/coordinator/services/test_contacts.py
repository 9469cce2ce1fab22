"""Contacts: people, their numbers and handles; finding them however they are typed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from coordinator.errors import ConflictError, NotFoundError, ValidationError
from coordinator.kinds import Channel, OrganisationKind
from coordinator.queries import communications as communication_queries
from coordinator.queries import contacts as contact_queries
from coordinator.services import communications, contacts, organisations
from coordinator.store.changes import ChangeKind
from coordinator.store.records import ContactRecord, PhoneRecord
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, Refused


@pytest.fixture
def park(store: Store) -> int:
    return organisations.create(store, "园区管委会", "park").value.id


@pytest.fixture
def wang(store: Store, park: int) -> ContactRecord:
    return contacts.create(
        store,
        "王成峰",
        organisation_id=park,
        role="招商科科长",
        phones=[("+86 138 0013 8000", "手机"), "0574-87654321 转 808"],
        handles=[("wechat", "wcf_nb"), (Channel.DINGTALK, "wangcf")],
        notes="上午在园区\n下午在区里",
    ).value


def test_create(store: Store, park: int, log: EventLog) -> None:
    out = contacts.create(
        store,
        " 王成峰 ",
        organisation_id=park,
        role="招商科科长",
        phones=[("+86 138 0013 8000", "手机"), "0574-87654321 转 808"],
        handles=[("wechat", "wcf_nb")],
        notes="上午在园区\n下午在区里",
    )
    person = out.value
    p1, p2 = person.phones
    assert person == ContactRecord(
        id=person.id,
        name="王成峰",
        organisation_id=park,
        organisation_name="园区管委会",
        role="招商科科长",
        pinyin="wang cheng feng",
        initials="wcf",
        notes="上午在园区\n下午在区里",
        phones=(
            PhoneRecord(p1.id, "+86 138 0013 8000", "+8613800138000", "", "手机"),
            PhoneRecord(p2.id, "0574-87654321 转 808", "+8657487654321", "808", ""),
        ),
        handles=((Channel.WECHAT, "wcf_nb"),),
    )
    assert out.changes.kinds == {ChangeKind.CONTACT, ChangeKind.EVENT}
    assert out.changes.ids_of(ChangeKind.CONTACT) == {person.id}
    assert log.new() == [
        ("contact", person.id, "created", None, "王成峰", None),
        ("contact", person.id, "phone", None, "+86 138 0013 8000", None),
        ("contact", person.id, "phone", None, "0574-87654321 转 808", None),
        ("contact", person.id, "handle:wechat", None, "wcf_nb", None),
    ]
    assert contact_queries.get(store, person.id) == person


def test_create_refusals(store: Store, wang: ContactRecord, refused: Refused) -> None:
    refused(ValidationError, "Name is required.", contacts.create, store, " ")
    refused(
        NotFoundError,
        "The organisation #999 does not exist (any more).",
        contacts.create,
        store,
        "李娜",
        organisation_id=999,
    )
    refused(
        ValidationError,
        "“138-0013-800O” is not a phone number: only digits, spaces, +, - and brackets.",
        contacts.create,
        store,
        "李娜",
        phones=["138-0013-800O"],
    )
    refused(
        ConflictError,
        "李娜 already has the number 138 0013 8000.",
        contacts.create,
        store,
        "李娜",
        phones=["13800138000", "138 0013 8000"],
    )
    refused(
        ConflictError,
        "The handle “wcf_nb” already belongs to another contact.",
        contacts.create,
        store,
        "李娜",
        handles=[("wechat", "wcf_nb")],
    )
    refused(
        ValidationError,
        "“telegram” is not a known channel.",
        contacts.create,
        store,
        "李娜",
        handles=[("telegram", "lina")],
    )
    refused(
        ValidationError,
        "Messaging handle is required.",
        contacts.create,
        store,
        "李娜",
        handles=[("qq", "  ")],
    )
    refused(
        ValidationError,
        "A contact can have at most 10 phone numbers.",
        contacts.create,
        store,
        "李娜",
        phones=[f"1380013{n:04d}" for n in range(11)],
    )


def test_the_same_number_may_belong_to_two_people(store: Store, wang: ContactRecord) -> None:
    # A switchboard: two people reached on one landline.
    li = contacts.create(store, "李娜", phones=["87654321"]).value
    found = contact_queries.find_by_number(store, "(0574) 8765-4321")
    assert [c.name for c in found] == ["李娜", "王成峰"]  # by name (code point order)
    assert [c.id for c in found] == [li.id, wang.id]


def test_update(store: Store, wang: ContactRecord, park: int, log: EventLog) -> None:
    log.new()
    out = contacts.update(store, wang.id, name="曾小明", role="副主任", notes="新的备注")
    person = out.value
    assert (person.name, person.pinyin, person.initials, person.role, person.notes) == (
        "曾小明",
        "zeng xiao ming",
        "zxm cxm",
        "副主任",
        "新的备注",
    )
    assert person.organisation_id == park  # KEEP
    assert out.changes.ids_of(ChangeKind.CONTACT) == {wang.id}
    assert log.new() == [
        ("contact", wang.id, "name", "王成峰", "曾小明", None),
        ("contact", wang.id, "role", "招商科科长", "副主任", None),
        ("contact", wang.id, "notes", "上午在园区\n下午在区里", "新的备注", None),
    ]
    detached = contacts.update(store, wang.id, organisation_id=None).value
    assert (detached.organisation_id, detached.organisation_name) == (None, "")
    assert log.new() == [("contact", wang.id, "organisation_id", str(park), None, None)]
    unchanged = contacts.update(store, wang.id, name="曾小明")
    assert not unchanged.changes
    assert log.new() == []


def test_update_refusals(store: Store, wang: ContactRecord, refused: Refused) -> None:
    refused(
        NotFoundError,
        "The contact #999 does not exist (any more).",
        contacts.update,
        store,
        999,
        name="x",
    )
    refused(
        NotFoundError,
        "The organisation #77 does not exist (any more).",
        contacts.update,
        store,
        wang.id,
        organisation_id=77,
    )
    refused(ValidationError, "Name is required.", contacts.update, store, wang.id, name="")


def test_add_and_remove_phone(store: Store, wang: ContactRecord, log: EventLog) -> None:
    log.new()
    out = contacts.add_phone(store, wang.id, "0086 139 0000 1111", "备用")
    added = out.value.phones[-1]
    assert (added.raw, added.e164, added.label) == ("0086 139 0000 1111", "+8613900001111", "备用")
    assert len(out.value.phones) == 3
    assert out.changes.ids_of(ChangeKind.CONTACT) == {wang.id}
    assert log.new() == [("contact", wang.id, "phone", None, "0086 139 0000 1111", None)]

    out = contacts.remove_phone(store, wang.id, wang.phones[0].id)
    assert [p.e164 for p in out.value.phones] == ["+8657487654321", "+8613900001111"]
    assert log.new() == [("contact", wang.id, "phone", "+86 138 0013 8000", None, None)]
    assert contact_queries.find_by_number(store, "13800138000") == []


def test_phone_refusals(store: Store, wang: ContactRecord, refused: Refused) -> None:
    refused(
        ConflictError,
        "王成峰 already has the number 13800138000.",
        contacts.add_phone,
        store,
        wang.id,
        "13800138000",
    )
    refused(
        ValidationError,
        "“1234” is not a valid phone number (check the number of digits).",
        contacts.add_phone,
        store,
        wang.id,
        "1234",
    )
    refused(
        ValidationError,
        "That number is not one of this contact's numbers.",
        contacts.remove_phone,
        store,
        wang.id,
        987,
    )
    other = contacts.create(store, "李娜", phones=["13900001111"]).value
    refused(
        ValidationError,
        "That number is not one of this contact's numbers.",
        contacts.remove_phone,
        store,
        wang.id,
        other.phones[0].id,
    )


def test_set_handle(store: Store, wang: ContactRecord, log: EventLog, refused: Refused) -> None:
    log.new()
    out = contacts.set_handle(store, wang.id, "wechat", "wcf_2025")
    assert out.value.handles == ((Channel.WECHAT, "wcf_2025"), (Channel.DINGTALK, "wangcf"))
    assert log.new() == [("contact", wang.id, "handle:wechat", "wcf_nb", "wcf_2025", None)]
    out = contacts.set_handle(store, wang.id, "qq", "10001")
    assert out.value.handles[-1] == (Channel.QQ, "10001")
    assert log.new() == [("contact", wang.id, "handle:qq", None, "10001", None)]
    # The old handle is free again for someone else.
    li = contacts.create(store, "李娜", handles=[("wechat", "wcf_nb")]).value
    refused(
        ConflictError,
        "The handle “10001” already belongs to another contact.",
        contacts.set_handle,
        store,
        li.id,
        "qq",
        "10001",
    )


def test_delete(store: Store, wang: ContactRecord, log: EventLog) -> None:
    call = communications.log(store, contact_id=wang.id, raw_number="13800138000").value
    log.new()
    out = contacts.delete(store, wang.id)
    assert out.changes.ids_of(ChangeKind.CONTACT) == {wang.id}
    assert out.changes.touches(ChangeKind.COMMUNICATION)
    assert log.new() == [("contact", wang.id, "deleted", "王成峰", None, None)]
    kept = communication_queries.get(store, call.id)
    assert (kept.contact_id, kept.raw_number, kept.number_e164) == (
        None,
        "13800138000",
        "+8613800138000",
    )
    with pytest.raises(NotFoundError):
        contact_queries.get(store, wang.id)


@pytest.mark.parametrize(
    "typed",
    [
        "+86 138 0013 8000",
        "13800138000",
        "138-0013-8000",
        "0086 13800138000",
        "１３８ ００１３ ８０００",
    ],
)
def test_find_by_number_whatever_the_typing(store: Store, wang: ContactRecord, typed: str) -> None:
    assert [c.id for c in contact_queries.find_by_number(store, typed)] == [wang.id]


@pytest.mark.parametrize(
    "typed", ["87654321", "0574 8765 4321", "+86 574 87654321", "0574-87654321 转 999"]
)
def test_find_a_landline(store: Store, wang: ContactRecord, typed: str) -> None:
    assert [c.id for c in contact_queries.find_by_number(store, typed)] == [wang.id]


def test_find_by_number_unknown_or_wrong(store: Store, wang: ContactRecord) -> None:
    assert contact_queries.find_by_number(store, "139 0000 1111") == []
    with pytest.raises(ValidationError):
        contact_queries.find_by_number(store, "not a number")


@pytest.mark.parametrize(
    "term",
    [
        "王成峰",
        "成峰",
        "王",
        "wcf",
        "WCF",
        "wc",
        "wangchengfeng",
        "wang cheng feng",
        "Wang Cheng",
        "138",
        "0013",
        "8000",
        "138 0013",
        "+86 138",
        "8765",
        "0574-8765",
        "574 8765 4321",
        "１３８",
    ],
)
def test_search_finds(store: Store, wang: ContactRecord, term: str) -> None:
    contacts.create(store, "李娜", phones=["139 0000 1111"])
    assert [c.id for c in contact_queries.search(store, term)] == [wang.id]


@pytest.mark.parametrize("term", ["", "  ", "ln2", "13", "xyz", "%", "_", "9999"])
def test_search_does_not_find(store: Store, wang: ContactRecord, term: str) -> None:
    assert contact_queries.search(store, term) == []


def test_search_by_the_other_surname_reading(store: Store) -> None:
    zeng = contacts.create(store, "曾小明").value
    assert [c.id for c in contact_queries.search(store, "zxm")] == [zeng.id]
    assert [c.id for c in contact_queries.search(store, "cxm")] == [zeng.id]
    assert [c.id for c in contact_queries.search(store, "zengxiao")] == [zeng.id]


def test_search_orders_by_name_and_limits(store: Store) -> None:
    ids = [contacts.create(store, f"张{n}", phones=[f"1380000{n:04d}"]).value.id for n in range(5)]
    assert [c.id for c in contact_queries.search(store, "13800000")] == ids
    assert [c.id for c in contact_queries.search(store, "zhang", limit=2)] == ids[:2]


def test_create_at_a_new_organisation_by_its_name(store: Store, log: EventLog) -> None:
    out = contacts.create_at_organisation(
        store, "周雨桐", organisation="甬江新材料有限公司", role="财务", number="138 0013 8001"
    )
    person = out.value
    assert person.organisation_name == "甬江新材料有限公司"
    assert [p.e164 for p in person.phones] == ["+8613800138001"]
    assert out.changes.ids_of(ChangeKind.CONTACT) == {person.id}
    assert person.organisation_id in out.changes.ids_of(ChangeKind.ORGANISATION)
    recorded = {(entity, ident) for entity, ident, _field in log.fields()}
    assert recorded == {("organisation", person.organisation_id), ("contact", person.id)}
    assert [o.kind for o in contact_queries.organisations(store, text="甬江")] == [
        OrganisationKind.COMPANY
    ]
    again = contacts.create_at_organisation(store, "郑凯", organisation=" 甬江新材料有限公司 ")
    assert again.value.organisation_id == person.organisation_id  # the same, not a second


def test_create_at_organisation_refused_leaves_no_organisation(
    store: Store, refused: Refused
) -> None:
    refused(
        ValidationError,
        "“1234” is not a valid phone number (check the number of digits).",
        contacts.create_at_organisation,
        store,
        "周雨桐",
        organisation="谁也没要的公司",
        number="1234",
    )
    assert contact_queries.organisations(store, text="谁也没要") == []


def test_an_undo_of_an_edit_is_recorded_and_a_handle_can_be_removed(
    store: Store, wang: ContactRecord, log: EventLog
) -> None:
    edited = contacts.update(store, wang.id, role="副总经理").value
    contacts.set_handle(store, wang.id, Channel.QQ, "77771234")
    now = contact_queries.get(store, wang.id)
    log.new()
    back = contacts.update(
        store, wang.id, role=wang.role, expected_version=now.row_version, undoing=True
    ).value
    assert back.role == wang.role
    assert back.row_version > edited.row_version
    assert [(e.field, e.before, e.after) for e in log.new()] == [
        ("role", "副总经理", wang.role),
        ("undone", None, None),
    ]
    gone = contacts.remove_handle(store, wang.id, "qq").value
    assert dict(gone.handles).get(Channel.QQ) is None
    assert log.new() == [("contact", wang.id, "handle:qq", "77771234", None, None)]


def test_a_deleted_contact_is_restored_with_numbers_handles_and_links(
    store: Store, wang: ContactRecord, log: EventLog, refused: Refused
) -> None:
    call = communications.log(store, contact_id=wang.id, notes="约见面").value
    gone = contacts.delete(store, wang.id).value
    assert gone.record == wang
    assert gone.communications == (call.id,)
    assert communication_queries.get(store, call.id).contact_id is None
    log.new()
    back = contacts.restore(store, gone)
    assert back.value == wang  # the same id, numbers (their ids too) and handles
    assert communication_queries.get(store, call.id).contact_id == wang.id
    assert back.changes.ids_of(ChangeKind.COMMUNICATION) == {call.id}
    assert log.new() == [("contact", wang.id, "restored", None, "王成峰", None)]

    # A handle another contact took meanwhile stays theirs; a contact added since who was
    # given the deleted one's id keeps it, and the restored one then has a new id.
    gone = contacts.delete(store, wang.id).value
    other = contacts.create(store, "王小明", handles=[("wechat", "wcf_nb")]).value
    again = contacts.restore(store, gone).value
    assert again.handles == ((Channel.DINGTALK, "wangcf"),)
    if other.id == wang.id:  # SQLite hands the highest id out again (a server does not)
        assert again.id != wang.id
    else:
        assert again.id == wang.id
    assert communication_queries.get(store, call.id).contact_id == again.id
    assert contact_queries.get(store, other.id).name == "王小明"
