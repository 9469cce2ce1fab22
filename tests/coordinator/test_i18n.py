"""The message catalogues: complete, current, and used by real domain errors."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo

from coordinator import i18n_tools
from coordinator.errors import DomainError, TransitionError
from coordinator.i18n import (
    DOMAIN,
    LOCALE_DIR,
    N_,
    language_from_environment,
    normalise_language,
    translate,
)
from coordinator.kinds import CaseStatus
from coordinator.safety.opening import open_store
from coordinator.services import cases, templates
from coordinator.store.storage import Store

CJK = re.compile(r"[\u4e00-\u9fff]")


def english_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text)}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "data")
    try:
        templates.install_builtin(s)
        yield s
    finally:
        s.close()


@pytest.fixture
def case_id(store: Store) -> int:
    return cases.open_case(store, "t", template_key="company_landing").value.id


# --- the catalogues ------------------------------------------------------------------------


def test_catalogues_are_complete_and_current() -> None:
    problems = i18n_tools.check()
    assert problems == [], "\n".join(
        ["run `python -m coordinator.i18n_tools update`, translate, then `compile`:", *problems]
    )


def test_code_has_messages_to_translate() -> None:
    ids = [m.id for m in i18n_tools.collect() if m.id]
    assert len(ids) > 100
    assert "The case is already {status}." in ids


def test_translations_keep_chinese_quotation_marks() -> None:
    catalog = i18n_tools._read_po(i18n_tools.po_path("zh_CN"), "zh_CN")
    for message in catalog:
        if message.id and "“" in str(message.id) and message.string:
            assert "“" in message.string, message.id
            assert "”" in message.string, message.id
            assert '"' not in message.string, message.id


# --- a real domain error, in both languages -------------------------------------------------


def test_domain_error_from_a_service_reads_in_english_and_chinese(
    store: Store, case_id: int
) -> None:
    with pytest.raises(TransitionError) as info:
        cases.set_status(store, case_id, CaseStatus.CLOSED)
    error = info.value
    assert isinstance(error, DomainError)
    count = error.params["count"]
    assert count > 0

    english = error.message("en")
    assert english == error.msgid.format(**error.params)
    assert f"open steps ({count})" in english

    chinese = error.message("zh_CN")
    assert CJK.search(chinese)
    assert str(count) in chinese
    assert not english_words(error.msgid) & english_words(chinese), chinese


def test_message_parameters_are_translated_too(store: Store, case_id: int) -> None:
    cases.set_status(store, case_id, CaseStatus.CLOSED, force=True, reason="企业撤回申请")
    with pytest.raises(TransitionError) as info:
        cases.set_status(store, case_id, CaseStatus.CLOSED)
    assert info.value.message("en") == "The case is already closed."
    chinese = info.value.message("zh_CN")
    assert "已办结" in chinese
    assert not re.search(r"[A-Za-z]", chinese)


def test_lazy_messages_translate_when_shown() -> None:
    message = N_("waiting on the company")
    assert message.tr("en") == "waiting on the company"
    assert message.tr("zh_CN") == "等待企业"
    assert translate("accepted with items missing", "zh_CN.UTF-8") == "容缺受理"
    assert translate("an id nobody marked", "zh_CN") == "an id nobody marked"


# --- languages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("zh_CN.UTF-8", "zh_CN"),
        ("zh-Hans", "zh_CN"),
        ("zh", "zh_CN"),
        ("ZH_cn", "zh_CN"),
        ("en_US", "en"),
        ("en_GB.UTF-8", "en"),
        ("fr_FR", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_normalise_language(given: str | None, expected: str) -> None:
    assert normalise_language(given) == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN:en_US", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LC_ALL": "", "LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US"}, "zh_CN"),
        ({"LIAISON_HUB_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"LIAISON_HUB_LANG": "zh-Hans", "LANG": "C"}, "zh_CN"),
    ],
)
def test_language_from_environment(environ: dict[str, str], expected: str) -> None:
    assert language_from_environment(environ) == expected


# --- the checker itself ---------------------------------------------------------------------


def test_placeholders_keep_format_specs() -> None:
    assert i18n_tools.placeholders("U+{code:04X} in {field}") == {"{code:04X}", "{field}"}
    assert i18n_tools.placeholders("{a!r} {{literal}}") == {"{a!r}"}
    with pytest.raises(ValueError, match="Single"):
        i18n_tools.placeholders("a lone } brace")


@pytest.mark.parametrize(
    ("string", "ok"),
    [
        ("{field}包含控制字符（U+{code:04X}）。", True),
        ("{field}包含控制字符（U+{code}）。", False),
        ("包含控制字符（U+{code:04X}）。", False),
        ("{field}{name}包含控制字符（U+{code:04X}）。", False),
        ("｛field｝包含控制字符（U+{code:04X}）。", False),
        ("{field包含控制字符（U+{code:04X}）。", False),
    ],
)
def test_placeholder_mismatch_is_a_problem(string: str, ok: bool) -> None:
    message = Message("{field} contains an invisible control character (U+{code:04X}).", string)
    assert (i18n_tools._placeholder_problem(message) is None) is ok


def test_check_reports_each_kind_of_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lang_dir = tmp_path / "zh_CN" / "LC_MESSAGES"
    lang_dir.mkdir(parents=True)
    po = lang_dir / f"{DOMAIN}.po"
    shutil.copy(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po", po)
    monkeypatch.setattr(i18n_tools, "LOCALE_DIR", tmp_path)
    assert i18n_tools.po_path("zh_CN") == po

    catalog = i18n_tools._read_po(po, "zh_CN")
    in_code = {m.id for m in i18n_tools.collect() if isinstance(m.id, str) and m.id}
    usable = [
        str(m.id)
        for m in catalog
        if m.id in in_code and m.string and i18n_tools.placeholders(str(m.id))
    ]
    gone, broken, empty, fuzzy = usable[:4]
    catalog.delete(gone)
    catalog[broken].string = "占位符被删掉了。"
    catalog[empty].string = ""
    catalog[fuzzy].flags.add("fuzzy")
    po.write_bytes(i18n_tools._render_po(catalog))

    problems = "\n".join(i18n_tools.check())
    assert f"not in liaison_hub.po (run update): {gone!r}" in problems
    assert f"{broken!r}: placeholders differ (missing: " in problems
    assert f"untranslated: {empty!r}" in problems
    assert f"fuzzy (needs review): {fuzzy!r}" in problems
    assert "liaison_hub.mo is missing" in problems

    mo = po.with_suffix(".mo")
    shutil.copy(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.mo", mo)
    assert "liaison_hub.mo is out of date" in "\n".join(i18n_tools.check())

    with mo.open("wb") as out:
        write_mo(out, i18n_tools._read_po(po, "zh_CN"), use_fuzzy=False)
    assert "liaison_hub.mo" not in "\n".join(i18n_tools.check())


def test_update_keeps_translations_drops_gone_ids_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lang_dir = tmp_path / "zh_CN" / "LC_MESSAGES"
    lang_dir.mkdir(parents=True)
    po = lang_dir / f"{DOMAIN}.po"
    shutil.copy(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po", po)
    monkeypatch.setattr(i18n_tools, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n_tools, "POT_PATH", tmp_path / f"{DOMAIN}.pot")
    catalog = i18n_tools._read_po(po, "zh_CN")
    catalog.add("An id no code marks any more", "代码中已不再使用的消息")
    po.write_bytes(i18n_tools._render_po(catalog))

    assert i18n_tools.update() == [po]
    assert (tmp_path / f"{DOMAIN}.pot").exists()
    assert not (tmp_path / "en").exists()  # English is the source language: no catalogue
    updated = i18n_tools._read_po(po, "zh_CN")
    assert updated.get("An id no code marks any more") is None
    assert "代码中已不再使用的消息" not in po.read_text(encoding="utf-8")
    assert updated["waiting on the company"].string == "等待企业"

    pot_before = (tmp_path / f"{DOMAIN}.pot").read_bytes()
    assert i18n_tools.update() == []
    assert (tmp_path / f"{DOMAIN}.pot").read_bytes() == pot_before


def test_a_reworded_id_gets_its_old_translation_as_fuzzy_but_unrelated_ids_do_not() -> None:
    catalog = Catalog(locale="zh_CN", domain=DOMAIN)
    catalog.add("Say why the case is cancelled.", "请说明取消事项的原因。")
    catalog.add("cancelled", "已取消")
    template = Catalog(domain=DOMAIN)
    template.add("Say why the case was cancelled.")
    template.add("cancelled")
    template.add("Channel")

    catalog.update(template, no_fuzzy_matching=True)
    i18n_tools._suggest_from_obsolete(catalog)

    reworded = catalog["Say why the case was cancelled."]
    assert reworded.string == "请说明取消事项的原因。"
    assert reworded.fuzzy
    assert reworded.previous_id == ["Say why the case is cancelled."]
    assert catalog["cancelled"].string == "已取消"
    assert not catalog["cancelled"].fuzzy
    assert not catalog["Channel"].string
