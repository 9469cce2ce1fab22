"""Filing suggestions over a real store: what a message says, who sent it, and learning
from the officer's filings (a correction moves the next suggestion)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from coordinator.foresight.filing import FilingModel, messages_of
from coordinator.foresight.reasons import ReasonKind, reasons_text
from coordinator.foresight.terms import amount_terms, placed_terms, quoted_spans
from coordinator.i18n import set_language
from coordinator.kinds import CaseStatus, OrganisationKind
from coordinator.services import (
    actions,
    cases,
    communications,
    contacts,
    documents,
    organisations,
)
from coordinator.store.storage import Store
from tests.conftest import FixedClock


@dataclass
class Office:
    yongda_landing: int
    yongda_increase: int
    huateng: int
    bank_id: int
    yongda_boss: int
    bank_clerk: int


@pytest.fixture
def office(store: Store, clock: FixedClock) -> Office:
    """Two companies, three open cases (甬达 has two), a bank holding a step of one."""
    yongda = organisations.create(store, "宁波甬达精密机械有限公司", OrganisationKind.COMPANY)
    huateng = organisations.create(store, "宁波华腾新材料有限公司", OrganisationKind.COMPANY)
    bank = organisations.create(store, "中国工商银行宁波鄞州支行", OrganisationKind.BANK)
    landing = cases.open_case(
        store, "甬达新设企业落地", company_id=yongda.value.id, template_key="company_landing"
    ).value
    increase = cases.open_case(
        store, "甬达外资增资", company_id=yongda.value.id, amount=80_000_000
    ).value
    other = cases.open_case(
        store, "华腾新设企业落地", company_id=huateng.value.id, template_key="company_landing"
    ).value
    step = actions.add(store, increase.id, bank.value.id, "外汇登记与资本金入账").value
    actions.set_status(store, step.id, "in_progress")
    boss = contacts.create(
        store, "王成峰", organisation_id=yongda.value.id, phones=["138 0013 4321"]
    ).value
    clerk = contacts.create(
        store, "欧阳娜娜", organisation_id=bank.value.id, phones=["139 0574 6688"]
    ).value
    # The officer's filings so far: the landing is spoken of by its licence, the
    # increase by its bonds.
    for notes in ("营业执照副本已取回", "营业执照还差股东签字", "名称申报通过", "营业执照正本"):
        communications.log(store, notes=notes, contact_id=boss.id, case_id=landing.id)
        clock.advance(minutes=30)
    for notes in ("境外债券发行进度", "债券额度的批复"):
        communications.log(store, notes=notes, contact_id=boss.id, case_id=increase.id)
        clock.advance(minutes=30)
    communications.log(store, notes="华腾的租赁合同", case_id=other.id)
    return Office(landing.id, increase.id, other.id, bank.value.id, boss.id, clerk.id)


def _unfiled(store: Store, clock: FixedClock, notes: str, **who: object) -> int:
    clock.advance(minutes=10)
    return communications.log(store, notes=notes, **who).value.id  # type: ignore[arg-type]


def _suggest(model: FilingModel, store: Store, ident: int) -> list[int]:
    return [s.case_id for s in model.suggest(messages_of(store, [ident]))]


def test_the_message_text_picks_the_case_and_the_reasons_quote_it(
    store: Store, clock: FixedClock, office: Office
) -> None:
    model = FilingModel.build(store)
    assert model.open_cases == 3
    ident = _unfiled(
        store, clock, "甬达的营业执照副本什么时候能拿到？", contact_id=office.yongda_boss
    )
    message = messages_of(store, [ident])[0]
    best = model.suggest([message])
    assert best[0].case_id == office.yongda_landing
    kinds = {r.kind: r for r in best[0].reasons}
    assert kinds[ReasonKind.COMPANY].words == ("甬达",)
    # Every quoted word stands in the message as written.
    for reason in best[0].reasons:
        for word in reason.words:
            if reason.kind not in (ReasonKind.CALLER_COMPANY, ReasonKind.CALLER_DEPARTMENT):
                assert word in message.text
    quoted = [w for r in best[0].reasons for w in r.words]
    assert "营业执照副本" in quoted  # one phrase, quoted whole
    assert kinds[ReasonKind.CALLER_COMPANY].words == ("宁波甬达精密机械有限公司",)
    assert kinds[ReasonKind.CALLER_FILED].count == 4
    set_language("en")
    text = reasons_text(best[0].reasons)
    assert "mentions the company “甬达”" in text
    assert "the caller works at “宁波甬达精密机械有限公司”, the case's company" in text
    set_language("zh_CN")
    try:
        assert "提到公司“甬达”" in reasons_text(best[0].reasons)
    finally:
        set_language("en")


def test_the_same_caller_on_another_matter_gets_the_other_case(
    store: Store, clock: FixedClock, office: Office
) -> None:
    model = FilingModel.build(store)
    ident = _unfiled(store, clock, "8000万的债券批复下来了", contact_id=office.yongda_boss)
    best = model.suggest(messages_of(store, [ident]))
    assert best[0].case_id == office.yongda_increase
    amount = next(r for r in best[0].reasons if r.kind is ReasonKind.AMOUNT)
    assert amount.words == ("8000万",)


def test_a_bank_clerk_is_suggested_the_case_whose_step_the_bank_holds(
    store: Store, clock: FixedClock, office: Office
) -> None:
    model = FilingModel.build(store)
    ident = _unfiled(store, clock, "明天来柜台", contact_id=office.bank_clerk)
    best = model.suggest(messages_of(store, [ident]))
    assert best[0].case_id == office.yongda_increase
    reason = next(r for r in best[0].reasons if r.kind is ReasonKind.CALLER_DEPARTMENT)
    assert reason.words == ("中国工商银行宁波鄞州支行",)


def test_a_correction_changes_the_next_suggestion_for_a_similar_message(
    store: Store, clock: FixedClock, office: Office
) -> None:
    model = FilingModel.build(store)
    first = _unfiled(store, clock, "营业执照和环评批复的材料送到了", raw_number="0574 8765 1234")
    before = _suggest(model, store, first)
    assert before[:1] == [office.yongda_landing]  # by 营业执照, said in its messages
    # The officer files it to 华腾 instead: the model learns from the filing's change set.
    outcome = communications.file_to_case(store, [first], office.huateng)
    model.apply(store, outcome.changes)
    second = _unfiled(store, clock, "环评批复还要补一份", raw_number="0574 8765 1234")
    after = model.suggest(messages_of(store, [second]))
    assert after[0].case_id == office.huateng
    kinds = {r.kind for r in after[0].reasons}
    assert ReasonKind.LIKE_FILED in kinds  # "环评批复" was said in the message filed there
    assert ReasonKind.CALLER_FILED in kinds  # and this number's message is filed there


def test_refiling_moves_what_was_learned(store: Store, clock: FixedClock, office: Office) -> None:
    model = FilingModel.build(store)
    first = _unfiled(store, clock, "消防验收预约", raw_number="0574 8765 1234")
    model.apply(store, communications.file_to_case(store, [first], office.huateng).changes)
    model.apply(store, communications.file_to_case(store, [first], office.yongda_landing).changes)
    second = _unfiled(store, clock, "消防验收的时间", raw_number="0574 8765 1234")
    best = model.suggest(messages_of(store, [second]))
    assert best[0].case_id == office.yongda_landing
    kinds = {r.kind for r in best[0].reasons}
    assert {ReasonKind.LIKE_FILED, ReasonKind.CALLER_FILED} <= kinds  # learned there...
    for other in best[1:]:  # ...and forgotten where it was first filed
        assert ReasonKind.CALLER_FILED not in {r.kind for r in other.reasons}


def test_a_closed_case_is_no_longer_suggested(
    store: Store, clock: FixedClock, office: Office
) -> None:
    model = FilingModel.build(store)
    outcome = cases.set_status(
        store, office.yongda_increase, CaseStatus.CLOSED, force=True, reason="企业撤回"
    )
    model.apply(store, outcome.changes)
    assert model.open_cases == 2
    ident = _unfiled(store, clock, "债券批复", contact_id=office.yongda_boss)
    assert office.yongda_increase not in _suggest(model, store, ident)


def test_a_message_that_says_nothing_of_any_case_gets_no_ranked_case(
    store: Store, clock: FixedClock, office: Office
) -> None:
    model = FilingModel.build(store)
    clock.advance(days=60)  # long after anything happened: no case is busy
    ident = _unfiled(store, clock, "好的", raw_number="021 5555 0000")
    assert model.suggest(messages_of(store, [ident])) == []


def test_query_syntax_and_odd_text_are_just_text(
    store: Store, clock: FixedClock, office: Office
) -> None:
    model = FilingModel.build(store)
    for notes in ('"营业执照" OR *', "营业执照\u200b", "🙂" * 50, "a" * 5000, ""):
        ident = _unfiled(store, clock, notes, contact_id=office.yongda_boss)
        assert _suggest(model, store, ident)  # the caller still says something


def test_terms_quote_the_original_text() -> None:
    text = "ＡＯＩ检测，甬达的營業執照，5000万"
    placed = placed_terms(text)
    assert {p.term for p in placed} >= {"aoi", "检测", "甬达", "营业", "执照", "5000万"}
    for p in placed:
        assert text[p.start : p.end]  # each term points into the original
    licence = [p for p in placed if p.term in ("营业", "业执", "执照")]
    assert quoted_spans(text, licence) == ["營業執照"]
    assert amount_terms(50_000_000 * 100) == {"50000000", "5000万"}
    assert amount_terms(200_000_000 * 100) == {"200000000", "20000万", "2亿"}
    assert amount_terms(None) == set()


def test_a_case_quiet_for_long_falls_behind_one_active_now(
    store: Store, clock: FixedClock, office: Office
) -> None:
    model = FilingModel.build(store)
    clock.advance(days=30)
    fresh = cases.open_case(store, "甬达用地审批", company_id=None).value
    communications.log(store, notes="用地", case_id=fresh.id)
    model.apply(store, cases.update(store, fresh.id, notes="新开").changes)
    clock.now += timedelta(minutes=5)
    ident = _unfiled(store, clock, "甬达", raw_number="021 5555 0000")
    ranked = _suggest(model, store, ident)
    assert fresh.id in ranked


def test_deleting_a_filed_message_or_a_document_is_forgotten(
    store: Store, clock: FixedClock, office: Office
) -> None:
    said = communications.log(
        store, notes="消防验收预约", raw_number="0574 8765 1234", case_id=office.huateng
    ).value
    paper = documents.add(store, office.huateng, "消防设计审查意见书").value
    model = FilingModel.build(store)
    ident = _unfiled(store, clock, "消防", raw_number="021 5555 0000")
    best = model.suggest(messages_of(store, [ident]))
    assert best[0].case_id == office.huateng
    model.apply(store, communications.delete(store, said.id).changes)
    model.apply(store, documents.delete(store, paper.id).changes)
    after = model.suggest(messages_of(store, [ident]))
    assert all("消防" not in w for s in after for r in s.reasons for w in r.words)


def test_renaming_a_department_renames_it_in_the_cases_it_owes(
    store: Store, clock: FixedClock, office: Office
) -> None:
    model = FilingModel.build(store)
    renamed = organisations.update(store, office.bank_id, name="中国建设银行宁波分行")
    model.apply(store, renamed.changes)
    ident = _unfiled(store, clock, "建设银行那边的开户", raw_number="021 5555 0000")
    best = model.suggest(messages_of(store, [ident]))
    assert best[0].case_id == office.yongda_increase  # the bank holds its step
    assert any("建设银行" in w for r in best[0].reasons for w in r.words)
