"""Schema versions and ordered migrations, on SQLite and PostgreSQL alike.

The schema version lives in the `meta` table. A new database is created at the latest version;
an older one is backed up, then upgraded step by step inside one transaction; then the sync
stamps (`inscrm.db.stamps`) and the name index (`inscrm.db.names`) are (re)installed.

A branch's SQLite file is upgraded when the program starts. A PostgreSQL database serves many
workers at once, so it is upgraded only by `inscrm db migrate` (and created by `inscrm init`);
a worker that finds it at another version refuses to start (`check_schema`).
"""

from peewee import CharField, TextField
from playhouse.migrate import SchemaMigrator, migrate

from inscrm.db import bulk, dialect, engines, names, stamps, transactions
from inscrm.models import MODELS, Meta, NetworkFlag, RuleDraft, db


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


def _v5_unique_per_site(migrator):
    """Version 5: what is unique at one site is unique per owning site, so HQ keeps every
    branch's customer codes, townships, user names and rule versions side by side; the sites'
    public keys for sync bundles. (The new `(origin, …)` indexes and the ledger tables are made
    by the create_tables that follows the steps.)"""
    old = {
        "branch": "branch_code", "user": "user_username", "township": "township_district_name",
        "customer_ref": "customer_ref_source_ref", "policy": "policy_source_policy_no",
        "claim": "claim_source_claim_no", "rule_settings": "rule_settings_number",
        "task": "task_dedupe_key",
    }
    migrate(
        *(migrator.drop_index(table, name) for table, name in old.items()),
        migrator.add_column("site", "sign_key", TextField(null=True)),
        migrator.add_column("site", "box_key", TextField(null=True)),
        migrator.add_column("site", "key_id", CharField(max_length=16, null=True)),
    )


def _v6_network(migrator):
    """Version 6: HQ's network flags, which travel down to the branches (so a branch on an
    older program refuses HQ's bundle by its schema, not by an unknown table), and HQ's rule
    drafts; customers indexed by ID number and owning site (and each name piece carries its
    customer's owning site: `names.install` makes the derived name index again)."""
    db.create_tables([NetworkFlag, RuleDraft], safe=True)


def _v7_sessions(migrator):
    """Version 7: sessions kept server-side, so logout, a new password or a deactivated account
    ends them; login throttling by client address and user name. (Since version 9 their tables
    are the session store's, `inscrm.db.sessionstore`, which makes them itself.)"""


def _v8_name_key(migrator):
    """Version 8: customers sort by the pinyin of their names (`customer.name_key`, see
    `inscrm.pinyin`), filled here in chunks of one statement each; the list's name indexes
    are made again on the key by `names.install` (and the name index with its new key)."""
    if "name_key" not in {column.name for column in db.get_columns("customer")}:
        migrate(migrator.add_column("customer", "name_key", TextField(null=True)))
    for name in ("customer_segment_name", "customer_live_town_segment_name",
                 "customer_assigned_manager_name", "customer_live_town_manager_name",
                 "customer_live_source_name", "customer_live_origin_name",
                 "customer_live_origin_segment_name"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    bulk.fill_name_keys()


def _v9_session_store(migrator):
    """Version 9: sessions and login throttling move to the session store (on SQLite a file of
    their own, so a login never waits for an import's write lock; on PostgreSQL new tables keyed
    by the user's uid). The old tables go: their sessions end, users log in again."""
    for table in ("login_session", "login_throttle"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')


def _v10_policies_in_force(migrator):
    """Version 10: the policies' index by end date covers what the in-force, renewal and
    retention figures read (made by the create_tables that follows), so the one-column index
    it replaces goes."""
    db.execute_sql('DROP INDEX IF EXISTS "policy_end_date"')


def _v11_name_walk_numbers(migrator):
    """Version 11: the customers' name-order index carries their phone and ID numbers, so a
    number prefix that very many share is paged from the index alone (made by `names.install`);
    the index it replaces goes."""
    db.execute_sql('DROP INDEX IF EXISTS "customer_live_name_key"')


# Ordered steps: version -> function(migrator) that upgrades from the version before.
MIGRATIONS = {
    2: _v2_contact_channels,
    3: _v3_task_rule,
    4: _v4_fewer_segment_indexes,
    5: _v5_unique_per_site,
    6: _v6_network,
    7: _v7_sessions,
    8: _v8_name_key,
    9: _v9_session_store,
    10: _v10_policies_in_force,
    11: _v11_name_walk_numbers,
}
LATEST = max(MIGRATIONS, default=1)


def open_database(target):
    """Bind the models to the SQLite file at `target` (created if missing), or to the
    PostgreSQL database of a postgresql:// URL, and connect."""
    try:
        return engines.open_database(target)
    except engines.EngineError as exc:
        raise SchemaError(str(exc)) from None


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
    with transactions.schema_writing():  # at start-up, while an import runs: wait, do not fail
        if version is None:
            db.create_tables(MODELS)
            Meta.set_value("schema_version", LATEST)
        else:
            migrator = SchemaMigrator.from_database(db.obj)
            for step in range(version + 1, LATEST + 1):
                MIGRATIONS[step](migrator)
                Meta.set_value("schema_version", step)
            db.create_tables(MODELS, safe=True)  # tables new since that version
        dialect.install_functions()
        stamps.install_triggers()
        names.install()  # the customer name index and its triggers
    return version, LATEST


def check_schema():
    """Refuse a database that is not at this program's version (PostgreSQL start-up: only
    `inscrm db migrate` changes its schema)."""
    version = schema_version()
    if version == LATEST:
        return
    if version is None:
        raise SchemaError("the database is empty; run `inscrm init` (or `inscrm db migrate`) "
                          "first")
    if version > LATEST:
        raise SchemaError(
            f"the database is at schema version {version}, newer than this program's {LATEST}; "
            "use a newer InsCRM")
    raise SchemaError(f"the database is at schema version {version}; run `inscrm db migrate` "
                      f"to upgrade it to {LATEST}")
