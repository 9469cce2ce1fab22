"""Pinyin keys for names, so "wcf", "wangchengfeng" and 王成峰 all find the same person."""

from __future__ import annotations

from dataclasses import dataclass

# Surnames whose reading differs from the character's everyday one (曾 is "zeng" as a
# surname, "ceng" otherwise). Both readings are indexed so either typing finds the person.
_SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "区": "ou",
    "仇": "qiu",
    "解": "xie",
    "查": "zha",
    "朴": "piao",
    "尉": "yu",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "翟": "zhai",
    "盖": "ge",
    "长": "chang",
    "重": "chong",
    "种": "chong",
    "秘": "bi",
    "繁": "po",
    "员": "yun",
    "召": "shao",
    "么": "yao",
    "佘": "she",
    "阚": "kan",
    "令狐": "ling hu",
}


# Column widths of the keys (Contact/Organisation.pinyin and .initials).
PINYIN_MAX = 1000
INITIALS_MAX = 200


@dataclass(frozen=True)
class NameKeys:
    pinyin: str  # "wang cheng feng"
    initials: str  # "wcf"; alternatives space separated ("zxm cxm")


def _syllables(text: str) -> list[str]:
    # pypinyin loads its phrase dictionary on import (a third of a second): only pay for it
    # when a name is actually written, not at every start of the app.
    from pypinyin import lazy_pinyin

    out: list[str] = []
    for chunk in lazy_pinyin(text, errors="default"):
        out.extend(part.lower() for part in chunk.split() if part)
    return out


def name_keys(name: str, *, person: bool = True) -> NameKeys:
    text = name.strip()
    if not text:
        return NameKeys("", "")
    syllables = _syllables(text)
    variants = [syllables]
    surname = _surname_reading(text) if person else None
    if surname is not None:
        reading = surname.split()
        if syllables[: len(reading)] != reading:
            variants.insert(0, [*reading, *syllables[len(reading) :]])
    initials: list[str] = []
    for variant in variants:
        key = "".join(s[0] for s in variant)
        if key not in initials:
            initials.append(key)
    # A very long name must not overflow the key columns (PostgreSQL would refuse it).
    return NameKeys(" ".join(variants[0])[:PINYIN_MAX], " ".join(initials)[:INITIALS_MAX])


def _surname_reading(text: str) -> str | None:
    """The surname reading of a name's first one or two characters, longest first."""
    for length in (2, 1):
        reading = _SURNAME_READINGS.get(text[:length])
        if reading is not None:
            return reading
    return None
