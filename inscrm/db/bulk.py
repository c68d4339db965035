"""The one bulk writer: `insert_rows` for imports and sync, `Table` for the demo's linked rows.

`insert_rows(model, columns, rows)` writes tuples of database values in one go: COPY on
PostgreSQL, one parametrised `executemany` on SQLite. peewee's `insert_many` renders every value
into SQL text in Python (about 23,000 rows a second here); handing the same parametrised INSERT
to the driver is three times faster, and COPY faster again.

`Table` rows get explicit ids (the table's highest id + 1, + 2 …), so rows that refer to each
other are linked in Python before anything is written, and no row is ever read back. The values
are already database values: money in integer cents, dates as ISO text, booleans as 0/1,
foreign keys as ids.

The secondary indexes of the tables being filled are dropped for the load and built again at
the end (in the same transaction): a policy row updates ten indexes, and sorting each index once
costs about a third of the time of updating them row by row.
"""

import contextlib
import datetime as dt
import hashlib

from peewee import SQL, chunked, fn
from peewee import Table as _Table

from inscrm import pinyin
from inscrm.db import dialect, engines
from inscrm.db.ids import uids
from inscrm.models import Customer, SyncModel, db

BATCH = 5000  # rows per executemany or COPY


def with_derived(model, columns, rows):
    """(columns, rows) with the columns computed from others added where they are missing: a
    customer's pinyin name key beside its name (about a microsecond a name)."""
    if model is not Customer or "name" not in columns or "name_key" in columns:
        return columns, rows
    at = list(columns).index("name")
    return [*columns, "name_key"], [row + type(row)([pinyin.sort_key(row[at] or "")])
                                     for row in rows]


def derived(model, values):
    """A row's {field: value} with the fields computed from others added where they are
    missing (a customer's name key beside a changed name), for a write that sets them."""
    if model is not Customer or "name" not in values or "name_key" in values:
        return values
    return {**values, "name_key": pinyin.sort_key(values["name"] or "")}


def fill_name_keys(missing_only=False):
    """Compute every customer's name key again (or only the missing ones), a chunk of names
    read and written back in one statement at a time."""
    query = Customer.select(Customer.id, Customer.name).order_by(Customer.id)
    if missing_only:
        query = query.where(Customer.name_key.is_null())
    last = 0
    while True:
        rows = list(query.where(Customer.id > last).limit(BATCH * 4).tuples())
        if not rows:
            return
        update_rows(Customer, ["name_key"], ["id"],
                    [(pinyin.sort_key(name or ""), row_id) for row_id, name in rows])
        last = rows[-1][0]


def insert_rows(model, columns, rows, explicit_ids=False):
    """Insert `rows` (tuples of database values, in the order of the column names `columns`)
    into the model's table. `explicit_ids`: the rows carry their own ids (PostgreSQL's id
    sequence is then moved past them)."""
    columns, rows = with_derived(model, columns, rows)
    table = model._meta.table_name
    names = ", ".join(f'"{column}"' for column in columns)
    if engines.is_postgres():
        cursor = db.cursor()
        for batch in chunked(rows, BATCH):
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in batch:
                    copy.write_row(row)
        if explicit_ids:
            db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                           f'(SELECT max(id) FROM "{table}"))')
        return
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    cursor = db.cursor()
    for batch in chunked(rows, BATCH):
        cursor.executemany(sql, batch)


def _staged(model, columns, rows):
    """PostgreSQL: the rows COPYed into a temporary table shaped like the model's columns.

    One table per shape, made once per connection and emptied for each chunk: a table made and
    dropped per chunk keeps a lock until the transaction ends, and a bundle of 100,000
    customers applied in one transaction ran out of the server's lock table."""
    table = model._meta.table_name
    names = ", ".join(f'"{column}"' for column in columns)
    shape = hashlib.sha1(f"{table}:{names}".encode()).hexdigest()[:12]
    stage = f"bulk_stage_{shape}"
    db.execute_sql(f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS "
                   f'SELECT {names} FROM "{table}" WITH NO DATA')
    db.execute_sql(f"TRUNCATE {stage}")
    with db.cursor().copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return _Table(stage, columns)


def upsert_rows(model, fields, rows, on_conflict):
    """Insert or update rows (tuples of database values for `fields`); `on_conflict(insert)`
    adds the ON CONFLICT clause to a peewee insert. Returns the rows written. PostgreSQL: COPY
    into a temporary table and one INSERT … SELECT; SQLite: one executemany."""
    if not rows:
        return 0
    if engines.is_postgres():
        stage = _staged(model, [f.column_name for f in fields], rows)
        query = on_conflict(model.insert_from(stage.select(SQL("*")), fields))
        return db.execute(query).rowcount
    query = on_conflict(model.insert_many([[None] * len(fields)], fields=fields))
    sql, _ = db.get_sql_context().sql(query).query()
    cursor = db.cursor()
    cursor.executemany(sql, rows)
    return max(cursor.rowcount, 0)


def update_rows(model, set_columns, key_columns, rows):
    """UPDATE the model's rows whose `key_columns` equal the rows' last values, setting
    `set_columns` to their first values. PostgreSQL: COPY and one UPDATE … FROM."""
    table = model._meta.table_name
    if engines.is_postgres() and rows:
        stage = _staged(model, [*set_columns, *key_columns], rows)
        sets = ", ".join(f'"{c}" = s."{c}"' for c in set_columns)
        keys = " AND ".join(f't."{c}" = s."{c}"' for c in key_columns)
        db.execute_sql(f'UPDATE "{table}" AS t SET {sets} FROM {stage.__name__} AS s WHERE {keys}')
        return
    sets = ", ".join(f'"{c}" = ?' for c in set_columns)
    keys = " AND ".join(f'"{c}" = ?' for c in key_columns)
    executemany(f'UPDATE "{table}" SET {sets} WHERE {keys}', rows)


def executemany(sql, rows):
    """Run one statement written with `?` parameters for every row (bulk updates)."""
    cursor = db.cursor()
    text = dialect.sql(sql)
    for batch in chunked(rows, BATCH):
        cursor.executemany(text, batch)


def _db_constant(field, value):
    value = field.db_value(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Table:
    """The pending rows of one model: `add(values…)` returns the new row's id."""

    def __init__(self, model, columns, stamp):
        self.model = model
        self.columns = list(columns)
        self.synced = issubclass(model, SyncModel)
        self.next_id = (model.select(fn.MAX(model.id)).scalar() or 0) + 1
        self.rows = []
        self.count = 0
        given = {"id", *self.columns, "uid"}
        self.constant_columns, self.constants = [], []
        for field in model._meta.sorted_fields:
            if field.name in given:
                continue
            if self.synced and field.name in stamp:
                value = stamp[field.name]
            elif field.default is not None:
                value = field.default() if callable(field.default) else field.default
                value = _db_constant(field, value)
            else:
                continue  # NULL
            self.constant_columns.append(field.column_name)
            self.constants.append(value)
        meta = model._meta
        names = ["id", *(meta.fields[c].column_name for c in self.columns)]
        if self.synced:
            names.append("uid")
        self.names = names + self.constant_columns

    def add(self, *values):
        row_id = self.next_id
        self.next_id += 1
        self.rows.append((row_id, *values))
        return row_id

    def reserve(self):
        """An id for a row whose values are only known later (`put` it then)."""
        row_id = self.next_id
        self.next_id += 1
        return row_id

    def put(self, row_id, *values):
        self.rows.append((row_id, *values))

    def flush(self):
        if not self.rows:
            return
        rows = self.rows
        constants = tuple(self.constants)
        if self.synced:
            params = [(*row, uid, *constants) for row, uid in zip(rows, uids(len(rows)),
                                                                  strict=True)]
        else:
            params = [(*row, *constants) for row in rows]
        insert_rows(self.model, self.names, params, explicit_ids=True)
        self.count += len(rows)
        self.rows = []


@contextlib.contextmanager
def indexes_rebuilt(models):
    """Drop the models' indexes (SQLite only), and create them again when the block ends."""
    if not engines.is_sqlite():
        yield
        return
    tables = [model._meta.table_name for model in models]
    marks = ", ".join(db.obj.param for _ in tables)
    saved = db.execute_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})", tables).fetchall()
    for name, _ in saved:
        db.execute_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in saved:
        db.execute_sql(sql)
