"""Pinyin keys: full pinyin and initials, surname readings, limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.names import INITIALS_MAX, PINYIN_MAX, NameKeys, name_keys


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        ("王成峰", "wang cheng feng", "wcf"),
        ("  王成峰  ", "wang cheng feng", "wcf"),
        ("李娜", "li na", "ln"),
        ("欧阳修", "ou yang xiu", "oyx"),
        ("John Smith", "john smith", "js"),
        ("王 David", "wang david", "wd"),
        ("", "", ""),
        ("   ", "", ""),
    ],
)
def test_keys(name: str, pinyin: str, initials: str) -> None:
    assert name_keys(name) == NameKeys(pinyin, initials)


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        # The surname reading first, the everyday reading's initials as an alternative.
        ("曾小明", "zeng xiao ming", "zxm cxm"),
        ("单雄信", "shan xiong xin", "sxx dxx"),
        ("解晓东", "xie xiao dong", "xxd jxd"),
        ("乐嘉", "yue jia", "yj lj"),
        ("区志强", "ou zhi qiang", "ozq qzq"),
        # Two-character surnames are looked up before one-character ones.
        ("令狐冲", "ling hu chong", "lhc"),
    ],
)
def test_surname_readings(name: str, pinyin: str, initials: str) -> None:
    assert name_keys(name) == NameKeys(pinyin, initials)


def test_organisations_do_not_get_surname_readings() -> None:
    # 长 in a place name is "chang"/"zhang" as the library reads it, not a surname.
    assert name_keys("曾家村合作社", person=False).initials == "cjchzs"
    assert name_keys("曾家村合作社").initials == "zjchzs cjchzs"


def test_keys_fit_their_columns() -> None:
    # The longest name a contact may have (NAME_MAX characters), with long syllables.
    keys = name_keys("庄" * 200)
    assert len(keys.pinyin) == PINYIN_MAX
    assert keys.pinyin.startswith("zhuang zhuang")
    keys = name_keys("曾" * 200)  # two initials variants of 200 letters each
    assert len(keys.initials) == INITIALS_MAX
    assert keys.initials == "z" + "c" * 199


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_name_gives_lowercase_keys_within_limits(name: str) -> None:
    keys = name_keys(name)
    assert len(keys.pinyin) <= PINYIN_MAX
    assert len(keys.initials) <= INITIALS_MAX
    assert keys.pinyin == keys.pinyin.lower()
    if not name.strip():
        assert keys == NameKeys("", "")
