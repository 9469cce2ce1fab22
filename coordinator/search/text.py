"""Text as the index sees it: folded, cut into runs, and turned into tokens.

Folding makes the forms a reader takes for the same text the same: Unicode
compatibility forms (full-width ``１２３`` and ``ＡＢＣ`` are ``123`` and ``abc``), case,
and Traditional characters as Simplified ones (OpenCC's ``t2s``), so 營業執照 finds 营业执照.

A folded text is cut into runs of one script: Han characters, Latin letters, digits;
everything else separates runs and is never searched for. Each run becomes tokens so that
any part of it can be found without segmenting words (which guesses wrong on names):

* a Han run gives its characters (``uni``) and the pairs of neighbours (``bi``): one
  character is a ``uni`` token, two or more are the phrase of their pairs in ``bi``, so
  any substring of one or more characters matches exactly;
* a Latin or digit run gives each of its suffixes (``word``): a prefix query on them is
  a substring query, so "4321" finds 138 0013 4321 and "chengf" finds wangchengfeng;
* a phone number's digits go to a column of their own (``number``), searched only by a
  query of :data:`NUMBER_MIN_DIGITS` digits or more: "13" would match nearly every mobile
  number, and is far more likely a day or a room in a note.

A query is folded and cut the same way; every run of it must be found in the record.
Characters outside the runs (quotes, ``*``, ``-``, brackets, ``AND``-like words are just
Latin runs) never reach the index's query language, so query text is always text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any, Final

MAX_SUFFIXED = 24
"""A Latin or digit run longer than this is indexed whole, not by every suffix (a URL,
a pasted hash): nobody searches for its middle."""

NUMBER_MIN_DIGITS: Final = 3
"""Fewer digits than this match too many phone numbers to be worth searching them."""

RUN_GAP: Final = "x"
"""Written between the pairs of two Han runs: a Latin letter can never be a Han query's
pair, so a phrase cannot match across the two runs."""


class Script(Enum):
    HAN = "han"
    LATIN = "latin"
    DIGIT = "digit"


_RUN = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)"
    r"|(?P<latin>[a-z]+)"
    r"|(?P<digit>[0-9]+)"
)


@cache
def _converter() -> Any:
    import opencc  # loads its dictionaries: only when text is first folded

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """The text as it is compared: compatibility forms, case and Traditional folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if any(c >= "\u3400" for c in folded):
        folded = str(_converter().convert(folded))
    return folded


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`fold`, and for each folded character the index of the character of
    ``text`` it came from (to highlight in the original what matched in the folded)."""
    joined = unicodedata.normalize("NFKC", text).casefold()
    if len(joined) == len(text):
        origin = list(range(len(text)))  # character for character: the common case
    else:
        pieces: list[str] = []
        origin = []
        for i, char in enumerate(text):
            folded = unicodedata.normalize("NFKC", char).casefold()
            pieces.append(folded)
            origin.extend([i] * len(folded))
        joined = "".join(pieces)
    if any(c >= "\u3400" for c in joined):
        converted = str(_converter().convert(joined))
        if len(converted) == len(joined):  # t2s maps character for character here
            joined = converted
    return joined, origin


@dataclass(frozen=True)
class Run:
    script: Script
    text: str
    start: int  # in the folded text


def runs(folded: str) -> Iterator[Run]:
    for match in _RUN.finditer(folded):
        script = Script(match.lastgroup)
        yield Run(script, match.group(), match.start())


@dataclass
class Tokens:
    """The tokens of one record, by column."""

    uni: list[str] = field(default_factory=list)
    bi: list[str] = field(default_factory=list)
    word: list[str] = field(default_factory=list)
    number: list[str] = field(default_factory=list)

    def add_text(self, text: str) -> None:
        for run in runs(fold(text)):
            if run.script is Script.HAN:
                self.uni.extend(run.text)
                if len(run.text) > 1:
                    if self.bi:
                        self.bi.append(RUN_GAP)
                    self.bi.extend(run.text[i : i + 2] for i in range(len(run.text) - 1))
            else:
                self.add_word(run.text)

    def add_word(self, word: str, into: list[str] | None = None) -> None:
        """One Latin or digit run (already folded), by all its suffixes."""
        column = self.word if into is None else into
        if len(word) > MAX_SUFFIXED:
            column.append(word)
        else:
            column.extend(word[i:] for i in range(len(word)))

    def add_number(self, text: str) -> None:
        """A phone number (as typed, or its digits): its digit runs, and their run
        together (138 0013 4321 is found by "80013")."""
        digits = [run.text for run in runs(fold(text)) if run.script is Script.DIGIT]
        for run in digits:
            self.add_word(run, self.number)
        if len(digits) > 1:
            self.add_word("".join(digits), self.number)

    def add_words(self, words: Iterable[str]) -> None:
        """Keys written for searching (pinyin, initials): each Latin run of them."""
        for text in words:
            for run in runs(fold(text)):
                if run.script is not Script.HAN:
                    self.add_word(run.text)

    def columns(self) -> tuple[str, str, str, str]:
        return (
            " ".join(self.uni),
            " ".join(self.bi),
            " ".join(dict.fromkeys(self.word)),
            " ".join(dict.fromkeys(self.number)),
        )


@dataclass(frozen=True)
class Term:
    """One run of a query: Han text (``uni`` or ``bi`` phrase) or a Latin/digit prefix."""

    script: Script
    text: str

    @property
    def searches_numbers(self) -> bool:
        return self.script is Script.DIGIT and len(self.text) >= NUMBER_MIN_DIGITS

    @property
    def pairs(self) -> list[str]:
        return [self.text[i : i + 2] for i in range(len(self.text) - 1)]


def query_terms(query: str) -> list[Term]:
    """The runs a record must hold, in the query's order, each once."""
    found: dict[tuple[Script, str], Term] = {}
    for run in runs(fold(query)):
        found.setdefault((run.script, run.text), Term(run.script, run.text))
    return list(found.values())


def matched_spans(text: str, terms: Iterable[Term]) -> list[tuple[int, int]]:
    """Where in ``text`` (its own character offsets) the terms are found: sorted,
    merged spans, for a highlight."""
    folded, origin = fold_with_offsets(text)
    if not folded:
        return []
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = folded.find(term.text)
        while start >= 0:
            end = start + len(term.text)
            spans.append((origin[start], origin[end - 1] + 1))
            start = folded.find(term.text, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
