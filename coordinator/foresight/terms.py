"""The terms of a message or a case as filing compares them, with where each stands.

Chinese is not cut into words (a cut guesses wrong on company and person names): a Han
run gives the pairs of neighbouring characters, so "甬达" in a note meets "宁波甬达精密
机械有限公司" in a company name. A Latin run of two or more letters is a term (AOI); a
digit run of three or more is one (a reference's serial, an amount, a licence number).
The text is folded first as the search folds it (full-width, case, Traditional), and each
term keeps the span of the original text it came from, so a reason can quote it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from coordinator.search.text import Script, fold, fold_with_offsets, runs

MIN_LATIN = 2
MIN_DIGITS = 3
MAGNITUDES = {"万": 10_000, "亿": 100_000_000}
"""A number written before one of these is an amount ("500万", "2亿"): it becomes the one
term "500万" whatever its length, and a case's amount is written the same way."""


@dataclass(frozen=True)
class Placed:
    """One term of a text and the span ``[start, end)`` of the original it came from."""

    term: str
    start: int
    end: int


def placed_terms(text: str) -> list[Placed]:
    """Every term of ``text`` with its span in ``text`` itself (repeats included)."""
    folded, origin = fold_with_offsets(text)
    if not folded:
        return []
    found: list[Placed] = []
    for run in runs(folded):
        if run.script is Script.HAN:
            for i in range(len(run.text) - 1):
                at = run.start + i
                found.append(Placed(run.text[i : i + 2], origin[at], origin[at + 1] + 1))
        else:
            last = run.start + len(run.text) - 1
            term = _word_term(run.text, run.script, folded, last + 1)
            if term is not None:
                end = last + 1 if term == run.text else last + 2
                found.append(Placed(term, origin[run.start], origin[end - 1] + 1))
    return found


def _word_term(word: str, script: Script, folded: str, after: int) -> str | None:
    if script is Script.DIGIT and after < len(folded) and folded[after] in MAGNITUDES:
        return word.lstrip("0") + folded[after]
    return word if len(word) >= (MIN_LATIN if script is Script.LATIN else MIN_DIGITS) else None


def terms(text: str) -> Iterator[str]:
    """The terms of ``text`` (repeats included), without their places: for profiles.

    Each is interned: an office's messages hold a few thousand distinct terms, kept in
    thousands of cases' counts, and one copy of each is all they need."""
    folded = fold(text)
    for run in runs(folded):
        if run.script is Script.HAN:
            for i in range(len(run.text) - 1):
                yield sys.intern(run.text[i : i + 2])
        else:
            term = _word_term(run.text, run.script, folded, run.start + len(run.text))
            if term is not None:
                yield sys.intern(term)


def term_set(texts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found.update(terms(text))
    return found


def quoted_spans(text: str, placed: Iterable[Placed]) -> list[str]:
    """The stretches of ``text`` the placed terms cover, merged where they touch or
    overlap, in the order they stand: what a reason quotes ("营业执照", not 营业, 业执, 执照)."""
    spans = sorted((p.start, p.end) for p in placed)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return list(dict.fromkeys(text[start:end] for start, end in merged))


_REGIONS = (
    "中国",
    "浙江省",
    "浙江",
    "宁波市",
    "宁波",
    "鄞州区",
    "鄞州",
    "海曙",
    "江北",
    "北仑",
    "镇海",
    "奉化",
    "余姚",
    "慈溪",
    "象山",
    "宁海",
    "上海",
    "杭州",
    "北京",
    "深圳",
    "江苏",
    "广东",
)
_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "分公司",
    "公司",
    "集团",
    "有限合伙",
    "合伙企业",
    "工作室",
)
_TRADES = (
    "精密机械",
    "机械",
    "新材料",
    "材料",
    "电子科技",
    "科技",
    "技术",
    "智能装备",
    "装备",
    "汽车零部件",
    "零部件",
    "新能源",
    "能源",
    "生物医药",
    "医药",
    "生物",
    "供应链",
    "贸易",
    "实业",
    "发展",
    "投资",
    "控股",
    "制造",
    "信息",
    "网络",
    "工程",
    "环保",
    "化工",
    "食品",
    "咨询",
    "管理",
    "服务",
    "电子",
    "智能",
    "精密",
    "汽车",
    "国际",
    "进出口",
)
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def company_core(name: str) -> str:
    """A company's own name (字号) within its registered name: 宁波华腾新材料有限公司 is
    华腾. The place, the legal form and the trade around it are words many companies
    share ("材料" is in every other message), so only the core says which company."""
    core = _BRACKETS.sub("", name).strip()
    changed = True
    while changed:
        changed = False
        for prefix in _REGIONS:
            if core.startswith(prefix) and len(core) - len(prefix) >= 2:
                core, changed = core[len(prefix) :], True
        for suffix in _FORMS + _TRADES:
            if core.endswith(suffix) and len(core) - len(suffix) >= 2:
                core, changed = core[: -len(suffix)], True
    return core


def amount_terms(amount_minor: int | None) -> set[str]:
    """How a message writes an amount: in full (50000000), in 万 (5000万) and in 亿 when
    it is a whole number of them (0.5亿 is not written)."""
    if not amount_minor or amount_minor <= 0:
        return set()
    units = amount_minor // 100
    found = {str(units)} if len(str(units)) >= MIN_DIGITS else set()
    for sign, size in MAGNITUDES.items():
        if units % size == 0:
            found.add(f"{units // size}{sign}")
    return found
