"""The customer name index: every one- and two-character piece of each live customer's name.

Kept in `name_gram` by triggers on `customer`, so every write path keeps it right (forms,
imports, sync, merges); `rebuild_name_index()` refills it set-based (after restoring an old
backup, or when the table is new on an existing database). The sort and filter indexes of the
customer list live here too. `inscrm.customers.search` reads it.
"""

import contextlib

from peewee import fn

from inscrm.db import engines
from inscrm.models import Customer, GramPosition, Meta, NameGram, Site, db

MAX_INDEXED = 120  # names are cut into pieces up to this length
INDEX_VERSION = "4"  # 2: each piece carries its customer's owning site; 3: and its name key;
# 4: and its account manager and town


def _grams_sql(row, condition="TRUE", tables="gram_position"):
    """A SELECT of (gram, name, name_key, customer_id, origin, manager_id, township_id) for every
    piece of
    `row`'s name
    (NEW, OLD, c); the owning site as the stamping trigger sets it (a row written here has none
    yet)."""
    origin = f"coalesce({row}.origin, (SELECT site FROM sync_clock))"
    key = f"coalesce({row}.name_key, '')"
    rest = f"{row}.id, {origin}, {row}.manager_id, {row}.township_id"
    return (
        f"SELECT lower(substr({row}.name, n, 1)) AS gram, {row}.name AS name, {key} AS name_key, "
        f"{row}.id AS customer_id, {origin} AS origin, {row}.manager_id AS manager_id, "
        f"{row}.township_id AS township_id "
        f"FROM {tables} WHERE n <= length({row}.name) AND {condition} "
        f"UNION SELECT lower(substr({row}.name, n, 2)), {row}.name, {key}, {rest} "
        f"FROM {tables} WHERE n < length({row}.name) AND {condition}"
    )


_COLUMNS = "(gram, name, name_key, customer_id, origin, manager_id, township_id)"
_WATCHED = "name, deleted, name_key, manager_id, township_id"  # the columns its pieces carry


def _changed(differs):
    """The trigger's condition: one of those columns differs (`differs`: the engine's words)."""
    return " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in _WATCHED.split(", "))


_OLD_GRAMS = "AND name_key = coalesce(OLD.name_key, '') AND gram IN "  # the old name's pieces


_SQLITE_TRIGGERS = [
    "CREATE TRIGGER customer_name_gram_insert AFTER INSERT ON customer WHEN NOT NEW.deleted "
    f"BEGIN INSERT OR IGNORE INTO name_gram {_COLUMNS} "
    f"{_grams_sql('NEW')}; END",
    f"CREATE TRIGGER customer_name_gram_update AFTER UPDATE OF {_WATCHED} "
    f"ON customer WHEN {_changed('IS NOT')} BEGIN "
    f"DELETE FROM name_gram WHERE customer_id = OLD.id {_OLD_GRAMS}"
    f"(SELECT gram FROM ({_grams_sql('OLD')})); "
    f"INSERT OR IGNORE INTO name_gram {_COLUMNS} "
    f"{_grams_sql('NEW', 'NOT NEW.deleted')}; END",
]
_SQLITE_DROPS = [
    "DROP TRIGGER IF EXISTS customer_name_gram_insert",
    "DROP TRIGGER IF EXISTS customer_name_gram_update",
]
# PostgreSQL: new customers' pieces in one statement per INSERT (a statement trigger reads the
# rows it inserted as a table: a bundle of 100,000 customers is not 100,000 calls); a changed
# name, manager or town row by row, the condition checked before any function runs.
_POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION inscrm_name_grams_insert() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN INSERT INTO name_gram {_COLUMNS} "
    f"SELECT * FROM ({_grams_sql('c', 'NOT c.deleted', 'inserted c, gram_position')}) AS grams "
    "ON CONFLICT DO NOTHING; RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION inscrm_name_grams_update() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN "
    f"DELETE FROM name_gram WHERE customer_id = OLD.id {_OLD_GRAMS}"
    f"(SELECT gram FROM ({_grams_sql('OLD')}) AS old_grams); "
    f"IF NOT NEW.deleted THEN INSERT INTO name_gram {_COLUMNS} "
    f"{_grams_sql('NEW')} ON CONFLICT DO NOTHING; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER customer_name_gram_insert AFTER INSERT ON customer "
    "REFERENCING NEW TABLE AS inserted "
    "FOR EACH STATEMENT EXECUTE FUNCTION inscrm_name_grams_insert()",
    f"CREATE TRIGGER customer_name_gram_update AFTER UPDATE OF {_WATCHED} ON customer "
    f"FOR EACH ROW WHEN ({_changed('IS DISTINCT FROM')}) "
    "EXECUTE FUNCTION inscrm_name_grams_update()",
]
_POSTGRES_DROPS = [
    "DROP TRIGGER IF EXISTS customer_name_gram ON customer",  # one row trigger, before
    "DROP FUNCTION IF EXISTS inscrm_name_grams()",
    "DROP TRIGGER IF EXISTS customer_name_gram_insert ON customer",
    "DROP TRIGGER IF EXISTS customer_name_gram_update ON customer",
]

_INDEXES = [
    # sort keys of the customer list, and the common filters in sort order (id named, so ties
    # need no sort; deleted last, so counting reads the index, not the rows)
    "CREATE INDEX IF NOT EXISTS customer_annual_premium_id ON customer (annual_premium, id)",
    "CREATE INDEX IF NOT EXISTS customer_last_contact_id ON customer (last_contact_date, id)",
    # (names sort by their pinyin key, `inscrm.pinyin`); with the numbers a number prefix that
    # very many share is tested on, so walking it in name order reads the index alone
    "CREATE INDEX IF NOT EXISTS customer_live_name_numbers "
    "ON customer (name_key, id, deleted, phone, id_number) WHERE NOT deleted",
    "CREATE INDEX IF NOT EXISTS customer_live_town_segment_key "
    "ON customer (township_id, segment, name_key, id, deleted) WHERE NOT deleted",
    "CREATE INDEX IF NOT EXISTS customer_assigned_manager_key "
    "ON customer (manager_id, name_key, id, deleted) "
    "WHERE NOT deleted AND manager_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS customer_assigned_manager_premium "
    "ON customer (manager_id, annual_premium, id, deleted) "
    "WHERE NOT deleted AND manager_id IS NOT NULL",
    # a number prefix: its matches read from the index alone, then sorted by name
    "CREATE INDEX IF NOT EXISTS customer_live_phone_key "
    "ON customer (phone, name_key, id, deleted) WHERE NOT deleted",
    "CREATE INDEX IF NOT EXISTS customer_live_id_number_key "
    "ON customer (id_number, name_key, id, deleted) WHERE NOT deleted",
    # an account manager's second part: the unassigned customers of their towns
    "CREATE INDEX IF NOT EXISTS customer_live_town_manager_key "
    "ON customer (township_id, manager_id, name_key, id, deleted) WHERE NOT deleted",
    # no segment in it: a full segment run rewrites every customer's segment on its first day
    "CREATE INDEX IF NOT EXISTS customer_live_source_key "
    "ON customer (source, name_key, id, deleted) WHERE NOT deleted",
    # the start page's customers by segment, counted from the index alone
    "CREATE INDEX IF NOT EXISTS customer_live_segment "
    "ON customer (segment, id, deleted) WHERE NOT deleted",
    # HQ's list of one branch: its customers in name order
    "CREATE INDEX IF NOT EXISTS customer_live_origin_key "
    "ON customer (origin, name_key, id, deleted) WHERE NOT deleted",
]
# At a branch: an account manager's own name pieces, and the unassigned ones (no manager) by
# town, so an agent's name search reads index ranges alone however common the surname (HQ has
# no account managers of its own).
_BRANCH_INDEXES = [
    "CREATE INDEX IF NOT EXISTS name_gram_manager "
    "ON name_gram (gram, manager_id, township_id, name_key, customer_id)",
]
# At HQ, where every branch's customers are: one branch's name pieces in name order, so a name
# search filtered by branch is one index range and its count reads the index alone. (At a
# branch every piece has the same site: no use there.)
_HQ_INDEXES = [
    "CREATE INDEX IF NOT EXISTS name_gram_origin "
    "ON name_gram (gram, origin, name_key, customer_id)",
    # one branch's customers of a segment in name order, and the figures by branch and segment
    # read from the index alone (a branch's segment runs never rewrite it: HQ has none)
    "CREATE INDEX IF NOT EXISTS customer_live_origin_segment_key "
    "ON customer (origin, segment, name_key, id, annual_premium) WHERE NOT deleted",
    # one branch's customers by premium: its own range in order, not the whole network's
    # premium index filtered down to the branch
    "CREATE INDEX IF NOT EXISTS customer_live_origin_premium "
    "ON customer (origin, annual_premium, id, deleted) WHERE NOT deleted",
]


def install_hq_indexes():
    """The indexes only HQ needs (when it is initialised, and at each start), without the
    branch's."""
    db.execute_sql("DROP INDEX IF EXISTS name_gram_manager")
    for sql in _HQ_INDEXES:
        db.execute_sql(sql)


def _drops():
    return _POSTGRES_DROPS if engines.is_postgres() else _SQLITE_DROPS


def _triggers():
    return _POSTGRES_TRIGGERS if engines.is_postgres() else _SQLITE_TRIGGERS


def install():
    """Create the name index's triggers and the sort indexes; fill the index once if needed."""
    if "township_id" not in {column.name for column in db.get_columns("name_gram")}:
        # made before the pieces carried their site, name key, manager and town: derived data,
        # made again
        NameGram.drop_table()
        NameGram.create_table()
        Meta.set_value("name_index", "stale")
    if GramPosition.select().count() < MAX_INDEXED:
        GramPosition.insert_many(
            [{"n": n} for n in range(1, MAX_INDEXED + 1)]
        ).on_conflict_ignore().execute()
    for sql in [*_drops(), *_triggers(), *_INDEXES]:
        db.execute_sql(sql)
    if Site.select().where(Site.is_self, Site.is_hq).exists():
        install_hq_indexes()
    else:
        for sql in _BRANCH_INDEXES:
            db.execute_sql(sql)
    if Meta.get_value("name_index") != INDEX_VERSION:
        rebuild_name_index()
    refresh_statistics()


def refresh_statistics(force=False):
    """ANALYZE the customer table when it has grown a lot since the last time, so the planner
    knows a township filter is narrower than a segment one (about a second at 500,000)."""
    top = Customer.select(fn.MAX(Customer.id)).scalar() or 0
    analyzed = int(Meta.get_value("customers_analyzed", 0))
    if force or (top >= 10_000 and top > 2 * analyzed):
        db.execute_sql("ANALYZE customer")
        Meta.set_value("customers_analyzed", top)


@contextlib.contextmanager
def name_index_paused():
    """For bulk loads (imports, the demo): no per-row triggers while loading, then one rebuild.

    The index is marked stale first, so a load that dies half-way is rebuilt at the next start.
    """
    Meta.set_value("name_index", "stale")
    for sql in _drops():
        db.execute_sql(sql)
    try:
        yield
    finally:
        install()


def rebuild_name_index():
    """Refill `name_gram` from every live customer in one set-based statement."""
    with db.atomic():
        NameGram.delete().execute()
        db.execute_sql(
            f"INSERT INTO name_gram {_COLUMNS} "
            f"SELECT * FROM ({_grams_sql('c', 'NOT c.deleted', 'customer c, gram_position')}) "
            "AS grams ORDER BY 1, 3, 4 ON CONFLICT DO NOTHING"
        )
        Meta.set_value("name_index", INDEX_VERSION)
    refresh_statistics(force=True)
