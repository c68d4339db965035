"""Where sessions and login throttling are kept, so that a login never waits for an import.

SQLite has one writer per file, and a large import holds the main file's write lock for the
length of its writes. Sessions (written at every login, logout, and once a minute by a page's
last-seen touch) and failed-login counts are therefore kept in a small SQLite file of their own
beside the database, `sessions.db` in the data directory (WAL, a busy timeout, 0600 like every
data file). It is site-local: never synced, not in backups or `inscrm db copy` (users log in
again). PostgreSQL locks rows, so there they stay in the main database, where no import blocks
them. The store's tables are made here, on first use of a database, on either engine.
"""

from pathlib import Path

from peewee import PostgresqlDatabase, SqliteDatabase

from inscrm.models import SESSION_MODELS, db, sessions_db

FILE_NAME = "sessions.db"
PRAGMAS = {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 5_000}


def store_for(database):
    """The database that keeps the sessions of `database`: the file beside a SQLite database,
    the same database on PostgreSQL (or for an in-memory SQLite one)."""
    if isinstance(database, PostgresqlDatabase) or database.database == ":memory:":
        return database
    path = Path(database.database).parent / FILE_NAME
    return SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)


def bind(database):
    """Point the session models at the store of `database` (no I/O yet)."""
    close()
    sessions_db.initialize(store_for(database))


def is_separate():
    """Whether the store is a database of its own (SQLite) rather than the main one."""
    return sessions_db.obj is not db.obj


def ensure_tables():
    """Make the store's tables if they are missing (a new store, a copied or upgraded
    database)."""
    if not all(sessions_db.table_exists(m._meta.table_name) for m in SESSION_MODELS):
        with writing():
            sessions_db.create_tables(SESSION_MODELS, safe=True)
    if is_separate():
        close()


def writing():
    """A transaction on the store that holds its write lock from the start (SQLite: so a
    read-then-write cannot fail half-way when another login writes in between)."""
    if isinstance(sessions_db.obj, SqliteDatabase) and sessions_db.transaction_depth() == 0:
        return sessions_db.atomic("IMMEDIATE")
    return sessions_db.atomic()


def close():
    """Close this thread's connection to a separate store (the main database's own
    connection is closed by whoever opened it)."""
    if sessions_db.obj is not None and is_separate() and not sessions_db.is_closed():
        sessions_db.close()
