"""What the quick-log panel holds between opening and saving.

The half-typed log as it is kept across a restart (:class:`Draft`, stored as JSON in
QSettings under ``quick_log/draft``), the running call's beginning and length
(:class:`CallTime`), and the durations and times as the officer types and reads them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import QSettings

from coordinator.errors import ValidationError
from coordinator.formatting import short_datetime
from coordinator.i18n import N_, Msg
from coordinator.kinds import Channel, Direction
from coordinator.services import communications

DRAFT_KEY: Final = "quick_log/draft"
DRAFT_DELAY_MS: Final = 300
"""The draft is written this long after the last edit: a crash loses at most that."""
MAX_DURATION: Final = communications.MAX_DURATION

WEEKDAYS: Final[tuple[Msg, ...]] = (
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)

_BAD_DURATION = N_(
    "“{text}” is not a duration: write minutes (5), minutes:seconds (3:20) or "
    "hours:minutes:seconds (1:05:00)."
)
_DURATION_FORM = re.compile(r"(?:(\d{1,2}):)?(\d{1,4}):(\d{1,2})")


def parse_duration(text: str) -> int:
    """Seconds from what the officer typed in the duration box ("5" is five minutes)."""
    typed = text.strip()
    if not typed:
        return 0
    if typed.isdigit() and len(typed) <= 4:
        return int(typed) * 60
    match = _DURATION_FORM.fullmatch(typed)
    if match is None or int(match[3]) > 59 or (match[1] is not None and int(match[2]) > 59):
        raise ValidationError(_BAD_DURATION, text=typed[:20])
    hours = int(match[1] or 0)
    return hours * 3600 + int(match[2]) * 60 + int(match[3])


def format_duration(seconds: int) -> str:
    """“3:07”, or “1:02:07” past an hour: how the duration box shows the running call."""
    hours, rest = divmod(max(int(seconds), 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def when_text(moment: datetime, now: datetime) -> str:
    """A time with its weekday (“Wed 11-25 09:00”), since a promise is made for a day."""
    if moment.date() == now.date():
        return short_datetime(moment, now)
    return f"{WEEKDAYS[moment.weekday()].tr()} {short_datetime(moment, now)}"


@dataclass(frozen=True)
class Draft:
    """What the panel holds between opening and saving, as kept across a restart."""

    who: str = ""
    contact_id: int | None = None
    case_id: int | None = None
    case_chosen: bool = False
    channel: str = Channel.PHONE.value
    channel_chosen: bool = False
    direction: str = Direction.INBOUND.value
    at: str = ""
    """When the call began (ISO), the time the communication is logged at."""
    elapsed: int = 0
    """Seconds the timer ran while the panel was shown."""
    duration: str | None = None
    """The duration as the officer typed it; None while the timer fills it."""
    notes: str = ""
    follow_up: str = ""

    @property
    def has_input(self) -> bool:
        return bool(self.who.strip() or self.notes.strip() or self.follow_up.strip())

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: object) -> Draft | None:
        """The draft kept in QSettings; None for anything that is not one (an old or
        hand-edited file must not keep the panel from opening)."""
        if not isinstance(text, str) or not text:
            return None
        try:
            raw = json.loads(text)
        except ValueError:
            return None
        if not isinstance(raw, dict):
            return None
        values: dict[str, Any] = {}
        for field in fields(cls):
            if field.name not in raw:
                continue
            value = raw[field.name]
            if field.name in ("contact_id", "case_id"):
                ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
            elif field.name == "duration":
                ok = value is None or isinstance(value, str)
            elif field.name == "elapsed":
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            elif field.name in ("case_chosen", "channel_chosen"):
                ok = isinstance(value, bool)
            else:
                ok = isinstance(value, str)
            if ok:
                values[field.name] = value
        return cls(**values)


def load_draft(settings: QSettings | None) -> Draft | None:
    """The log kept when the panel was last hidden, if there is one worth restoring."""
    if settings is None:
        return None
    draft = Draft.from_json(settings.value(DRAFT_KEY))
    return draft if draft is not None and draft.has_input else None


def keep_draft(settings: QSettings, draft: Draft) -> None:
    """Keep the unsaved log (or forget it when there is nothing in it)."""
    if draft.has_input:
        settings.setValue(DRAFT_KEY, draft.to_json())
    else:
        settings.remove(DRAFT_KEY)
    settings.sync()


def forget_draft(settings: QSettings | None) -> None:
    if settings is not None:
        settings.remove(DRAFT_KEY)
        settings.sync()


class CallTime:
    """When the call began, and how long it has run: the count waits while the panel is
    hidden (the officer is on another call) and goes on when it is shown again."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.at = clock()
        self._elapsed = 0
        self._running_since: datetime | None = None

    def start(self) -> None:
        """A new log: the call began now."""
        now = self.clock()
        self.at = now
        self._elapsed = 0
        self._running_since = now

    def seconds(self) -> int:
        seconds = self._elapsed
        if self._running_since is not None:
            seconds += int((self.clock() - self._running_since).total_seconds())
        return min(max(seconds, 0), MAX_DURATION)

    def pause(self) -> None:
        if self._running_since is not None:
            self._elapsed = self.seconds()
            self._running_since = None

    def resume(self) -> None:
        """Counting again from where it stopped (nothing happens while it counts)."""
        if self._running_since is None:
            self._running_since = self.clock()

    def restore(self, at: str, elapsed: int) -> None:
        """A kept draft's call, paused: ``at`` as ISO text (now when it is none)."""
        try:
            self.at = datetime.fromisoformat(at) if at else self.clock()
        except ValueError:
            self.at = self.clock()
        self._elapsed = min(elapsed, MAX_DURATION)
        self._running_since = None
