"""Why a case is suggested for a message, in words the officer reads beside it."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from coordinator.i18n import N_, Msg, current_language

RECENT_DAYS = 14
BUSY_DAYS = 3


class ReasonKind(enum.Enum):
    REFERENCE = "reference"
    COMPANY = "company"
    AMOUNT = "amount"
    MENTIONS = "mentions"
    LIKE_FILED = "like_filed"
    CALLER_FILED = "caller_filed"
    CALLER_COMPANY = "caller_company"
    CALLER_DEPARTMENT = "caller_department"
    CALLER_OWING = "caller_owing"
    RECENT = "recent"
    BUSY = "busy"


_REASON_TEXT: dict[ReasonKind, Msg] = {
    ReasonKind.REFERENCE: N_("quotes its reference {words}"),
    ReasonKind.COMPANY: N_("mentions the company {words}"),
    ReasonKind.AMOUNT: N_("mentions its amount {words}"),
    ReasonKind.MENTIONS: N_("mentions {words}"),
    ReasonKind.LIKE_FILED: N_("says {words} as messages filed here did"),
    ReasonKind.CALLER_FILED: N_("messages from this caller filed here: {count}"),
    ReasonKind.CALLER_COMPANY: N_("the caller works at {words}, the case's company"),
    ReasonKind.CALLER_DEPARTMENT: N_(
        "the caller works at {words}, which holds a step of this case"
    ),
    ReasonKind.CALLER_OWING: N_("the caller works at {words}, which owes this case a step to come"),
    ReasonKind.RECENT: N_("active in the last {count} days"),
    ReasonKind.BUSY: N_("messages filed here in the last 3 days: {count}"),
}


@dataclass(frozen=True)
class Reason:
    """One true thing about the message and the case that raised the case's rank.
    ``words`` are quoted from the message (or are an organisation's name)."""

    kind: ReasonKind
    words: tuple[str, ...] = ()
    count: int = 0

    def text(self) -> str:
        joiner = "、" if current_language() == "zh_CN" else ", "
        return (
            _REASON_TEXT[self.kind]
            .tr()
            .format(words=joiner.join(f"“{w}”" for w in self.words), count=self.count)
        )


def reasons_text(reasons: Sequence[Reason]) -> str:
    return ("；" if current_language() == "zh_CN" else "; ").join(r.text() for r in reasons)
