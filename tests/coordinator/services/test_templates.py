"""Case templates: the shipped ones, editing, and refusing broken step graphs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from coordinator.errors import DomainError, NotFoundError, ValidationError
from coordinator.kinds import OrganisationKind
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import templates as template_queries
from coordinator.safety.opening import open_store
from coordinator.services import cases, templates
from coordinator.services.templates import (
    TemplateActionSpec,
    TemplateDocumentSpec,
    TemplateRecord,
)
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, FixedClock, Refused

InChinese = Callable[[DomainError], DomainError]
BUILTIN = ["capital_increase", "company_landing", "cross_district_filing", "talent_match"]


def step(key: str, *depends_on: str, department: str = "区税务局") -> TemplateActionSpec:
    return TemplateActionSpec(
        key=key,
        department=department,
        department_kind=OrganisationKind.DEPARTMENT,
        title=f"步骤 {key}",
        promised_limit_hours=1,
        depends_on=depends_on,
    )


@pytest.fixture
def empty_store(tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    store = open_store(tmp_path / "empty", clock=clock)
    yield store
    store.close()


def test_install_builtin_once(empty_store: Store) -> None:
    out = templates.install_builtin(empty_store)
    assert out.value == BUILTIN
    assert out.changes.touches(ChangeKind.TEMPLATE)
    assert sorted(t.key for t in template_queries.list_all(empty_store)) == BUILTIN
    assert all(t.builtin for t in template_queries.list_all(empty_store))
    again = templates.install_builtin(empty_store)
    assert again.value == []
    assert not again.changes.touches(ChangeKind.TEMPLATE)


def test_a_deleted_builtin_stays_deleted(empty_store: Store) -> None:
    templates.install_builtin(empty_store)
    talent = template_queries.get(empty_store, "talent_match")
    templates.delete(empty_store, talent.id)
    assert templates.install_builtin(empty_store).value == []
    assert "talent_match" not in [t.key for t in template_queries.list_all(empty_store)]


def test_the_company_landing_template(store: Store) -> None:
    landing = template_queries.get(store, "company_landing")
    assert (landing.name, landing.name_en, landing.normal_duration_hours, landing.builtin) == (
        "企业注册落地",
        "Company registration and landing",
        30.0,
        True,
    )
    assert [a.key for a in landing.actions] == ["park", "licence", "seal", "bank", "tax", "social"]
    assert landing.actions[3] == TemplateActionSpec(
        "bank",
        "开户银行",
        OrganisationKind.BANK,
        "开立基本存款账户",
        15.0,
        1.5,
        7.5,
        ("licence", "seal"),
    )
    assert len(landing.documents) == 7
    assert landing.documents[4] == TemplateDocumentSpec(
        "住所使用证明（园区租赁协议）", "园区管委会", True, True, True
    )


def test_save_a_new_template(store: Store, log: EventLog) -> None:
    out = templates.save(
        store,
        " filing ",
        " 跨区备案 ",
        name_en="Cross-district filing",
        description="半小时办结",
        normal_duration_hours=0.5,
        actions=[step("a"), step("b", "a", department="邻区审批局")],
        documents=[TemplateDocumentSpec("备案表", destination="邻区审批局", stamped=True)],
    )
    record = out.value
    assert record == TemplateRecord(
        id=record.id,
        key="filing",
        name="跨区备案",
        name_en="Cross-district filing",
        description="半小时办结",
        normal_duration_hours=0.5,
        builtin=False,
        actions=(
            TemplateActionSpec("a", "区税务局", OrganisationKind.DEPARTMENT, "步骤 a", None, 1.0),
            TemplateActionSpec(
                "b", "邻区审批局", OrganisationKind.DEPARTMENT, "步骤 b", None, 1.0, None, ("a",)
            ),
        ),
        documents=(TemplateDocumentSpec("备案表", "邻区审批局", True, False, True),),
    )
    assert out.changes.ids_of(ChangeKind.TEMPLATE) == {record.id}
    assert log.new() == [("template", record.id, "created", None, "跨区备案", None)]
    # Opening a case from it builds the steps and their link.
    case = cases.open_case(store, "丁公司备案", template_key="filing").value
    a, b = action_queries.for_case(store, case.id)
    assert (a.title, b.title, b.department_name, b.depends_on) == (
        "步骤 a",
        "步骤 b",
        "邻区审批局",
        (a.id,),
    )
    assert case.normal_duration_hours == 0.5


def test_save_replaces_an_existing_template(store: Store, log: EventLog) -> None:
    first = templates.save(store, "x", "旧", actions=[step("a"), step("b")]).value
    log.new()
    second = templates.save(store, "x", "新", actions=[step("c", "d"), step("d")]).value
    assert second.id == first.id
    assert second.name == "新"
    assert [(s.key, s.depends_on) for s in second.actions] == [("c", ("d",)), ("d", ())]
    assert second.documents == ()
    assert log.new() == [("template", first.id, "edited", None, "新", None)]


def test_dependency_keys_are_trimmed_and_counted_once(store: Store) -> None:
    record = templates.save(store, "k", "名", actions=[step("a"), step("b", " a", "a", "a ")]).value
    assert record.actions[1].depends_on == ("a",)
    case = cases.open_case(store, "x", template_key="k").value
    first, second = action_queries.for_case(store, case.id)
    assert second.depends_on == (first.id,)
    single = TemplateActionSpec("c", "区税务局", OrganisationKind.DEPARTMENT, "t", depends_on="a")  # type: ignore[arg-type]
    assert templates.save(store, "k", "名", actions=[step("a"), single]).value.actions[
        1
    ].depends_on == ("a",)


@pytest.mark.parametrize(
    ("specs", "english"),
    [
        (
            [step("bank", "licence")],
            "The step “bank” waits on “licence”, which is not in the template.",
        ),
        ([step("a", "a")], "The steps wait on each other in a circle (at “a”)."),
        ([step("a", "b"), step("b", "a")], "The steps wait on each other in a circle (at “a”)."),
        (
            [step("a", "c"), step("b", "a"), step("c", "b")],
            "The steps wait on each other in a circle (at “a”).",
        ),
        ([step("a"), step("a")], "Two steps of the template share the key “a”."),
        ([step(" a"), step("a ")], "Two steps of the template share the key “a”."),
        ([step("")], "Key is required."),
        ([step("k" * 61)], "Key is too long: 61 characters, at most 60."),
        ([step("a", department=" ")], "Department is required."),
        (
            [
                TemplateActionSpec(
                    "a", "x", OrganisationKind.DEPARTMENT, "t", statutory_limit_hours=-2
                )
            ],
            "Statutory limit must be between 0 and 43800 working hours.",
        ),
        (
            [TemplateActionSpec("a", "x", "ministry", "t")],  # type: ignore[arg-type]
            "“ministry” is not a kind of organisation.",
        ),
    ],
)
def test_broken_step_graphs_are_refused(
    store: Store, refused: Refused, specs: list[TemplateActionSpec], english: str
) -> None:
    refused(ValidationError, english, templates.save, store, "broken", "坏模板", actions=specs)


def test_other_refusals(store: Store, refused: Refused) -> None:
    refused(ValidationError, "Name is required.", templates.save, store, "k", " ")
    refused(ValidationError, "Key is required.", templates.save, store, " ", "名")
    refused(
        ValidationError,
        "Title is required.",
        templates.save,
        store,
        "k",
        "名",
        documents=[TemplateDocumentSpec("")],
    )
    # Replacing an existing template with a broken one keeps the old contents.
    refused(
        ValidationError,
        "The steps wait on each other in a circle (at “park”).",
        templates.save,
        store,
        "company_landing",
        "企业注册落地",
        actions=[step("park", "park")],
    )
    assert len(template_queries.get(store, "company_landing").actions) == 6
    refused(NotFoundError, "There is no case template “nope”.", template_queries.get, store, "nope")
    refused(
        NotFoundError, "The template #999 does not exist (any more).", templates.delete, store, 999
    )


def test_delete_keeps_cases_opened_from_it(store: Store, log: EventLog) -> None:
    case = cases.open_case(store, "x", template_key="talent_match").value
    count = len(action_queries.for_case(store, case.id))
    talent = template_queries.get(store, "talent_match")
    log.new()
    out = templates.delete(store, talent.id)
    assert out.changes.ids_of(ChangeKind.TEMPLATE) == {talent.id}
    assert log.new() == [("template", talent.id, "deleted", talent.name, None, None)]
    assert len(action_queries.for_case(store, case.id)) == count
    assert case_queries.get(store, case.id).kind == "talent_match"


def test_list_all_by_name(store: Store) -> None:
    names = [t.name for t in template_queries.list_all(store)]
    assert names == sorted(names)
    assert len(names) == 4


def test_spec_files(tmp_path: Path, in_chinese: InChinese) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        templates.load_spec_file(bad_json)
    assert info.value.message("en").startswith("The template file bad.json cannot be read: ")
    in_chinese(info.value)
    not_template = tmp_path / "list.json"
    not_template.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        templates.load_spec_file(not_template)
    assert info.value.message("en") == "The template file list.json is not a case template."
    in_chinese(info.value)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"key": "k", "name": "名"}), encoding="utf-8")
    assert templates.load_spec_file(good) == {"key": "k", "name": "名"}


def test_an_incomplete_shipped_template_is_refused(
    empty_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_chinese: InChinese
) -> None:
    folder = tmp_path / "shipped"
    folder.mkdir()
    (folder / "x.json").write_text(
        json.dumps({"key": "x", "name": "名", "actions": [{"key": "a", "title": "t"}]}),
        encoding="utf-8",
    )
    monkeypatch.setattr(templates, "BUILTIN_DIR", folder)
    with pytest.raises(ValidationError) as info:
        templates.install_builtin(empty_store)
    assert info.value.message("en") == "A case template is incomplete: 'department'"
    in_chinese(info.value)
    assert template_queries.list_all(empty_store) == []
