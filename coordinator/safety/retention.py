"""Which backups are kept: the rolling policy (a setting) and pruning by it.

The newest backup of each of the last few days, weeks and months that have one is kept,
and the newest backup always. Backups made by hand or because something risky was about
to happen are kept for a month whatever the policy says. Pruning runs only after a new
backup has been verified, and touches only verified backups this package made.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from coordinator.errors import ValidationError
from coordinator.i18n import N_
from coordinator.safety.catalogue import (
    AUTOMATIC_REASONS,
    REASONS,
    BackupInfo,
    BackupResult,
    list_backups,
    read_manifest,
    server_key,
)
from coordinator.safety.copying import LOCK, remove_tree
from coordinator.store import filestore
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.models import Setting
from coordinator.store.storage import Store

__all__ = [
    "RetentionPolicy",
    "plan_retention",
    "prune_backups",
    "retention_policy",
    "set_retention_policy",
]

RETENTION_SETTING: Final = "backup_retention"
RETENTION_MAX: Final = 999
F_DAILY = N_("Daily backups kept")
F_WEEKLY = N_("Weekly backups kept")
F_MONTHLY = N_("Monthly backups kept")
# Kept for a month whatever the rolling policy says, so that the state before a mistaken
# restore (or the one the officer chose to keep) is not pruned by the same day's quit
# backup.
SAFETY_REASONS: Final = frozenset(REASONS) - AUTOMATIC_REASONS
SAFETY_KEEP: Final = timedelta(days=30)

_MSG_RETENTION = N_("{field} must be a whole number from 0 to {limit}.")


@dataclass(frozen=True)
class RetentionPolicy:
    """Keep the newest backup of each of the last ``daily`` days that have one, and so
    on for weeks and months; the newest backup is always kept."""

    daily: int = 12
    weekly: int = 10
    monthly: int = 9


def policy_from_value(value: object) -> RetentionPolicy:
    """The stored policy; defaults for anything unreadable (an old or imported value)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return RetentionPolicy()
    if not isinstance(value, dict):
        return RetentionPolicy()
    default = RetentionPolicy()
    counts: dict[str, int] = {}
    for key in ("daily", "weekly", "monthly"):
        number = value.get(key)
        if type(number) is int and 0 <= number <= RETENTION_MAX:
            counts[key] = number
        else:
            counts[key] = getattr(default, key)
    return RetentionPolicy(**counts)


def retention_policy(store: Store) -> RetentionPolicy:
    with store.read() as session:
        setting = session.get(Setting, RETENTION_SETTING)
        return RetentionPolicy() if setting is None else policy_from_value(setting.value)


def set_retention_policy(
    store: Store, *, daily: int, weekly: int, monthly: int
) -> Outcome[RetentionPolicy]:
    """Change how many daily, weekly and monthly backups are kept (0 to 999 each)."""
    wanted: dict[str, int] = {}
    for key, value, label in (
        ("daily", daily, F_DAILY),
        ("weekly", weekly, F_WEEKLY),
        ("monthly", monthly, F_MONTHLY),
    ):
        if type(value) is not int or not 0 <= value <= RETENTION_MAX:
            raise ValidationError(_MSG_RETENTION, field=label, limit=RETENTION_MAX)
        wanted[key] = value
    policy = RetentionPolicy(**wanted)
    with store.work() as work:
        setting = work.session.get(Setting, RETENTION_SETTING)
        before = None if setting is None else policy_from_value(setting.value)
        if before == policy:
            return Outcome(policy, work.changes)
        if setting is None:
            work.session.add(Setting(key=RETENTION_SETTING, value=dict(wanted)))
        else:
            setting.value = dict(wanted)
        work.record(
            "setting",
            0,
            RETENTION_SETTING,
            None if before is None else [before.daily, before.weekly, before.monthly],
            [policy.daily, policy.weekly, policy.monthly],
        )
        work.changed(ChangeKind.SETTING, 0)
    return Outcome(policy, work.changes)


def plan_retention(
    backups: Sequence[BackupInfo], policy: RetentionPolicy, now: datetime
) -> frozenset[str]:
    """The ids to keep: the newest, the newest per day/ISO week/month up to the policy's
    counts (counting periods that have a backup), and manual and safety backups under
    30 days old."""
    ordered = sorted(backups, key=lambda b: (b.created_at, b.id), reverse=True)
    keep: set[str] = set()
    if ordered:
        keep.add(ordered[0].id)
    periods: tuple[tuple[int, Callable[[datetime], object]], ...] = (
        (policy.daily, lambda d: d.date()),
        (policy.weekly, lambda d: tuple(d.isocalendar())[:2]),
        (policy.monthly, lambda d: (d.year, d.month)),
    )
    for count, period in periods:
        seen: set[object] = set()
        for backup in ordered:
            key = period(backup.created_at)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(backup.id)
    for backup in ordered:
        if backup.reason in SAFETY_REASONS and backup.created_at >= now - SAFETY_KEEP:
            keep.add(backup.id)
    return frozenset(keep)


def prune_backups(
    data_dir: Path, policy: RetentionPolicy, now: datetime, *, protect: str | None = None
) -> tuple[str, ...]:
    """Remove the verified backups the policy does not keep; returns their ids.

    Folders that are not backups this package made and verified are never touched.
    """
    with LOCK:
        backups = [b for b in list_backups(data_dir) if b.verified]
        # Each database's backups by themselves: dumps of the office server do not push
        # out the laptop's own backups from before it joined the server, nor the reverse.
        groups: dict[tuple[str, str], list[BackupInfo]] = {}
        for backup in backups:
            key = (backup.engine, server_key(backup.server) if backup.on_server else "")
            groups.setdefault(key, []).append(backup)
        keep: set[str] = set()
        for group in groups.values():
            keep |= plan_retention(group, policy, now)
        removed: list[str] = []
        for backup in backups:
            if backup.id in keep or backup.id == protect:
                continue
            remove_tree(backup.path)
            removed.append(backup.id)
        if removed:
            filestore.fsync_dir(data_dir / "backups")
        return tuple(removed)


def publish_backup(partial: Path, backups_dir: Path, backup_id: str) -> Path:
    """A backup written and verified in its partial folder takes its final name, durably:
    until the rename it is not in the list, so a crash never leaves half a backup there."""
    filestore.fsync_dir(partial)
    final = backups_dir / backup_id
    os.rename(partial, final)
    filestore.fsync_dir(backups_dir)
    return final


def finish_backup(
    data_dir: Path, final: Path, policy: RetentionPolicy, now: datetime, prune: bool
) -> BackupResult:
    """The published backup as listed, and the backups the policy no longer keeps removed
    (a removal that fails is tried again after the next backup)."""
    info = read_manifest(final)
    assert info is not None  # just written by the caller
    pruned: tuple[str, ...] = ()
    if prune:
        with contextlib.suppress(OSError):
            pruned = prune_backups(data_dir, policy, now, protect=info.id)
    return BackupResult(info, False, pruned)
