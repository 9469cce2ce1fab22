"""Check data: is the database sound, and is every attachment there and intact?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text

from coordinator import filestore
from coordinator.i18n import N_, Msg
from coordinator.migrate import current_revision, head_revision
from coordinator.models import DocumentFile
from coordinator.storage import Store


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" or "warning"
    message: Msg
    params: tuple[tuple[str, object], ...] = ()

    def text(self, lang: str | None = None) -> str:
        values = {k: (v.tr(lang) if isinstance(v, Msg) else v) for k, v in self.params}
        return self.message.tr(lang).format(**values)


@dataclass(frozen=True)
class CheckReport:
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def check_store(store: Store, today: date | None = None) -> CheckReport:
    findings: list[Finding] = []
    with store.engine.connect() as conn:
        if store.is_sqlite:
            # SQLite-only: the engine's own structural checks.
            rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
            if rows != ["ok"]:
                findings.append(
                    Finding(
                        "error",
                        N_("The database file is damaged: {detail}"),
                        (("detail", "; ".join(rows[:5])),),
                    )
                )
            fk = list(conn.execute(text("PRAGMA foreign_key_check")))
            for row in fk[:20]:
                findings.append(
                    Finding(
                        "error",
                        N_("A row of {table} (#{rowid}) points to a missing {parent}."),
                        (("table", row[0]), ("rowid", row[1]), ("parent", row[2])),
                    )
                )
    if current_revision(store) != head_revision(store.url):
        findings.append(Finding("error", N_("The database structure is not up to date.")))
    with store.read() as session:
        files = list(
            session.execute(select(DocumentFile.sha256, DocumentFile.original_name).distinct())
        )
    for sha, name in files:
        path = filestore.path_for(store.files_dir, sha)
        if not path.is_file():
            findings.append(
                Finding("error", N_("The attached file “{name}” is missing."), (("name", name),))
            )
        elif not filestore.verify(store.files_dir, sha):
            findings.append(
                Finding(
                    "error",
                    N_("The attached file “{name}” has changed since it was stored."),
                    (("name", name),),
                )
            )
    calendar = store.calendar()
    year = (today or store.clock().date()).year
    for missing in (y for y in (year, year + 1) if calendar.coverage(y) == "fallback"):
        findings.append(
            Finding(
                "warning",
                N_(
                    "No holiday schedule is known for {year}: only weekends are days off until "
                    "you enter the year's schedule."
                ),
                (("year", missing),),
            )
        )
    return CheckReport(tuple(findings))
