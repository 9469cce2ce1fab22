"""Folding and tokens: what the index and a query agree a text is."""

from __future__ import annotations

import pytest

from coordinator.search.text import Script, Term, Tokens, fold, matched_spans, query_terms


def test_full_width_case_and_traditional_fold_to_one_form() -> None:
    assert fold("ＡＯＩ１３８") == "aoi138"
    assert fold("營業執照") == "营业执照"  # OpenCC t2s
    assert fold("稅務局") == "税务局"
    assert fold("Straße") == "strasse"


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("税务", [Term(Script.HAN, "税务")]),
        (
            "AOI检测 2026",
            [Term(Script.LATIN, "aoi"), Term(Script.HAN, "检测"), Term(Script.DIGIT, "2026")],
        ),
        (
            '"税务" OR 银行*',
            [Term(Script.HAN, "税务"), Term(Script.LATIN, "or"), Term(Script.HAN, "银行")],
        ),
        (
            'NEAR(税务 银行) ^ - " ( ) { } :',
            [Term(Script.LATIN, "near"), Term(Script.HAN, "税务"), Term(Script.HAN, "银行")],
        ),
        ('"', []),
        ("* - ^ ( ) \"\" ''", []),
        ("税务 税务", [Term(Script.HAN, "税务")]),
    ],
)
def test_a_query_is_its_runs_and_never_syntax(query: str, terms: list[Term]) -> None:
    assert query_terms(query) == terms


def test_han_runs_give_characters_and_pairs_never_pairs_across_runs() -> None:
    tokens = Tokens()
    tokens.add_text("税务局，银行")
    uni, bi, word, number = tokens.columns()
    assert uni.split() == ["税", "务", "局", "银", "行"]
    assert bi.split() == ["税务", "务局", "x", "银行"]  # "局银" is no pair: a comma between
    assert word == number == ""


def test_latin_and_digit_runs_give_suffixes_numbers_their_own_column() -> None:
    tokens = Tokens()
    tokens.add_text("room 12")
    tokens.add_number("138 0013")
    _uni, _bi, word, number = tokens.columns()
    assert word.split() == ["room", "oom", "om", "m", "12", "2"]
    assert set(number.split()) == {
        "138",
        "38",
        "8",
        "0013",
        "013",
        "13",
        "3",
        "1380013",
        "380013",
        "80013",
    }


def test_matched_spans_are_offsets_in_the_original_text() -> None:
    terms = query_terms("执照")
    assert matched_spans("取營業執照了", terms) == [(3, 5)]
    assert matched_spans("ＡＯＩ检测", query_terms("aoi")) == [(0, 3)]
    assert matched_spans("执照、执照", terms) == [(0, 2), (3, 5)]
    assert matched_spans("<b>执照</b>", terms) == [(3, 5)]  # markup is just text
