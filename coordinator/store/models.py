"""The domain model: typed SQLAlchemy 2.0 entities.

Datetimes are naive local time (China keeps one zone without DST). Amounts are
stored in minor units (fen / cents) as integers so that every database adds them
up exactly. Enumerations are stored as their string values without a CHECK
constraint, so that adding a state later needs no table rebuild.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from coordinator.kinds import (
    ActionStatus,
    CaseStatus,
    Channel,
    Direction,
    DocumentState,
    Indicator,
    OrganisationKind,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NAME_MAX = 200
TITLE_MAX = 500
NOTE_MAX = 20_000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime())
    updated_at: Mapped[datetime] = mapped_column(DateTime())


class Versioned:
    """A record two officers may edit at once: every UPDATE checks and raises its
    ``row_version`` (SQLAlchemy's version counter), so a save made on a version someone
    else has since changed matches no row and is refused, never silently written over."""

    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.row_version}


def new_uid() -> str:
    return uuid.uuid4().hex


class Identified:
    """A record known by the same name on every copy of the data: the office server's,
    and each laptop working offline on a checkout of it. Numeric ids stay local to one
    database; a synchronised change names its record by ``uid``."""

    # Nullable in the schema only: every insert fills it (see revision 0005).
    uid: Mapped[str] = mapped_column(
        String(32), default=new_uid, index=True, unique=True, nullable=True
    )


class Organisation(Timestamped, Versioned, Identified, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind), index=True)
    pinyin: Mapped[str] = mapped_column(String(1000), default="")
    initials: Mapped[str] = mapped_column(String(NAME_MAX), default="", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")


class Contact(Timestamped, Versioned, Identified, Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    pinyin: Mapped[str] = mapped_column(String(1000), default="", index=True)
    initials: Mapped[str] = mapped_column(String(NAME_MAX), default="", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation | None] = relationship()
    phones: Mapped[list[PhoneNumber]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="PhoneNumber.position"
    )
    handles: Mapped[list[Handle]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Handle.id"
    )


class PhoneNumber(Identified, Base):
    __tablename__ = "phone_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    raw: Mapped[str] = mapped_column(String(64))  # as typed, kept for display
    e164: Mapped[str] = mapped_column(String(20), index=True)
    extension: Mapped[str] = mapped_column(String(10), default="")
    digits: Mapped[str] = mapped_column(String(20), index=True)  # national digits, for "any part"
    label: Mapped[str] = mapped_column(String(40), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    contact: Mapped[Contact] = relationship(back_populates="phones")


class Handle(Identified, Base):
    __tablename__ = "handles"
    __table_args__ = (UniqueConstraint("channel", "handle", name="uq_handles_channel_handle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    handle: Mapped[str] = mapped_column(String(NAME_MAX))

    contact: Mapped[Contact] = relationship(back_populates="handles")


class Case(Timestamped, Versioned, Identified, Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(60), default="")  # a template key, or free text
    fast_track: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), index=True)
    owner: Mapped[str] = mapped_column(String(NAME_MAX), default="", index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    target_at: Mapped[datetime | None] = mapped_column(DateTime())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime())
    close_reason: Mapped[str] = mapped_column(Text, default="")
    normal_duration_hours: Mapped[float | None] = mapped_column(Float)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    notes: Mapped[str] = mapped_column(Text, default="")

    company: Mapped[Organisation | None] = relationship()
    tags: Mapped[list[CaseTag]] = relationship(
        cascade="all, delete-orphan", order_by="CaseTag.tag", back_populates="case"
    )


class CaseTag(Base):
    __tablename__ = "case_tags"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)

    case: Mapped[Case] = relationship(back_populates="tags")


class CaseAmount(Identified, Base):
    """An amount a case brings in, counted towards one yearly indicator on a given day."""

    __tablename__ = "case_amounts"
    __table_args__ = (Index("ix_case_amounts_indicator_on", "indicator", "counted_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[Indicator] = mapped_column(_enum(Indicator))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    counted_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class IndicatorTarget(Base):
    """The officer-entered annual target of one indicator."""

    __tablename__ = "indicator_targets"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    indicator: Mapped[Indicator] = mapped_column(_enum(Indicator), primary_key=True)
    target_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class Communication(Versioned, Identified, Base):
    __tablename__ = "communications"
    __table_args__ = (
        Index("ix_communications_case_at", "case_id", "at"),
        Index("ix_communications_contact_at", "contact_id", "at"),
        # Partial indexes keep the dashboard's "open follow-ups" and "unfiled" instant
        # on a million rows; SQLite and PostgreSQL both understand them.
        Index(
            "ix_communications_open_follow_up",
            "follow_up_due",
            sqlite_where=text("follow_up_done_at IS NULL AND follow_up_due IS NOT NULL"),
            postgresql_where=text("follow_up_done_at IS NULL AND follow_up_due IS NOT NULL"),
        ),
        Index(
            "ix_communications_unfiled",
            "at",
            sqlite_where=text("case_id IS NULL"),
            postgresql_where=text("case_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    raw_number: Mapped[str] = mapped_column(String(64), default="")
    number_e164: Mapped[str] = mapped_column(String(20), default="", index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(Text, default="")
    follow_up_due: Mapped[datetime | None] = mapped_column(DateTime())
    follow_up_done_at: Mapped[datetime | None] = mapped_column(DateTime())
    # A stable fingerprint of a pasted chat line, so pasting it twice adds it once.
    source_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())


class Document(Timestamped, Versioned, Identified, Base):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_state_holder", "state", "holder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[DocumentState] = mapped_column(_enum(DocumentState))
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    destination_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    # Who physically holds the paper now; NULL means the officer has it.
    holder_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    is_original: Mapped[bool] = mapped_column(Boolean, default=False)
    stamped: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    requested_at: Mapped[datetime | None] = mapped_column(DateTime())
    received_at: Mapped[datetime | None] = mapped_column(DateTime())
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime())
    returned_at: Mapped[datetime | None] = mapped_column(DateTime())
    resubmitted_at: Mapped[datetime | None] = mapped_column(DateTime())
    return_reason: Mapped[str] = mapped_column(Text, default="")
    missing_items: Mapped[str] = mapped_column(Text, default="")
    promised_completion_at: Mapped[datetime | None] = mapped_column(DateTime())
    notes: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    files: Mapped[list[DocumentFile]] = relationship(
        cascade="all, delete-orphan", order_by="DocumentFile.id"
    )


class DocumentFile(Identified, Base):
    __tablename__ = "document_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    original_name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
    added_at: Mapped[datetime] = mapped_column(DateTime())


class Action(Timestamped, Versioned, Identified, Base):
    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_status_due", "status", "due_at"),
        Index("ix_actions_department_status", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus))
    requested_at: Mapped[datetime | None] = mapped_column(DateTime())
    due_at: Mapped[datetime | None] = mapped_column(DateTime())
    done_at: Mapped[datetime | None] = mapped_column(DateTime())
    blocked_reason: Mapped[str] = mapped_column(Text, default="")
    statutory_limit_hours: Mapped[float | None] = mapped_column(Float)
    promised_limit_hours: Mapped[float | None] = mapped_column(Float)
    normal_duration_hours: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    template_key: Mapped[str] = mapped_column(String(60), default="")
    # The officer who chases this step (by default the case's owner).
    owner: Mapped[str] = mapped_column(String(NAME_MAX), default="", server_default="", index=True)

    department: Mapped[Organisation] = relationship(foreign_keys=[department_id])
    pauses: Mapped[list[ActionPause]] = relationship(
        cascade="all, delete-orphan", order_by="ActionPause.started_at"
    )


class ActionDependency(Base):
    __tablename__ = "action_dependencies"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    depends_on_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ActionPause(Identified, Base):
    """A span during which an action waited on the company: its clock stood still."""

    __tablename__ = "action_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime())
    reason: Mapped[str] = mapped_column(Text, default="")


class Template(Timestamped, Versioned, Identified, Base):
    __tablename__ = "templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    name_en: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    normal_duration_hours: Mapped[float | None] = mapped_column(Float)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)

    actions: Mapped[list[TemplateAction]] = relationship(
        cascade="all, delete-orphan", order_by="TemplateAction.position"
    )
    documents: Mapped[list[TemplateDocument]] = relationship(
        cascade="all, delete-orphan", order_by="TemplateDocument.position"
    )


class TemplateAction(Identified, Base):
    __tablename__ = "template_actions"
    __table_args__ = (UniqueConstraint("template_id", "key", name="uq_template_actions_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("templates.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(60))
    department: Mapped[str] = mapped_column(String(NAME_MAX))
    department_kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    statutory_limit_hours: Mapped[float | None] = mapped_column(Float)
    promised_limit_hours: Mapped[float | None] = mapped_column(Float)
    normal_duration_hours: Mapped[float | None] = mapped_column(Float)
    depends_on: Mapped[list[Any]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class TemplateDocument(Identified, Base):
    __tablename__ = "template_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("templates.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    destination: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    is_original: Mapped[bool] = mapped_column(Boolean, default=False)
    stamped: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Event(Identified, Base):
    """Append-only: one changed field of one record (the timeline and the audit trail)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_case_id_id", "case_id", "id"),
        Index("ix_events_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime())
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the trail outlives the case
    field: Mapped[str] = mapped_column(String(60))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    # Who made the change (the officer's name as set on their laptop).
    officer: Mapped[str] = mapped_column(String(NAME_MAX), default="", server_default="")
    # The record's row_version once the change was saved: an edit refused because the
    # record moved on lists the events newer than the version it was made on.
    row_version: Mapped[int | None] = mapped_column(Integer)


class ChangeNote(Base):
    """One saved unit of work's change set, so that the other officers' screens (another
    process, another laptop on the office server) refresh what it touched. Kept a day."""

    __tablename__ = "change_notes"
    __table_args__ = {"info": {"records": False}}  # noqa: RUF012 - SQLAlchemy's declaration

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    officer: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    origin: Mapped[str] = mapped_column(String(32))  # the Store that saved it
    changes: Mapped[dict[str, Any]] = mapped_column()  # kind -> [ids]


class FileChunk(Base):
    """An attachment's content in the database, for an office server where every
    officer must reach it: 1 MiB pieces under the file's SHA-256 (a laptop's SQLite keeps
    its attachments as files in the data folder instead)."""

    __tablename__ = "file_chunks"
    __table_args__ = {"info": {"records": False}}  # noqa: RUF012 - SQLAlchemy's declaration

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CalendarDay(Base):
    """An officer-entered day: a holiday, a make-up working day, or a local exception."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(NAME_MAX), default="")


class CalendarYear(Base):
    """A year whose whole holiday schedule the officer entered (the library may lag)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entered_at: Mapped[datetime] = mapped_column(DateTime())
    note: Mapped[str] = mapped_column(String(NAME_MAX), default="")


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column()


class SyncOp(Base):
    """One change to one record, as every copy of the data can replay it: made here (its
    ``origin`` is this database's replica id) or received from another copy by a sync.
    Records are named by uid, never by a local id. Received once: ``op_uid`` is unique."""

    __tablename__ = "sync_ops"
    __table_args__ = {"info": {"records": False}}  # noqa: RUF012 - SQLAlchemy's declaration

    id: Mapped[int] = mapped_column(primary_key=True)
    op_uid: Mapped[str] = mapped_column(String(32), unique=True)
    origin: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    officer: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    table_name: Mapped[str] = mapped_column(String(40))
    row_uid: Mapped[str] = mapped_column(String(200), index=True)
    case_uid: Mapped[str | None] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # insert, update, delete
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SyncConflict(Base):
    """Two copies changed the same thing differently: both sides, with who and when, kept
    until the officer chooses or combines them."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (
        UniqueConstraint("ours_op", "theirs_op", "field", name="uq_sync_conflicts_ops_field"),
        {"info": {"records": False}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    found_at: Mapped[datetime] = mapped_column(DateTime())
    kind: Mapped[str] = mapped_column(String(20))
    table_name: Mapped[str] = mapped_column(String(40))
    row_uid: Mapped[str] = mapped_column(String(200), index=True)
    case_uid: Mapped[str | None] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(60), default="")
    ours: Mapped[Any] = mapped_column(JSON, nullable=True)
    theirs: Mapped[Any] = mapped_column(JSON, nullable=True)
    kept: Mapped[str] = mapped_column(String(8))  # ours or theirs: the value in use now
    ours_op: Mapped[str] = mapped_column(String(32), default="")
    theirs_op: Mapped[str] = mapped_column(String(32), default="")
    ours_by: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    ours_at: Mapped[datetime | None] = mapped_column(DateTime())
    theirs_by: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    theirs_at: Mapped[datetime | None] = mapped_column(DateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime())
    resolution: Mapped[str] = mapped_column(String(20), default="")


class SyncAlias(Base):
    """A record two copies added separately under one unique name (an organisation, a
    template): both uids now name the surviving one."""

    __tablename__ = "sync_aliases"
    __table_args__ = {"info": {"records": False}}  # noqa: RUF012 - SQLAlchemy's declaration

    uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    survivor: Mapped[str] = mapped_column(String(32))


class SyncState(Base):
    """This copy's place in the synchronisation: its replica id, the office it was
    checked out from, how far it has sent and received."""

    __tablename__ = "sync_state"
    __table_args__ = {"info": {"records": False}}  # noqa: RUF012 - SQLAlchemy's declaration

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


def record_tables() -> list[Table]:
    """The tables of the officer's records, parents first: what an export writes and an
    import reads. Not the notes of recent changes (they are only for the screens open
    now) nor attachments' content (an archive carries the files themselves)."""
    return [t for t in Base.metadata.sorted_tables if t.info.get("records", True)]
