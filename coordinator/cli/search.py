"""``liaison-hub search QUERY [--kind KIND ...] [--case REF] [--channel C] [--since DAY]
[--until DAY] [--limit N] [--json]``: the search box for scripts.

Prints the results grouped by kind, best first (``--json``: one JSON object with every
hit, the matched spans as character offsets). Exit status: 0 when something was found,
1 when nothing was, 2 on an error (an unknown case, a data folder that cannot be opened).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timedelta
from typing import Any

from coordinator.i18n import _
from coordinator.kinds import Channel
from coordinator.store.changes import ChangeKind

KINDS = ("case", "contact", "organisation", "communication", "document", "action")

EXIT_FOUND = 0
EXIT_NOTHING = 1


def register(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "search", help="search cases, people, calls, documents and steps"
    )
    parser.add_argument("query", metavar="QUERY", help="Chinese, pinyin, initials or digits")
    parser.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        metavar="KIND",
        help=f"only this kind (repeatable): {', '.join(KINDS)}",
    )
    parser.add_argument("--case", metavar="REF", help="only what belongs to this case")
    parser.add_argument(
        "--channel", choices=[c.value for c in Channel], help="only communications of this channel"
    )
    parser.add_argument(
        "--since", type=date.fromisoformat, metavar="YYYY-MM-DD", help="from this day on"
    )
    parser.add_argument(
        "--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="up to this day, included"
    )
    parser.add_argument("--limit", type=int, default=20, help="hits per kind (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    return parser


def run(args: argparse.Namespace) -> int:
    from coordinator.queries import cases as case_queries
    from coordinator.queries.search import SearchFilter, search
    from coordinator.safety.opening import open_store

    kinds = frozenset(ChangeKind(k) for k in (args.kind or KINDS))
    store = open_store(getattr(args, "data_dir", None))
    try:
        case_id = case_queries.by_reference(store, args.case).id if args.case else None
        flt = SearchFilter(
            kinds=kinds,
            case_id=case_id,
            channel=Channel(args.channel) if args.channel else None,
            since=datetime.combine(args.since, time.min) if args.since else None,
            until=datetime.combine(args.until + timedelta(days=1), time.min)
            if args.until
            else None,
        )
        results = search(store, args.query, flt, max(args.limit, 1))
    finally:
        store.close()
    if args.json:
        json.dump(
            {
                "query": results.query,
                "groups": [
                    {
                        "kind": group.kind.value,
                        "total": group.total,
                        "more": group.more,
                        "hits": [
                            {
                                "kind": hit.kind.value,
                                "id": hit.id,
                                "title": hit.title,
                                "detail": hit.detail,
                                "title_spans": [list(s) for s in hit.title_spans],
                                "detail_spans": [list(s) for s in hit.detail_spans],
                                "at": hit.at.isoformat() if hit.at else None,
                            }
                            for hit in group.hits
                        ],
                    }
                    for group in results.groups
                ],
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        print()
    else:
        for group in results.groups:
            total = f"{group.total}+" if group.more else str(group.total)
            print(_("{kind}: {total}").format(kind=_kind_label(group.kind), total=total))
            for hit in group.hits:
                print(f"  #{hit.id}  {hit.title}" + (f"  —  {hit.detail}" if hit.detail else ""))
        if not results:
            print(_("Nothing found for “{query}”.").format(query=args.query))
    return EXIT_FOUND if results else EXIT_NOTHING


def _kind_label(kind: ChangeKind) -> str:
    from coordinator.labels import RECORD_KINDS

    return RECORD_KINDS[kind.value].tr()
