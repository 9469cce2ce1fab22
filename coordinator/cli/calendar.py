"""``liaison-hub calendar``: a year's holidays, make-up working days and office closures.

``calendar list [YEAR]`` prints the year (this year by default) and says when its holidays
are not known; ``calendar add-holiday START [END] --name NAME``,
``calendar add-workday DAY --name NAME``, ``calendar add-closure START [END] --name NAME``
and ``calendar remove DAY`` enter the schedule the State Council publishes each year.
Exit status: 0 done, 2 refused (the reason on standard error).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from coordinator.i18n import N_, Msg, _

KIND_WORDS: dict[str, Msg] = {
    "holiday": N_("holiday"),
    "make_up": N_("make-up working day"),
    "closure": N_("office closure"),
}
WEEKDAY_WORDS: tuple[Msg, ...] = (
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text}") from None


def register(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "calendar", help="a year's holidays, make-up working days and office closures"
    )
    what = parser.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    listing = what.add_parser("list", help="the year's days off and make-up working days")
    listing.add_argument("year", type=int, nargs="?", help="the year (default: this year)")
    holiday = what.add_parser("add-holiday", help="public holidays, one day or a range")
    holiday.add_argument("start", type=_day, metavar="START", help="YYYY-MM-DD")
    holiday.add_argument("end", type=_day, nargs="?", metavar="END", help="YYYY-MM-DD, included")
    holiday.add_argument("--name", required=True, help="e.g. 春节")
    workday = what.add_parser("add-workday", help="a make-up working day (调休上班)")
    workday.add_argument("day", type=_day, metavar="DAY", help="YYYY-MM-DD")
    workday.add_argument("--name", required=True, help="the holiday it makes up for")
    closure = what.add_parser("add-closure", help="the office's own days off")
    closure.add_argument("start", type=_day, metavar="START", help="YYYY-MM-DD")
    closure.add_argument("end", type=_day, nargs="?", metavar="END", help="YYYY-MM-DD, included")
    closure.add_argument("--name", required=True, help="why the office is closed")
    remove = what.add_parser("remove", help="take an entered day out again")
    remove.add_argument("day", type=_day, metavar="DAY", help="YYYY-MM-DD")
    return parser


def run(args: argparse.Namespace) -> int:
    from coordinator.queries import calendar as calendar_queries
    from coordinator.safety.opening import open_store
    from coordinator.services import calendar

    store = open_store(getattr(args, "data_dir", None))
    try:
        command = args.calendar_command
        if command == "list":
            year = args.year or store.clock().year
            print_year(calendar_queries.year_schedule(store, year))
            return 0
        if command == "add-holiday":
            calendar.add_holidays(store, args.start, args.end, args.name)
        elif command == "add-workday":
            calendar.add_make_up_day(store, args.day, args.name)
        elif command == "add-closure":
            calendar.add_closure(store, args.start, args.end, args.name)
        else:
            calendar.remove_day(store, args.day)
        day = getattr(args, "start", None) or args.day
        print_year(calendar_queries.year_schedule(store, day.year))
        return 0
    finally:
        store.close()


def print_year(schedule: Any) -> None:
    """One line per day: the day, its weekday, what it is, its name, whose it is."""
    from coordinator.queries.calendar import YearSchedule

    assert isinstance(schedule, YearSchedule)
    if schedule.coverage == "fallback":
        print(
            _(
                "{year}: no holiday schedule — only weekends are days off. Enter its "
                "holidays and make-up working days."
            ).format(year=schedule.year)
        )
    elif schedule.coverage == "entered":
        print(_("{year}: the schedule entered by the office.").format(year=schedule.year))
    else:
        print(
            _("{year}: the national schedule, with the office's own days.").format(
                year=schedule.year
            )
        )
    for day in schedule.days:
        source = "" if day.entered else _(" (national schedule)")
        print(
            f"{day.day.isoformat()}  {WEEKDAY_WORDS[day.day.weekday()].tr()}  "
            f"{KIND_WORDS[day.kind].tr()}  {day.name}{source}"
        )
