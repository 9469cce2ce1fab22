"""Translatable names of states, kinds, channels and fields (message ids only)."""

from __future__ import annotations

from coordinator.i18n import N_, Msg
from coordinator.kinds import (
    ActionStatus,
    CaseStatus,
    Channel,
    Direction,
    DocumentState,
    Indicator,
    OrganisationKind,
)

ORGANISATION_KIND: dict[OrganisationKind, Msg] = {
    OrganisationKind.COMPANY: N_("company"),
    OrganisationKind.DEPARTMENT: N_("department"),
    OrganisationKind.BANK: N_("bank"),
    OrganisationKind.PARK: N_("park"),
    OrganisationKind.FUND: N_("fund"),
    OrganisationKind.DISTRICT: N_("other district"),
    OrganisationKind.OTHER: N_("other"),
}

CHANNEL: dict[Channel, Msg] = {
    Channel.PHONE: N_("phone"),
    Channel.WECHAT: N_("WeChat"),
    Channel.DINGTALK: N_("DingTalk"),
    Channel.QQ: N_("QQ"),
    Channel.SMS: N_("SMS"),
    Channel.EMAIL: N_("e-mail"),
    Channel.IN_PERSON: N_("in person"),
    Channel.MEETING: N_("meeting"),
}

DIRECTION: dict[Direction, Msg] = {
    Direction.INBOUND: N_("incoming"),
    Direction.OUTBOUND: N_("outgoing"),
}

CASE_STATUS: dict[CaseStatus, Msg] = {
    CaseStatus.OPEN: N_("open"),
    CaseStatus.ON_HOLD: N_("on hold"),
    CaseStatus.CLOSED: N_("closed"),
    CaseStatus.CANCELLED: N_("cancelled"),
}

DOCUMENT_STATE: dict[DocumentState, Msg] = {
    DocumentState.REQUESTED: N_("requested"),
    DocumentState.RECEIVED: N_("received"),
    DocumentState.FORWARDED: N_("forwarded"),
    DocumentState.ACCEPTED: N_("accepted"),
    DocumentState.ACCEPTED_MISSING: N_("accepted with items missing"),
    DocumentState.RETURNED: N_("returned for correction"),
    DocumentState.RESUBMITTED: N_("resubmitted"),
}

ACTION_STATUS: dict[ActionStatus, Msg] = {
    ActionStatus.TODO: N_("to do"),
    ActionStatus.IN_PROGRESS: N_("in progress"),
    ActionStatus.WAITING: N_("waiting on another step"),
    ActionStatus.WAITING_COMPANY: N_("waiting on the company"),
    ActionStatus.BLOCKED: N_("blocked"),
    ActionStatus.DONE: N_("done"),
    ActionStatus.CANCELLED: N_("cancelled"),
}

INDICATOR: dict[Indicator, Msg] = {
    Indicator.DOMESTIC_OUTSIDE_CITY: N_("Domestic capital from outside the city"),
    Indicator.OUTSIDE_PROVINCE: N_("Capital from outside the province"),
    Indicator.FOREIGN_CONTRACTED: N_("Contracted foreign capital"),
    Indicator.FOREIGN_USED: N_("Foreign capital actually used"),
}

# Field names, as they appear in error messages.
F_NAME = N_("Name")
F_ROLE = N_("Role")
F_NOTES = N_("Notes")
F_TITLE = N_("Title")
F_OWNER = N_("Owner")
F_REASON = N_("Reason")
F_TAG = N_("Tag")
F_KIND = N_("Kind")
F_HANDLE = N_("Messaging handle")
F_LABEL = N_("Label")
F_OPENED = N_("Opened at")
F_TARGET = N_("Target time")
F_AT = N_("Time")
F_DUE = N_("Due time")
F_FOLLOW_UP = N_("Follow-up time")
F_PROMISED = N_("Promised completion date")
F_MISSING = N_("Missing items")
F_STATUTORY = N_("Statutory limit")
F_PROMISED_LIMIT = N_("Promised limit")
F_NORMAL = N_("Normal duration")
F_DEPARTMENT = N_("Department")
F_DATE = N_("Date")
F_AMOUNT = N_("Amount")
F_CURRENCY = N_("Currency")
F_NUMBER = N_("Phone number")
F_DURATION = N_("Duration")
F_KEY = N_("Key")


def cap(label: Msg) -> str:
    """A label on its own (a table cell, a button): first letter capitalised in English;
    the lowercase form is for use inside sentences. Chinese is unaffected."""
    text = label.tr()
    return text[:1].upper() + text[1:]


RECORD_KINDS: dict[str, Msg] = {
    "case": N_("Cases"),
    "contact": N_("Contacts"),
    "organisation": N_("Organisations"),
    "communication": N_("Communications"),
    "document": N_("Documents"),
    "action": N_("Steps"),
}
"""The headings of a search's groups, by the value of the record kind."""
