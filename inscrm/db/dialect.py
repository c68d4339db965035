"""The few SQL expressions that SQLite and PostgreSQL spell differently, in one place.

Everything else is written once: peewee's query builder, or SQL text that both engines read
(`IS DISTINCT FROM`, `UPDATE … FROM`, `ON CONFLICT`, window functions, `TRUE`/`FALSE`). Raw
SQL text is written with `:name` parameters and run through `execute`, which hands it to the
driver in its own style. Two kinds of helpers:

- builder expressions (peewee nodes): `contains`, `plus_days`, `month_of`, `date_of`,
  `one_of` (and `one_of_params`), `greatest`, `bytewise`;
- SQL text for the raw statements of the segment rules, the name index and the stamps:
  `now_ms`, `days_between`, `year_of`, `month_day_of`, `int_div`, `json_object`,
  `json_text`, `money_text`, `fixed1_text`, `version_text`, `uuid7`,
  temporary tables.
"""

import re

from peewee import SQL, Value, fn

from inscrm.db import engines
from inscrm.db.ids import uuid7 as _uuid7
from inscrm.models import db


def _pg():
    return engines.is_postgres()


# --- parameters ----------------------------------------------------------------------------

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def sql(text):
    """SQL text with `:name` and `?` parameters, in the driver's parameter style."""
    if not _pg():
        return text
    text = text.replace("%", "%%")
    return _NAMED.sub(r"%(\1)s", text).replace("?", "%s")


def execute(text, params=None):
    """Run raw SQL text written with `:name` (dict) or `?` (sequence) parameters."""
    return db.execute_sql(sql(text), params)


def date_value(day):
    """A date as a raw-SQL parameter: ISO text for SQLite (how it stores dates), a date for
    PostgreSQL (whose date columns are typed)."""
    return day if _pg() else day.isoformat()


# --- builder expressions -------------------------------------------------------------------


def contains(text, needle):
    """SQL truth: `needle` occurs in `text` (case as given)."""
    if _pg():
        return fn.strpos(text, needle) > 0
    return fn.instr(text, needle) > 0


def plus_days(expr, days):
    """The date `expr` + `days` (a constant)."""
    days = int(days)
    if _pg():
        return expr + days
    return fn.date(expr, f"{days:+d} days")


def month_of(expr):
    """'YYYY-MM' of a date column (the format a literal, so GROUP BY matches the SELECT)."""
    if _pg():
        return fn.to_char(expr, SQL("'YYYY-MM'"))
    return fn.strftime(SQL("'%Y-%m'"), expr)


def date_of(expr):
    """The date part of a date-and-time column."""
    return expr.cast("DATE") if _pg() else fn.date(expr)


def one_of(column, values):
    """SQL truth: `column` is one of many values (PostgreSQL: one array parameter, planned
    once, instead of a parameter per value)."""
    values = list(values)
    if _pg():
        return column == fn.ANY(Value(values, converter=False, unpack=False))
    return column.in_(values)


def one_of_params(values):
    """The parameters that the SQL text of `one_of(column, values)` takes, in its order."""
    return [list(values)] if _pg() else list(values)


def greatest(a, b):
    """The larger of two values (SQLite's two-argument max)."""
    return fn.GREATEST(a, b) if _pg() else fn.MAX(a, b)


def bytewise(expr):
    """`expr` compared byte by byte, never in a locale's collation (version stamps)."""
    return expr.collate('"C"') if _pg() else expr


# --- SQL text ------------------------------------------------------------------------------


def now_ms():
    """The wall clock in Unix milliseconds, as SQL text."""
    if _pg():
        return "CAST(floor(extract(epoch FROM clock_timestamp()) * 1000) AS BIGINT)"
    return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"


def days_between(later, earlier):
    """Whole days from the date `earlier` to the date `later`, as SQL text."""
    if _pg():
        return f"(({later}) - ({earlier}))"
    return f"(julianday({later}) - julianday({earlier}))"


def year_of(date):
    """The year of a date, as an integer SQL expression."""
    if _pg():
        return f"CAST(extract(year FROM {date}) AS INTEGER)"
    return f"CAST(substr({date}, 1, 4) AS INTEGER)"


def month_day_of(date):
    """'MM-DD' of a date, as SQL text."""
    if _pg():
        return f"to_char({date}, 'MM-DD')"
    return f"substr({date}, 6)"


def json_object(pairs):
    """A JSON object from (key, SQL expression) pairs; nest freely, wrap the outermost in
    `json_text` before storing or comparing it."""
    args = ", ".join(f"'{key}', {expr}" for key, expr in pairs)
    return f"json_build_object({args})" if _pg() else f"json_object({args})"


def json_text(expr):
    """A JSON value as text (what a JSONField column holds)."""
    return f"CAST({expr} AS TEXT)" if _pg() else expr


def int_div(a, b):
    """Integer division (truncating), as SQL text: PostgreSQL's sums of integers are numeric."""
    if _pg():
        return f"div({a}, {b})"
    return f"(({a}) / ({b}))"


def money_text(cents):
    """¥12,345.60 from integer cents, as SQL text (same as inscrm.formatting.money)."""
    if _pg():
        return (f"('¥' || to_char(div({cents}, 100), 'FM999,999,999,999,990') || '.' || "
                f"lpad(CAST(mod({cents}, 100) AS TEXT), 2, '0'))")
    return f"printf('¥%,d.%02d', ({cents}) / 100, ({cents}) % 100)"


def fixed1_text(tenths):
    """'12.3' from the integer 123, as SQL text."""
    if _pg():
        return (f"(CAST(div({tenths}, 10) AS TEXT) || '.' || "
                f"CAST(mod({tenths}, 10) AS TEXT))")
    return f"printf('%d.%d', ({tenths}) / 10, ({tenths}) % 10)"


def version_text(ms, seq, site):
    """The version stamp '<13-digit ms>-<10-digit seq>-<site>', as SQL text."""
    if _pg():
        return (f"(lpad(CAST({ms} AS TEXT), 13, '0') || '-' || "
                f"lpad(CAST({seq} AS TEXT), 10, '0') || '-' || {site})")
    return f"printf('%013d-%010d-%s', {ms}, {seq}, {site})"


def uuid7():
    """A new UUIDv7 per row, as SQL text (`install_functions` provides it)."""
    return "inscrm_uuid7()"


_PG_UUID7 = """
    CREATE OR REPLACE FUNCTION inscrm_uuid7() RETURNS TEXT LANGUAGE SQL VOLATILE AS $$
        SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7'
               || substr(CAST(gen_random_uuid() AS TEXT), 16)
        FROM (SELECT lpad(to_hex(CAST(floor(extract(epoch FROM clock_timestamp()) * 1000)
                                      AS BIGINT)), 12, '0') AS h) AS now_hex
    $$"""


def install_functions():
    """Create the SQL functions the raw statements use (PostgreSQL: once per schema, by
    `inscrm.db.schema`); SQLite registers them per connection (`connection_functions`)."""
    if _pg():
        db.execute_sql(_PG_UUID7)


def connection_functions():
    """Register the SQL functions on this SQLite connection (PostgreSQL has them already)."""
    if not _pg():
        db.connection().create_function("inscrm_uuid7", 0, _uuid7)


# --- temporary tables ----------------------------------------------------------------------


def drop_temp_table(name):
    """Drop a temporary table of this connection if it exists."""
    schema = "pg_temp" if _pg() else "temp"
    db.execute_sql(f"DROP TABLE IF EXISTS {schema}.{name}")


def create_temp_index(table, column):
    """Index a temporary table of this connection on one column."""
    if _pg():
        db.execute_sql(f"CREATE INDEX ON {table} ({column})")
    else:
        db.execute_sql(f"CREATE INDEX temp.{table}_{column} ON {table} ({column})")


def temp_table(name):
    """A node naming a temporary table of this connection."""
    return SQL(f"pg_temp.{name}" if _pg() else f"temp.{name}")
