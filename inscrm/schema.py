"""Opening the database: pragmas, schema version, ordered migrations, and the sync stamps.

The schema version lives in the `meta` table. A new database is created at the latest version;
an older one is backed up, then upgraded step by step inside one transaction. Every synced table
gets triggers that stamp its change sequence and version on any write that did not stamp them
itself (so no write path can be missed), and refuse deletes (synced rows become tombstones).
"""

import time

from peewee import CharField, SqliteDatabase, TextField
from playhouse.migrate import SqliteMigrator, migrate

from inscrm.ids import uuid7
from inscrm.models import MODELS, SYNCED_MODELS, Meta, SyncClock, db

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": 1,  # NORMAL: safe with WAL, much faster than FULL
    "busy_timeout": 10_000,
    "cache_size": -64_000,  # 64 MB
    "temp_store": 2,  # memory
}


class SchemaError(Exception):
    """The database cannot be opened by this version of the program."""


def _v2_contact_channels(migrator):
    """Version 2: e-mail and WeChat beside the phone numbers."""
    migrate(
        migrator.add_column("customer", "email", TextField(null=True)),
        migrator.add_column("customer", "wechat", TextField(null=True)),
    )


def _v3_task_rule(migrator):
    """Version 3: the rule that made a task is `task.rule`; `task.origin` is the owning site,
    as on every synced table."""
    migrate(
        migrator.rename_column("task", "origin", "rule"),
        migrator.add_column("task", "origin", CharField(max_length=16, null=True)),
    )
    db.execute_sql("UPDATE task SET origin = (SELECT site FROM sync_clock)")


def _v4_fewer_segment_indexes(migrator):
    """Version 4: drop customer indexes that other indexes cover, so a segment run that changes
    every customer rewrites fewer of them."""
    for name in ("customer_township_id_segment", "customer_manager_id_segment",
                 "customer_source_segment"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


# Ordered steps: version -> function(migrator) that upgrades from the version before.
MIGRATIONS = {
    2: _v2_contact_channels,
    3: _v3_task_rule,
    4: _v4_fewer_segment_indexes,
}
LATEST = max(MIGRATIONS, default=1)


def open_database(path):
    """Bind the models to the SQLite file at `path` (created if missing) and connect."""
    database = SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)
    db.initialize(database)
    database.connect(reuse_if_open=True)
    return database


def schema_version():
    """The version of the open database, or None when it has no tables yet."""
    if not db.table_exists("meta"):
        return None
    return int(Meta.get_value("schema_version", 1))


def ensure_schema(backup=None):
    """Create or upgrade the schema; `backup(reason)` is called before any migration runs."""
    version = schema_version()
    if version is not None and version > LATEST:
        raise SchemaError(
            f"the database is at schema version {version}, newer than this program's {LATEST}; "
            "use a newer InsCRM"
        )
    if version is not None and version < LATEST and backup is not None:
        backup("migration")
    with db.atomic():
        if version is None:
            db.create_tables(MODELS)
            Meta.set_value("schema_version", LATEST)
        else:
            migrator = SqliteMigrator(db.obj)
            for step in range(version + 1, LATEST + 1):
                MIGRATIONS[step](migrator)
                Meta.set_value("schema_version", step)
            db.create_tables(MODELS, safe=True)  # tables new since that version
        install_sync_triggers()
        from inscrm import search

        search.install()  # the customer name index and its triggers
    return version, LATEST


_NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
_VERSION = "(SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock)"


def install_sync_triggers():
    """(Re)create the stamping and no-delete triggers on every synced table."""
    for model in SYNCED_MODELS:
        table = model._meta.table_name
        stamp = f"""
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, {_NOW_MS});
            UPDATE "{table}" SET seq = (SELECT seq FROM sync_clock), version = {_VERSION},
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id;"""
        statements = [
            f'DROP TRIGGER IF EXISTS "{table}_stamp_insert"',
            f'DROP TRIGGER IF EXISTS "{table}_stamp_update"',
            f'DROP TRIGGER IF EXISTS "{table}_no_delete"',
            f'CREATE TRIGGER "{table}_stamp_insert" AFTER INSERT ON "{table}" '
            f"WHEN NEW.seq IS NULL BEGIN {stamp} END",
            f'CREATE TRIGGER "{table}_stamp_update" AFTER UPDATE ON "{table}" '
            f"WHEN NEW.seq IS OLD.seq BEGIN {stamp} END",
            f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END",
        ]
        for sql in statements:
            db.execute_sql(sql)


def stamp():
    """Reserve one change sequence number for a bulk write and return the sync fields to set.

    Bulk inserts and updates include these fields, so the per-row triggers have nothing to do.
    """
    clock = SyncClock.get()
    clock.seq += 1
    clock.ms = max(clock.ms, time.time_ns() // 1_000_000)
    SyncClock.update(seq=clock.seq, ms=clock.ms).execute()
    return {
        "seq": clock.seq,
        "version": f"{clock.ms:013d}-{clock.seq:010d}-{clock.site}",
        "origin": clock.site,
    }


def new_epoch():
    """Give this database a new epoch (after a restore), so HQ asks for a full bundle."""
    SyncClock.update(epoch=uuid7()).execute()

