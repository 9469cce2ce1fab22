"""Time the printed reports: a big case summary and a 20-department run sheet, as PDFs.

    python bench/bench_reports.py [--runs 5] [--keep DIR]

Builds a fresh data folder (through the services) holding one case with 500
communications, 60 department steps and 80 documents, its steps spread over 20
departments (each with contacts and pending steps). Then, ``--runs`` times each, it
times from data to file: the case summary built by ``coordinator.reports`` and written
by ``ui.printing.pdf.write_pdf``, and the same for the run sheet. Beside them, in the same
run, a baseline: a trivial one-page PDF written with QPdfWriter, so the ratio stays
meaningful on a slow or busy machine. Medians are printed; the targets are a summary
under 1 s and a run sheet under 2 s. ``--keep`` also saves the two PDFs there.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF  # noqa: E402
from PySide6.QtGui import QGuiApplication, QPageSize, QPainter, QPdfWriter  # noqa: E402

from coordinator import reports  # noqa: E402
from coordinator.kinds import ActionStatus, Channel, Direction, OrganisationKind  # noqa: E402
from coordinator.safety.opening import open_store  # noqa: E402
from coordinator.services import (  # noqa: E402
    actions,
    cases,
    communications,
    contacts,
    documents,
    organisations,
)
from coordinator.store.storage import Store  # noqa: E402
from ui.printing.pdf import write_pdf  # noqa: E402

NOW = datetime(2026, 11, 25, 16, 0)
OPENED = datetime(2026, 11, 2, 9, 0)
COMMUNICATIONS = 500
ACTIONS = 60
DOCUMENTS = 80
DEPARTMENTS = 20
SUMMARY_TARGET_S = 1.0
RUN_SHEET_TARGET_S = 2.0
_APP: QGuiApplication | None = None  # kept for the whole run

NOTES = (
    "市场监管局反馈章程第七条需修改，已转告企业，企业称明日上午补交材料",
    "银行要求补充法人身份证复印件，已拍照发银行",
    "税务局确认今日可完成税务登记，发票可网上申领",
    "与园区核对企业用电增容需求，园区答复本周内回复",
    "企业询问公章刻好后是否需要本人去取，已答复可代领",
)


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def build(folder: Path) -> tuple[Store, int]:
    """The data folder of the benchmark; returns the store and the big case's id."""
    clock = _Clock(OPENED)
    store = open_store(folder, clock=clock)
    departments = [
        organisations.create(
            store, f"区第{i + 1}审批服务中心", OrganisationKind.DEPARTMENT
        ).value.id
        for i in range(DEPARTMENTS)
    ]
    people = [
        contacts.create(
            store,
            f"联络人{i + 1:02d}",
            organisation_id=departments[i % DEPARTMENTS],
            role="窗口负责人",
            phones=[f"1381234{i:04d}", f"0574-8765{i:04d}"],
        ).value.id
        for i in range(DEPARTMENTS * 2)
    ]
    case = cases.open_case(
        store,
        "大型制造基地项目注册落地（基准测试）",
        company_name="宁波基准测试制造有限公司",
        fast_track=True,
        owner="陈思远",
        normal_duration_hours=150,
        amount="500000000",
        notes="基准测试用的事项：五百条沟通记录、六十个办理步骤、八十份材料。",
        opened_at=OPENED,
    ).value
    steps = []
    for i in range(ACTIONS):
        steps.append(
            actions.add(
                store,
                case.id,
                departments[i % DEPARTMENTS],
                f"办理步骤{i + 1:02d}：审核并出具意见",
                contact_id=people[i % len(people)],
                statutory_limit_hours=15,
                promised_limit_hours=4,
                normal_duration_hours=7.5,
                depends_on=[steps[i - DEPARTMENTS]] if i >= DEPARTMENTS else [],
                notes="需企业补充说明材料" if i % 7 == 0 else "",
            ).value.id
        )
    for i, step in enumerate(steps[:DEPARTMENTS]):
        clock.now = OPENED + timedelta(days=1 + i % 5, hours=i % 6)
        actions.set_status(store, step, ActionStatus.IN_PROGRESS)
        if i % 2 == 0:
            clock.now += timedelta(hours=3)
            actions.set_status(store, step, ActionStatus.DONE)
    for i in range(DOCUMENTS):
        clock.now = OPENED + timedelta(hours=i)
        doc = documents.add(store, case.id, f"申请材料{i + 1:02d}", is_original=i % 3 == 0)
        if i % 2 == 0:
            documents.transition(store, doc.value.id, "received")
            documents.transition(
                store, doc.value.id, "forwarded", destination_id=departments[i % DEPARTMENTS]
            )
    with store.work() as work:
        for i in range(COMMUNICATIONS):
            communications.log_in(
                work,
                at=OPENED + timedelta(minutes=37 * i),
                channel=(Channel.PHONE, Channel.WECHAT, Channel.DINGTALK)[i % 3],
                direction=(Direction.INBOUND, Direction.OUTBOUND)[i % 2],
                contact_id=people[i % len(people)],
                case_id=case.id,
                duration_seconds=60 + i % 300,
                notes=NOTES[i % len(NOTES)],
                follow_up_due=OPENED + timedelta(days=2) if i % 25 == 0 else None,
            )
    clock.now = NOW
    return store, case.id


def timed(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    fn()  # warm up: fonts, templates, caches
    samples = []
    for _run in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples


def trivial_pdf(path: Path) -> None:
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(300)
    painter = QPainter(writer)
    painter.drawText(QRectF(0, 0, 2000, 200), "Liaison Hub")
    painter.end()
    del painter, writer  # the writer flushes the file when deleted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="save the two PDFs in this folder")
    args = parser.parse_args(argv)
    if QGuiApplication.instance() is None:
        global _APP
        _APP = QGuiApplication(sys.argv[:1])

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        store, case_id = build(folder / "data")
        print(f"data built in {time.perf_counter() - started:.1f} s")
        out = args.keep or folder
        out.mkdir(parents=True, exist_ok=True)
        pages: dict[str, int] = {}

        def summary() -> None:
            report = reports.case_summary(store, case_id, now=NOW)
            pages["summary"] = write_pdf(report, out / "bench-summary.pdf")

        def run_sheet() -> None:
            report = reports.run_sheet(store, now=NOW)
            pages["run sheet"] = write_pdf(report, out / "bench-run-sheet.pdf")

        baseline, _samples = timed(lambda: trivial_pdf(folder / "trivial.pdf"), args.runs)
        rows = [("trivial one-page PDF (baseline)", baseline, None, "")]
        for name, fn, target in (
            ("summary", summary, SUMMARY_TARGET_S),
            ("run sheet", run_sheet, RUN_SHEET_TARGET_S),
        ):
            median, _samples = timed(fn, args.runs)
            verdict = "ok" if median < target else "SLOW"
            rows.append((f"{name} PDF ({pages[name]} pages)", median, target, verdict))
        store.close()

    print(f"\nmedian of {args.runs} runs")
    print(f"{'what':<36}{'median':>10}{'x baseline':>12}{'target':>9}")
    for name, median, target, verdict in rows:
        ratio = median / baseline if baseline else float("nan")
        goal = "" if target is None else f"< {target:.0f} s"
        print(f"{name:<36}{median * 1000:>8.0f}ms{ratio:>11.0f}x{goal:>9}  {verdict}")
    return 0 if all(v != "SLOW" for *_rest, v in rows) else 1


if __name__ == "__main__":
    status = main()
    # PySide6 6.12 on Python 3.11 loses a reference to None on many void calls (painter
    # save/restore, drawContents ...); a process that writes a dozen long PDFs then
    # aborts in interpreter shutdown ("deallocating None"). Nothing is left to clean up
    # here, so leave without the shutdown that would crash.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
