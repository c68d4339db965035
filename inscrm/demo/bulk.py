"""Bulk writing of the demo rows: ids known in advance, one parametrised INSERT per table chunk.

Rows get explicit ids (the table's highest id + 1, + 2 …), so rows that refer to each other are
linked in Python before anything is written, and no row is ever read back. peewee's
`insert_many` renders every value into SQL text in Python (about 23,000 rows a second here);
handing the same parametrised INSERT to the driver's `executemany` is three times faster, which
the 100,000-customers-in-a-minute target needs. The values are already database values:
money in integer cents, dates as ISO text, booleans as 0/1, foreign keys as ids.

The secondary indexes of the tables being filled are dropped for the load and built again at
the end (in the same transaction): a policy row updates ten indexes, and sorting each index once
costs about a third of the time of updating them row by row.
"""

import contextlib
import datetime as dt

from peewee import SqliteDatabase, fn

from inscrm.demo.identity import uids
from inscrm.models import SyncModel, db


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
        names += self.constant_columns
        param = db.obj.param
        self.sql = (f'INSERT INTO "{meta.table_name}" ({", ".join(names)}) '
                    f'VALUES ({", ".join([param] * len(names))})')

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
        db.cursor().executemany(self.sql, params)
        self.count += len(rows)
        self.rows = []


@contextlib.contextmanager
def indexes_rebuilt(models):
    """Drop the models' indexes (SQLite only), and create them again when the block ends."""
    if not isinstance(db.obj, SqliteDatabase):
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
