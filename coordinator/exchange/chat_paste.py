"""A conversation pasted from a chat app becomes communications, once each.

What the chat apps put on the clipboard when several messages are copied (or a chat
history is opened and selected) is a header line per message, then its text:

* WeChat desktop: ``张伟明  14:23`` (today), ``张伟明 2024/3/5 14:23``, ``张伟明 昨天 14:23``,
  ``张伟明 星期二 14:23``, with 12-hour forms such as ``上午 9:05`` / ``下午 2:30``; a
  chat history may start with a title (``张伟明和林晓雯的聊天记录``) and carry date lines
  (``—————  2024-03-05  —————``) between days;
* DingTalk: ``张伟明  03-05 14:23``, ``张伟明 2024-03-05 14:23:05``;
* QQ and the chat exporters: the date first, ``2024-03-05 14:23:01 张伟明(12345678)``;
* bracketed one-liners: ``[2024-03-05 14:23] 张伟明: 好的``.

A message runs from its header to the next header and may span several lines. Names
are taken as they appear (Chinese, Latin, with spaces); the officer's own names
(``my_names``, plus 我 / Me) make a message outgoing.

Storage: **one communication per message**, not per block of messages. A block's
text depends on where the copy started and ended, so pasting an overlapping piece of
the same chat again would store the shared messages a second time; a message is the
same whichever piece it was copied in. Each gets a stable ``source_key``, the SHA-256
of its sender, time, text and rank among identical messages of the paste, so pasting
the same chat twice adds nothing new. When the paste says no date at all ("14:23"),
or only a relative one ("昨天"), the day is worked out from the time of the paste; to
recognise such a message pasted again on another day, the contact's communications of
the days around it are compared as well (same time of day, same text).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coordinator.errors import ValidationError
from coordinator.i18n import N_
from coordinator.kinds import Channel, Direction
from coordinator.services import communications
from coordinator.store.changes import Outcome
from coordinator.store.models import NOTE_MAX, Communication
from coordinator.store.storage import Store
from coordinator.validation import EARLIEST, LATEST

__all__ = ["ChatImportSummary", "ChatMessage", "import_chat", "parse_chat"]

MAX_TEXT = 2_000_000
MAX_MESSAGES = 10_000
MAX_NAME = 40
OWN_NAMES = ("我", "me")

_NOT_A_CHAT = N_(
    "The pasted text does not look like a copied chat. Expected a line with a name and a "
    "time before each message, such as “张伟明 2024/3/5 14:23” or “张伟明  14:23”."
)
_NO_TEXT = N_("The pasted chat holds no text to log: pictures, stickers and files copy as nothing.")
_TEXT_BEFORE = N_(
    "Line {line} comes before any name and time: “{text}”. Copy the chat from a message "
    "header (a name and a time), or remove the lines above it."
)
_TOO_LONG = N_("The pasted chat is too long: at most {limit} messages at a time.")
_MESSAGE_TOO_LONG = N_("The message on line {line} is too long: at most {limit} characters.")
_NO_SUCH_TIME = N_("Line {line} has a date or time that does not exist: “{text}”.")
_OUT_OF_RANGE = N_(
    "The message on line {line} is dated {at}, outside the years {earliest} to {latest}."
)
_FUTURE = N_("The message on line {line} is dated in the future ({at}).")

# -- what a header looks like --------------------------------------------------------------

_AMPM = r"(?:上午|下午|晚上|凌晨|中午|早上|傍晚)"
_CLOCK = rf"{_AMPM}?\s*\d{{1,2}}\s*:\s*\d{{2}}(?:\s*:\s*\d{{2}})?(?:\s*[ap]\.?m\.?)?"
_FULL_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_SHORT_DATE = r"\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?"
_WEEKDAY_NAMES = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_DAYS_BACK = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}
_DAY_WORD = (
    r"(?:今天|昨天|前天|(?:星期|周|礼拜)[一二三四五六日天]|today|yesterday"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
_DAY = rf"(?:{_FULL_DATE}|{_SHORT_DATE}|{_DAY_WORD})"
_STAMP = rf"(?:{_DAY}\s*,?\s*)?{_CLOCK}"
_DATED_STAMP = rf"{_DAY}\s*,?\s*{_CLOCK}"

_I = re.IGNORECASE
_HEADERS = (
    # 张伟明 2024/3/5 14:23 | 张伟明  14:23 | 张伟明 昨天 下午 2:30 | 张伟明 (14:23):
    re.compile(rf"(?P<name>.+?)\s*[(（](?P<stamp>{_STAMP})[)）]\s*[:：]?", _I),
    re.compile(rf"(?P<name>.+?)\s+(?P<stamp>{_STAMP})\s*[:：]?", _I),
    # 2024-03-05 14:23:01 张伟明(12345678)
    re.compile(rf"(?P<stamp>{_DATED_STAMP})\s+(?P<name>\S.*?)\s*[:：]?", _I),
)
# [2024-03-05 14:23] 张伟明: 好的
_ONE_LINER = re.compile(
    rf"[\[【](?P<stamp>{_STAMP})[\]】]\s*(?P<name>[^:：]+?)\s*[:：]\s*(?P<text>.*)", _I
)
_DATE_LINE = re.compile(rf"[-—–=~·\s]*(?P<stamp>{_DAY}(?:\s+{_CLOCK})?)[-—–=~·\s]*", _I)
_TITLE = re.compile(r".{0,80}(?:的聊天记录|聊天记录)\s*|chat history.{0,80}", _I)
# Words of time that start a message ("明天 14:30", "下午 3:00") are no sender's name.
_TIME_WORDS = rf"{_DAY_WORD}|{_AMPM}|明天|后天|明早|明晚|今晚|tomorrow|tonight|at|on|from|until|to"
_NOT_A_NAME = re.compile(rf"[，。！？；,!?;]|^[\W\d_]*$|^(?:{_TIME_WORDS})$", _I)
_ACCOUNT = re.compile(r"\s*(?:[(（]\s*\d{4,12}\s*[)）]|<[^<>\s]+@[^<>\s]+>)$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatMessage:
    sender: str
    at: datetime
    text: str
    outbound: bool
    line: int
    """The line of its header in the pasted text (from 1)."""
    day_inferred: bool
    """The paste gave no date (or only "昨天", "星期二"): the day was worked out."""
    source_key: str

    @property
    def notes(self) -> str:
        """What the communication's notes say: who wrote it, then the message."""
        return f"{self.sender}：{self.text}"


@dataclass(frozen=True)
class ChatImportSummary:
    messages: int
    added: int
    duplicates: int
    communication_ids: tuple[int, ...]
    first_at: datetime | None
    last_at: datetime | None


# -- parsing -------------------------------------------------------------------------------


@dataclass
class _Header:
    line: int
    name: str
    stamp: str
    inline: str | None
    form: int  # which header pattern matched: a chat copies every header alike


def _clean(text: str) -> list[str]:
    unified = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    unified = unified.replace("\u2028", "\n").replace("\u2029", "\n")
    # Controls other than tab and line break never belong to a chat; a broken paste
    # carries them, and they would corrupt exports and printouts.
    kept = "".join(c for c in unified if c in "\n\t" or unicodedata.category(c) not in ("Cc",))
    return [line.rstrip() for line in kept.split("\n")]


def _header(number: int, line: str) -> _Header | None:
    folded = unicodedata.normalize("NFKC", line).strip()
    if not folded or len(folded) > MAX_NAME + 40:
        return None
    # The message of a one-liner is taken from the line as pasted when it can be: NFKC
    # would turn the message's full-width punctuation (，！) into ASCII.
    one = _ONE_LINER.fullmatch(line.strip()) or _ONE_LINER.fullmatch(folded)
    if one is not None and _is_name(one["name"]):
        return _Header(number, _name(one["name"]), one["stamp"], one["text"].strip(), 0)
    for form, pattern in enumerate(_HEADERS, start=1):
        match = pattern.fullmatch(folded)
        if match is not None and _is_name(match["name"]):
            return _Header(number, _name(match["name"]), match["stamp"], None, form)
    return None


def _dated(header: _Header) -> bool:
    return _day_part(_without_clock(header.stamp).lower())[0] != "none"


def _without_clock(stamp: str) -> str:
    match = re.search(rf"{_CLOCK}\s*$", stamp, _I)
    return stamp[: match.start()] if match else stamp


def _name(raw: str) -> str:
    return _ACCOUNT.sub("", raw.strip().rstrip(":：")).strip()


def _is_name(raw: str) -> bool:
    name = _name(raw)
    return 0 < len(name) <= MAX_NAME and _NOT_A_NAME.search(name) is None


def _stamp(stamp: str, line: int) -> tuple[tuple[str, int, int, int], time]:
    """The day part as (kind, a, b, c) and the time of a header's stamp."""
    text = stamp.lower()
    clock = re.search(
        r"(?P<period>上午|下午|晚上|凌晨|中午|早上|傍晚)?\s*(?P<h>\d{1,2})\s*:\s*(?P<m>\d{2})"
        r"(?:\s*:\s*(?P<s>\d{2}))?(?:\s*(?P<ap>[ap])\.?m\.?)?\s*$",
        text,
    )
    if clock is None:  # pragma: no cover - every stamp pattern ends with a clock
        raise ValidationError(_NO_SUCH_TIME, line=line, text=stamp)
    hour, minute, second = int(clock["h"]), int(clock["m"]), int(clock["s"] or 0)
    later = clock["period"] in ("下午", "晚上", "傍晚") or clock["ap"] == "p"
    if (later and 1 <= hour < 12) or (clock["period"] == "中午" and 1 <= hour <= 2):
        hour += 12
    elif (clock["ap"] == "a" or clock["period"] == "凌晨") and hour == 12:
        hour = 0
    if not (hour <= 23 and minute <= 59 and second <= 59):
        raise ValidationError(_NO_SUCH_TIME, line=line, text=stamp)
    return _day_part(text[: clock.start()]), time(hour, minute, second)


def _day_part(text: str) -> tuple[str, int, int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if len(numbers) == 3:
        return ("date", numbers[0], numbers[1], numbers[2])
    if len(numbers) == 2:
        return ("month_day", numbers[0], numbers[1], 0)
    word = text.strip(" ,")
    if word in _DAYS_BACK:
        return ("days_back", _DAYS_BACK[word], 0, 0)
    for name, weekday in _WEEKDAY_NAMES.items():
        if word.endswith(name):
            return ("weekday", weekday, 0, 0)
    return ("none", 0, 0, 0)


def _resolve_day(part: tuple[str, int, int, int], now: datetime, line: int, stamp: str) -> date:
    kind, a, b, c = part
    if kind == "date":
        try:
            return date(a, b, c)
        except ValueError:
            raise ValidationError(_NO_SUCH_TIME, line=line, text=stamp) from None
    if kind == "month_day":
        # A chat is in the past: the latest such day not after today (a 29 February, the
        # latest of a leap year).
        for year in range(now.year, now.year - 9, -1):
            try:
                day = date(year, a, b)
            except ValueError:
                if (a, b) != (2, 29):
                    break
                continue
            if day <= now.date():
                return day
        raise ValidationError(_NO_SUCH_TIME, line=line, text=stamp)
    if kind == "days_back":
        return now.date() - timedelta(days=a)
    # A weekday name stands for a day of the past week (WeChat names the last 7 days).
    back = (now.weekday() - a) % 7 or 7
    return now.date() - timedelta(days=back)


def parse_chat(text: str, *, my_names: Iterable[str] = (), now: datetime) -> list[ChatMessage]:
    """The messages of a pasted chat, in the order pasted.

    Raises :class:`ValidationError` saying what was expected when the text holds no
    message header, or text before the first header, or a time that cannot be.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(_NOT_A_CHAT)
    if len(text) > MAX_TEXT:
        raise ValidationError(_TOO_LONG, limit=MAX_MESSAGES)
    lines = _clean(text)
    headers: dict[int, _Header] = {}
    for index, line in enumerate(lines):
        header = _header(index + 1, line)
        if header is not None:
            headers[index] = header
            if len(headers) > MAX_MESSAGES:
                raise ValidationError(_TOO_LONG, limit=MAX_MESSAGES)
    own = {_fold_name(n) for n in (*my_names, *OWN_NAMES) if n and n.strip()}
    headers = _confirmed(headers, own)
    if not headers:
        raise ValidationError(_NOT_A_CHAT)
    date_lines: dict[int, str] = {}
    for index, line in enumerate(lines):
        folded = unicodedata.normalize("NFKC", line).strip()
        date_line = _DATE_LINE.fullmatch(folded) if folded and index not in headers else None
        if date_line is not None and _standalone(lines, index, headers):
            date_lines[index] = date_line["stamp"]
    _check_nothing_before(lines, min(headers), date_lines)
    return _messages(lines, headers, date_lines, own, now)


def _confirmed(headers: dict[int, _Header], own: set[str]) -> dict[int, _Header]:
    """Drop header look-alikes inside messages ("会议室 14:30" in a chat of dated headers).

    A sender who wrote twice, or one of the officer's names, is certainly a sender, and
    the first header starts the paste. Another line is a header only if it is written
    like those: the same pattern, and no date missing where they all have one (WeChat
    mixes "14:23", "昨天 14:23" and "2025/6/1 14:23" in one chat, so a date is not
    required where a header without one is certain).
    """
    if not headers:
        return headers
    counts = Counter(h.name for h in headers.values())
    first = min(headers)
    sure = {
        i
        for i, h in headers.items()
        if i == first or counts[h.name] > 1 or _fold_name(h.name) in own
    }
    forms = {headers[i].form for i in sure}
    all_dated = all(_dated(headers[i]) for i in sure)
    return {
        i: h
        for i, h in headers.items()
        if i in sure or (h.form in forms and (_dated(h) or not all_dated))
    }


def _check_nothing_before(lines: Sequence[str], first: int, date_lines: dict[int, str]) -> None:
    seen_text = False
    for index in range(first):
        folded = unicodedata.normalize("NFKC", lines[index]).strip()
        if not folded or index in date_lines:
            continue
        if not seen_text and _TITLE.fullmatch(folded):
            seen_text = True
            continue
        shown = lines[index].strip()
        raise ValidationError(
            _TEXT_BEFORE, line=index + 1, text=shown[:40] + ("…" if len(shown) > 40 else "")
        )


def _standalone(lines: Sequence[str], index: int, headers: dict[int, _Header]) -> bool:
    """A date line is a separator, not a message saying a date, when a header follows it."""
    for following in range(index + 1, len(lines)):
        if lines[following].strip():
            return following in headers
    return False


def _fold_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def _messages(
    lines: Sequence[str],
    headers: dict[int, _Header],
    date_lines: dict[int, str],
    own: set[str],
    now: datetime,
) -> list[ChatMessage]:
    starts = sorted(headers)
    # The running day: set by a date line or a dated header, moved on past midnight. None
    # until the paste says a day; "guessed" while it comes from "昨天" or a weekday.
    context: date | None = None
    guessed = True
    previous: datetime | None = None
    drafts: list[ChatMessage] = []
    floating: list[int] = []  # drafts whose day is a guess from the time of the paste
    separators = sorted(date_lines)
    next_separator = 0
    for position, start in enumerate(starts):
        header = headers[start]
        while next_separator < len(separators) and separators[next_separator] < start:
            stamp = date_lines[separators[next_separator]]
            day_part = _day_part(_without_clock(stamp).lower())
            if day_part[0] != "none":
                context = _resolve_day(day_part, now, separators[next_separator] + 1, stamp)
                guessed = day_part[0] != "date" and day_part[0] != "month_day"
                previous = None
            next_separator += 1
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        body = [
            line for i, line in enumerate(lines[start + 1 : end], start + 1) if i not in date_lines
        ]
        message = "\n".join(body).strip("\n")
        if header.inline:
            message = header.inline + ("\n" + message if message else "")
        message = message.strip()
        if not message:
            continue  # an image or a sticker copies as nothing: there is nothing to log
        if len(message) + len(header.name) + 1 > NOTE_MAX:
            raise ValidationError(_MESSAGE_TOO_LONG, line=header.line, limit=NOTE_MAX)
        day_part, clock = _stamp(header.stamp, header.line)
        if day_part[0] == "none":
            if context is None:
                floating.append(len(drafts))
            running = previous.date() if previous is not None else now.date()
            day = context or running
            if previous is not None and datetime.combine(day, clock) < previous:
                day = previous.date() + timedelta(days=1)  # the chat went past midnight
            if context is not None:
                context = day
        else:
            day = _resolve_day(day_part, now, header.line, header.stamp)
            context = day
            guessed = day_part[0] in ("days_back", "weekday")
        inferred = guessed or context is None
        at = datetime.combine(day, clock)
        previous = at
        drafts.append(
            ChatMessage(
                sender=header.name,
                at=at,
                text=message,
                outbound=_fold_name(header.name) in own,
                line=header.line,
                day_inferred=inferred,
                source_key="",
            )
        )
    if not drafts:
        raise ValidationError(_NO_TEXT)
    _settle_floating(drafts, floating, now)
    return _with_keys(drafts, now)


def _settle_floating(drafts: list[ChatMessage], floating: list[int], now: datetime) -> None:
    """Times without any date were put on today: a chat copied in the morning that ends
    at 22:10 ended yesterday, so the whole undated run moves back a day at a time."""
    if not floating:
        return
    latest = max(drafts[i].at for i in floating)
    days = 0
    while latest - timedelta(days=days) > now:
        days += 1
    if days:
        for i in floating:
            drafts[i] = replace(drafts[i], at=drafts[i].at - timedelta(days=days))


def _with_keys(drafts: list[ChatMessage], now: datetime) -> list[ChatMessage]:
    seen: dict[tuple[str, datetime, str], int] = {}
    out: list[ChatMessage] = []
    for draft in drafts:
        shown = draft.at.strftime("%Y-%m-%d %H:%M")
        if not EARLIEST <= draft.at <= LATEST:
            raise ValidationError(
                _OUT_OF_RANGE,
                line=draft.line,
                at=shown,
                earliest=EARLIEST.year,
                latest=LATEST.year,
            )
        if draft.at > now + timedelta(minutes=5):  # a phone's clock may run a little fast
            raise ValidationError(_FUTURE, line=draft.line, at=shown)
        ident = (draft.sender, draft.at, draft.text)
        rank = seen.get(ident, 0)
        seen[ident] = rank + 1
        material = "\x1f".join((draft.sender, draft.at.isoformat(), draft.text, str(rank)))
        key = hashlib.sha256(material.encode("utf-8")).hexdigest()
        out.append(replace(draft, source_key=key))
    return out


# -- importing -----------------------------------------------------------------------------


def import_chat(
    store: Store,
    text: str,
    *,
    contact_id: int | None,
    case_id: int | None,
    channel: Channel | str = Channel.WECHAT,
    my_names: Iterable[str] = (),
    now: datetime | None = None,
) -> Outcome[ChatImportSummary]:
    """Parse a pasted chat and log each new message, all in one unit of work.

    Messages already stored (by their ``source_key``, or for a message whose day was
    worked out, by the same text at the same time of day within a day of it with the
    same contact) are counted as duplicates and not added again. A message is stored
    once whatever contact or case it was pasted for: pasted again for another contact,
    it is still a duplicate (``communications.update`` and ``file_to_case`` move it).
    """
    moment = now or store.clock()
    messages = parse_chat(text, my_names=my_names, now=moment)
    added: list[int] = []
    with store.work() as work:
        stored = communications.existing_source_keys(work, [m.source_key for m in messages])
        lookalikes = _stored_lookalikes(work.session, contact_id, messages)
        for message in messages:
            if message.source_key in stored:
                continue
            if message.day_inferred and _lookalike(message, lookalikes):
                continue
            row = communications.log_in(
                work,
                at=message.at,
                channel=channel,
                direction=Direction.OUTBOUND if message.outbound else Direction.INBOUND,
                contact_id=contact_id,
                case_id=case_id,
                notes=message.notes,
                source_key=message.source_key,
            )
            stored.add(message.source_key)
            added.append(row.id)
    summary = ChatImportSummary(
        messages=len(messages),
        added=len(added),
        duplicates=len(messages) - len(added),
        communication_ids=tuple(added),
        first_at=min((m.at for m in messages), default=None),
        last_at=max((m.at for m in messages), default=None),
    )
    return Outcome(summary, work.changes)


def _stored_lookalikes(
    session: Session, contact_id: int | None, messages: Sequence[ChatMessage]
) -> set[tuple[time, str]]:
    guessed = [m for m in messages if m.day_inferred]
    if not guessed or contact_id is None:
        return set()
    low = min(m.at for m in guessed) - timedelta(days=1, minutes=1)
    high = max(m.at for m in guessed) + timedelta(days=1, minutes=1)
    rows = session.execute(
        select(Communication.at, Communication.notes).where(
            Communication.contact_id == contact_id,
            Communication.at >= low,
            Communication.at <= high,
        )
    )
    return {(at.time(), notes) for at, notes in rows}


def _lookalike(message: ChatMessage, stored: set[tuple[time, str]]) -> bool:
    return (message.at.time(), message.notes) in stored
