"""Write transactions that take the lock up front, and telling a busy database from a fault.

SQLite has one writer. A transaction that starts deferred and upgrades to a write later can fail
with "database is locked" after it has done its work; one that starts with `BEGIN IMMEDIATE`
waits its turn (the busy timeout) before doing anything. PostgreSQL locks rows, not the file:
there the transaction locks the site's clock row first, which every write of a synced row takes
for its change sequence anyway (`inscrm.db.stamps`), so writers queue in one order instead of
deadlocking on each other's rows, and sequence numbers commit in the order they were taken.
"""

import contextlib

from peewee import OperationalError

from inscrm.db import engines
from inscrm.models import db


@contextlib.contextmanager
def _atomic_from(statement):
    """A transaction whose first statement is `statement`."""
    with db.atomic() as transaction:
        db.execute_sql(statement)
        yield transaction


def writing():
    """A transaction (or a savepoint inside one) that holds the write lock from its start."""
    if db.transaction_depth() > 0:
        return db.atomic()
    if engines.is_postgres():
        return _atomic_from("SELECT seq FROM sync_clock FOR UPDATE")
    return db.atomic("IMMEDIATE")


def reading():
    """A transaction that reads one snapshot of the database in all its statements (SQLite's
    read transactions are; PostgreSQL's default isolation gives each statement its own)."""
    if db.transaction_depth() > 0 or not engines.is_postgres():
        return db.atomic()
    return _atomic_from("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def is_busy(exc):
    """Whether an error means another writer held the database past the busy timeout."""
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)
