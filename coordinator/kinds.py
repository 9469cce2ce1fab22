"""The kinds and states the domain speaks of: what a screen may know without the database.

Stored as their string values (:mod:`coordinator.store.models`); named for people in
:mod:`coordinator.labels`.
"""

from __future__ import annotations

import enum


class OrganisationKind(enum.StrEnum):
    COMPANY = "company"
    DEPARTMENT = "department"
    BANK = "bank"
    PARK = "park"
    FUND = "fund"
    DISTRICT = "district"
    OTHER = "other"


class Channel(enum.StrEnum):
    PHONE = "phone"
    WECHAT = "wechat"
    DINGTALK = "dingtalk"
    QQ = "qq"
    SMS = "sms"
    EMAIL = "email"
    IN_PERSON = "in_person"
    MEETING = "meeting"


class Direction(enum.StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    ON_HOLD = "on_hold"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class DocumentState(enum.StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    FORWARDED = "forwarded"
    ACCEPTED = "accepted"
    ACCEPTED_MISSING = "accepted_missing"  # 容缺受理: accepted, items to follow by a promised date
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"


class ActionStatus(enum.StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # on another action or department
    WAITING_COMPANY = "waiting_company"  # the clock is paused
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"


class Indicator(enum.StrEnum):
    """The office's yearly investment indicators."""

    DOMESTIC_OUTSIDE_CITY = "domestic_outside_city"  # 市外内资
    OUTSIDE_PROVINCE = "outside_province"  # 省外内资
    FOREIGN_CONTRACTED = "foreign_contracted"  # 合同外资
    FOREIGN_USED = "foreign_used"  # 实际使用外资


INDICATOR_CURRENCY: dict[Indicator, str] = {
    Indicator.DOMESTIC_OUTSIDE_CITY: "CNY",
    Indicator.OUTSIDE_PROVINCE: "CNY",
    Indicator.FOREIGN_CONTRACTED: "USD",
    Indicator.FOREIGN_USED: "USD",
}
"""The currency each indicator is counted in."""


class ReminderKind(enum.StrEnum):
    """What a reminder is about: a follow-up promised on a communication, or a step."""

    FOLLOW_UP = "follow_up"
    ACTION = "action"
