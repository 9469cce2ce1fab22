"""Case templates: the kinds of case the officer opens, their standard steps and documents."""

from __future__ import annotations

from sqlalchemy import select

from coordinator.errors import NotFoundError
from coordinator.i18n import N_
from coordinator.services.templates import TemplateRecord
from coordinator.store.models import Template
from coordinator.store.storage import Store


def get(store: Store, key: str) -> TemplateRecord:
    with store.read() as session:
        template = session.scalar(select(Template).where(Template.key == key))
        if template is None:
            raise NotFoundError(N_("There is no case template “{key}”."), key=key)
        return TemplateRecord.of(template)


def list_all(store: Store) -> list[TemplateRecord]:
    with store.read() as session:
        return [
            TemplateRecord.of(t)
            for t in session.scalars(select(Template).order_by(Template.name, Template.key))
        ]
