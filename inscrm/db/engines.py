"""Opening the database: SQLite in the data directory, or PostgreSQL named by a URL.

A branch office runs on its SQLite file (WAL, foreign keys, a busy timeout). Headquarters can
run the same models on PostgreSQL (`--database-url postgresql://…` or $INSCRM_DATABASE_URL),
through psycopg 3, an optional extra (`inscrm[postgres]`) that the branch executable leaves out.
What the two engines do differently when a connection opens lives here; the few SQL expressions
that differ live in `inscrm.db.dialect`.

A PostgreSQL database must be UTF-8 and sort by code point (`LC_COLLATE 'C'` or `C.UTF-8`), as
SQLite does: name order, number prefix look-ups and version stamps compare the same way on both.
"""

import os
from urllib.parse import urlsplit, urlunsplit

from peewee import PostgresqlDatabase, SqliteDatabase
from playhouse.pool import PooledDatabase, PooledPostgresqlDatabase, PooledSqliteDatabase

from inscrm.db import sessionstore
from inscrm.models import NameGram, db

ENV_VAR = "INSCRM_DATABASE_URL"
SCHEMES = ("postgresql", "postgres")
LOCK_WAIT_MS = 5_000  # a web write waits this long for a lock, then answers "busy, try again"
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": 1,  # NORMAL: safe with WAL, much faster than FULL
    "busy_timeout": LOCK_WAIT_MS,
    "cache_size": -64_000,  # 64 MB
    "temp_store": 2,  # memory
}
CODE_POINT_COLLATIONS = ("C", "POSIX", "C.UTF-8", "C.utf8")
# Connections are kept between requests and handed to the next one: a connection's page cache
# stays warm and nobody pays for opening one (SQLite: the file, its pragmas and schema;
# PostgreSQL: a server process). As many as the threads that use them at once (the server's,
# the jobs'); one is opened afresh after this many seconds, so none grows old.
POOL = {"max_connections": None, "stale_timeout": 600}


class EngineError(Exception):
    """A database URL or server that InsCRM cannot use, with the reason in words."""


def chosen_url(url=None):
    """The database URL asked for (argument, else $INSCRM_DATABASE_URL), or None for SQLite
    (also when `url` is "": the data directory's file, whatever the environment says)."""
    if url is None:
        url = os.environ.get(ENV_VAR)
    if not url:
        return None
    check_url(url)
    return url


def check_url(url):
    """Raise EngineError unless `url` is a postgresql:// URL naming a database."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise EngineError(f"{redacted(url)}: not a postgresql:// URL")
    if not parts.path.strip("/"):
        raise EngineError(f"{redacted(url)}: the URL names no database")


def redacted(url):
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def is_postgres(database=None):
    """Whether the models are bound to (or `database` is) PostgreSQL."""
    return isinstance(database if database is not None else db.obj, PostgresqlDatabase)


def set_lock_wait(milliseconds):
    """How long this connection's next statements wait for a lock before failing "busy"
    (SQLite: the file's write lock; PostgreSQL: row locks, inside the current transaction only;
    None there: wait as long as it takes)."""
    if is_postgres():
        db.execute_sql(lock_wait_statement(milliseconds))
    else:
        wait = LOCK_WAIT_MS if milliseconds is None else int(milliseconds)
        db.execute_sql(f"PRAGMA busy_timeout = {wait}")


def lock_wait_statement(milliseconds):
    """PostgreSQL: the statement that sets the current transaction's lock wait."""
    value = "0" if milliseconds is None else f"{int(milliseconds)}ms"
    return f"SET LOCAL lock_timeout = '{value}'"


# the tables a sync bundle fills (PostgreSQL keeps their statistics and visibility map)
LOADED = ("customer", "name_gram", "customer_ref", "vehicle", "policy", "claim", "activity",
          "segment_change")


def tidy_after_load():
    """After a bulk load has committed, on PostgreSQL: VACUUM (ANALYZE) the tables it filled,
    so the planner knows their size and index-only scans (the name pieces, the numbers'
    covering indexes) read the index alone instead of visiting each row. Autovacuum waits for a
    table to grow by a fifth: at an HQ of a million customers, 200,000 more. SQLite needs
    nothing (its indexes cover without a visibility map; `names.refresh_statistics`)."""
    if not is_postgres() or db.transaction_depth() > 0:
        return
    for table in LOADED:
        db.execute_sql(f'VACUUM (ANALYZE) "{table}"')


def is_sqlite(database=None):
    return isinstance(database if database is not None else db.obj, SqliteDatabase)


def postgres_database(url):
    """A peewee PostgresqlDatabase on `url` through psycopg 3 (not connected yet)."""
    check_url(url)
    try:
        import psycopg  # noqa: F401  (the optional extra)
    except ImportError:
        raise EngineError("PostgreSQL needs psycopg 3: pip install 'inscrm[postgres]'") from None
    parts = urlsplit(url)
    url = urlunsplit(parts._replace(scheme="postgresql"))
    # No server-side prepared statements: a plan cached while a bulk load's table was small
    # (a sequential scan) would be kept for every later statement of the load.
    # Row locks are waited for as long as SQLite's busy timeout; jobs wait longer
    # (`inscrm.db.transactions.job_writing`).
    return PooledPostgresqlDatabase(url, prefer_psycopg3=True, prepare_threshold=None,
                                    options=f"-c lock_timeout={LOCK_WAIT_MS}", **POOL)


def sqlite_database(path):
    return PooledSqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                **POOL)


def close_all(database=None):
    """Close this thread's connection to the database and the kept ones, when it is left (a
    connection another thread is using now stays that thread's until it is done)."""
    database = database if database is not None else db.obj
    if database is None:
        return
    if not database.is_closed():
        database.close()
    if isinstance(database, PooledDatabase):
        database.close_idle()


def make_database(target):
    """A database object for a SQLite file path or a postgresql:// URL."""
    if str(target).split(":", 1)[0] in SCHEMES:
        return postgres_database(str(target))
    return sqlite_database(target)


def open_database(target):
    """Bind the models to `target` (a SQLite path or a PostgreSQL URL) and connect."""
    database = make_database(target)
    bind(database)
    try:
        database.connect(reuse_if_open=True)
    except Exception as exc:
        if is_sqlite(database):
            raise
        raise EngineError(f"cannot connect to {redacted(str(target))}: "
                          f"{str(exc).strip().splitlines()[0]}") from None
    if is_postgres(database):
        _check_server(database)
    sessionstore.ensure_tables()
    return database


def bind(database):
    """Point the models at `database`; the name index's table layout follows the engine."""
    NameGram._meta.without_rowid = is_sqlite(database)  # SQLite only; PostgreSQL has no rowid
    if db.obj is not None and db.obj is not database:
        close_all(db.obj)  # the connections to the database bound before
    db.initialize(database)
    sessionstore.bind(database)  # sessions beside it (SQLite) or in it (PostgreSQL)


def _check_server(database):
    encoding, collation, provider = database.execute_sql(
        "SELECT pg_encoding_to_char(encoding), datcollate, to_jsonb(d) ->> 'datlocprovider' "
        "FROM pg_database d WHERE datname = current_database()").fetchone()
    advice = "(CREATE DATABASE … ENCODING 'UTF8' LC_COLLATE 'C' TEMPLATE template0)"
    if encoding != "UTF8":
        raise EngineError(f"the database is in {encoding}; InsCRM needs a UTF-8 database {advice}")
    if provider not in (None, "c") or collation not in CODE_POINT_COLLATIONS:
        raise EngineError(f"the database sorts by its locale ({collation}, provider {provider}); "
                          f"InsCRM needs LC_COLLATE 'C' {advice}")


def describe(database=None):
    """'SQLite /path/inscrm.db' or 'PostgreSQL host:port/name', for messages."""
    database = database if database is not None else db.obj
    if is_postgres(database):
        return f"PostgreSQL {redacted(database.database)}"
    return f"SQLite {database.database}"
