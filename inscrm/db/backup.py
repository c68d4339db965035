"""Online backups (SQLite's backup API, safe while the app runs) and restore."""

import datetime as dt
import sqlite3
from pathlib import Path

from inscrm.db import engines

# What is kept (`prune`): the last 7 start-up and the last 7 daily backups; of the backups made
# before an import or a sync, the last 10 and the newest of each month for a year; backups asked
# for by hand, before a restore or before a schema upgrade are never removed.
KEEP_AUTOMATIC = 7
KEEP_RECENT = 10
KEEP_MONTHS = 12
AUTOMATIC = ("startup", "daily")
KEPT_FOR_GOOD = ("manual", "before-restore", "migration")


class BackupError(Exception):
    """A backup file that cannot be restored, with the reason in words."""


def backup(db_path, backups_dir, reason="manual"):
    """Copy the live database to backups/inscrm-<time>-<reason>.db and return the new path.

    None on PostgreSQL: there an import or sync is undone by its own transaction, and the
    server's backups are pg_dump's (docs/postgresql.md).
    """
    if engines.is_postgres():
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = Path(backups_dir) / f"inscrm-{stamp}-{reason}.db"
    tmp = target.with_suffix(".part")
    with sqlite3.connect(db_path) as source, sqlite3.connect(tmp) as copy:
        source.backup(copy)
    copy.close()
    source.close()
    tmp.replace(target)
    prune(backups_dir)
    return target


def retained(dated, today, keep_recent=KEEP_RECENT, months=KEEP_MONTHS):
    """Of `(date, path)` pairs, the paths a policy of "the last `keep_recent`, and the newest of
    each of the last `months` months" keeps (backups, and import error reports)."""
    dated = sorted(dated, reverse=True)
    kept = {path for _, path in dated[:keep_recent]}
    first_month = today.year * 12 + today.month - months
    seen = set()
    for day, path in dated:
        month = day.year * 12 + day.month - 1
        if month >= first_month and month not in seen:
            seen.add(month)
            kept.add(path)
    return kept


def _made_on(path):
    """The day in a backup's name (inscrm-YYYYMMDD-…), or None."""
    try:
        return dt.datetime.strptime(path.name.split("-")[1], "%Y%m%d").date()
    except (IndexError, ValueError):
        return None


def _reason(path):
    return path.name.split("-", 4)[-1].removesuffix(".db")


def prune(backups_dir, today=None):
    """Remove the backups the documented policy does not keep (above); returns them."""
    today = today or dt.date.today()
    every = list(Path(backups_dir).glob("inscrm-*.db"))
    removed = []
    for reason in AUTOMATIC:
        removed += sorted(p for p in every if _reason(p) == reason)[:-KEEP_AUTOMATIC]
    others = [(_made_on(p), p) for p in every
              if _reason(p) not in AUTOMATIC + KEPT_FOR_GOOD and _made_on(p)]
    kept = retained(others, today)
    removed += [p for _, p in others if p not in kept]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def check_backup(path):
    """Raise BackupError unless `path` is an intact InsCRM database."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path}: not an SQLite database")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"{path}: damaged database ({ok})")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "customer", "sync_clock"} <= tables:
            raise BackupError(f"{path}: not an InsCRM database")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable database ({exc})") from exc
    finally:
        conn.close()


def restore(source_path, db_path):
    """Overwrite the database at `db_path` with the backup at `source_path` (checked first)."""
    check_backup(source_path)
    with sqlite3.connect(f"file:{source_path}?mode=ro", uri=True) as source:
        with sqlite3.connect(db_path) as live:
            source.backup(live)
        live.close()
    source.close()


def list_backups(backups_dir):
    """Backups, newest first."""
    return sorted(Path(backups_dir).glob("inscrm-*.db"), reverse=True)
