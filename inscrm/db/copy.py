"""Moving an installation between engines: every table copied, then counted and checksummed.

`copy_database(source, target)` copies every row of every table from one database to another
(a branch's SQLite file to HQ's PostgreSQL, or back for a test copy). The target must hold no
rows: its tables are made anew, filled in dependency order through the one bulk writer, and only
then given their triggers and the name index, so the rows keep their stamps exactly. Each table
is then read back on both sides in key order: the row counts and a SHA-256 over the rows'
values (dates as ISO text, booleans as 0/1) must agree, or the copy is reported as failed.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from peewee import ForeignKeyField, sort_models

from inscrm.db import bulk, dialect, engines, names, stamps
from inscrm.models import MODELS, Meta, NameGram, db

PAGE = 10_000  # rows read per query, in key order
DERIVED = (NameGram,)  # rebuilt on the target from the customers, not copied


class CopyError(Exception):
    """A copy that cannot start or did not verify, with the reason in words."""


@dataclass
class TableCheck:
    table: str
    rows: int
    sha256: str


def portable(value):
    """A column value as both engines can store and compare it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _columns(model):
    return [field.column_name for field in model._meta.sorted_fields]


def _key(model):
    return [field.column_name for field in model._meta.get_primary_keys()]


def _pages(database, model):
    """Every row of the model's table on `database`, in key order, a page at a time."""
    table = model._meta.table_name
    columns = ", ".join(f'"{c}"' for c in _columns(model))
    key = _key(model)
    order = ", ".join(f'"{c}"' for c in key)
    marks = ", ".join("?" for _ in key)
    last = None
    while True:
        after = "" if last is None else f" WHERE ({order}) > ({marks})"
        text = f'SELECT {columns} FROM "{table}"{after} ORDER BY {order} LIMIT {PAGE}'
        sql = text.replace("?", database.param)
        rows = database.execute_sql(sql, last or ()).fetchall()
        if not rows:
            return
        yield [tuple(portable(v) for v in row) for row in rows]
        if len(rows) < PAGE:
            return
        positions = [_columns(model).index(c) for c in key]
        last = [rows[-1][i] for i in positions]


def checksum(database, model):
    """(rows, SHA-256 of the rows in key order) of one table on `database`."""
    digest = hashlib.sha256()
    count = 0
    for page in _pages(database, model):
        for row in page:
            digest.update(repr(row).encode("utf-8"))
            count += 1
    return count, digest.hexdigest()


def _row_count(database, model):
    return database.execute_sql(f'SELECT count(*) FROM "{model._meta.table_name}"').fetchone()[0]


def _existing_tables(database):
    return [model for model in MODELS if database.table_exists(model._meta.table_name)]


def check_empty(target):
    """Raise CopyError unless the target database holds no InsCRM rows."""
    for model in _existing_tables(target):
        if _row_count(target, model):
            raise CopyError(f"{engines.describe(target)} is not empty "
                            f"({model._meta.table_name} has rows); copy only into a new database")


def _copy_table(source, model):
    """One table, page by page; a reference to a row of the same table (a merge, a renewal) is
    set once all its rows are in, since it may point further down."""
    columns = _columns(model)
    own = [i for i, field in enumerate(model._meta.sorted_fields)
           if isinstance(field, ForeignKeyField) and field.rel_model is model]
    links = {i: [] for i in own}
    for page in _pages(source, model):
        if own:
            for row in page:
                for i in own:
                    if row[i] is not None:
                        links[i].append((row[i], row[0]))
            page = [tuple(None if i in links else v for i, v in enumerate(row)) for row in page]
        bulk.insert_rows(model, columns, page, explicit_ids="id" in columns)
    for i, pairs in links.items():
        bulk.executemany(f'UPDATE "{model._meta.table_name}" SET "{columns[i]}" = ? '
                         "WHERE id = ?", pairs)


def copy_database(source, target, progress=None):
    """Copy every table of `source` into the empty `target` (two open databases); return the
    TableChecks, verified. The models are bound to the target afterwards."""
    check_empty(target)
    models = [m for m in sort_models(MODELS) if m not in DERIVED]
    engines.bind(target)
    with db.atomic():
        if _existing_tables(target):  # an empty schema (`db migrate`): made anew, no triggers
            db.drop_tables(MODELS, safe=True, cascade=engines.is_postgres())
        db.create_tables(MODELS)
        for model in models:
            _copy_table(source, model)
            if progress:
                progress(model._meta.table_name)
        dialect.install_functions()
        stamps.install_triggers()
        names.install()
        names.rebuild_name_index()
        Meta.delete().execute()  # the facts as the source had them (the rebuild noted its own)
        _copy_table(source, Meta)
    checks = []
    for model in models:
        before = checksum(source, model)
        after = checksum(target, model)
        if before != after:
            raise CopyError(f"{model._meta.table_name}: {before[0]} rows (sha256 {before[1]}) "
                            f"in the source, {after[0]} (sha256 {after[1]}) in the copy")
        checks.append(TableCheck(model._meta.table_name, *after))
    grams = (_row_count(source, NameGram), _row_count(target, NameGram))
    if grams[0] != grams[1]:
        raise CopyError(f"name_gram: {grams[0]} rows in the source, {grams[1]} rebuilt")
    return checks
