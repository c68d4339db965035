"""Online backups (SQLite's backup API, safe while the app runs) and restore."""

import datetime as dt
import sqlite3
from pathlib import Path

from inscrm.db import engines

KEEP_AUTOMATIC = 7  # automatic backups (start-up, daily) kept per reason; others are kept


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
    if reason in ("startup", "daily"):
        _prune(backups_dir, reason)
    return target


def _prune(backups_dir, reason):
    old = sorted(Path(backups_dir).glob(f"inscrm-*-{reason}.db"))[:-KEEP_AUTOMATIC]
    for path in old:
        path.unlink()


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
