"""The one-box customer search: name, phone, ID number, plate and policy number in one box, with
filters, keyset pagination and a capped count. No Flask here.

Numbers are indexed prefix lookups (a range `>= x AND < x || U+FFFF` on the indexed column).
Names are cut into one- and two-character pieces kept in `name_gram` by triggers on `customer`
(so every write path keeps it right: forms, imports, sync, merges); a one- or two-character
query is one index range, a longer one takes its rarest two-character piece and checks the whole
text on the name stored beside it. `rebuild_name_index()` refills it set-based (after restoring
an old backup, or when the table is new on an existing database).
"""

import contextlib
import json
import re
from dataclasses import dataclass, field

from peewee import SQL, Tuple, fn

from inscrm.models import (
    CUSTOMER_KINDS,
    SEGMENTS,
    SOURCES,
    Customer,
    GramPosition,
    Meta,
    NameGram,
    Policy,
    Township,
    User,
    Vehicle,
    db,
)
from inscrm.validators import N_, PROVINCES

PAGE_SIZE = 50
COUNT_CAP = 1000  # counts stop here and read "1,000+": an exact count of 35,000 张 costs too much
MIN_NUMBER = 3  # a phone, ID or policy number prefix needs at least this many characters
MAX_INDEXED = 120  # names are cut into pieces up to this length
INDEX_VERSION = "1"
SORTS = ("name", "premium", "contact")
TOP = "\uffff"

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PLATE_START = re.compile(rf"^[{PROVINCES}][A-Za-z]")


# --- the name index ----------------------------------------------------------------------


def _grams_sql(row, condition="1", tables="gram_position"):
    """A SELECT of (gram, name, customer_id) for every piece of `row`'s name (NEW, OLD, c)."""
    return (
        f"SELECT lower(substr({row}.name, n, 1)) AS gram, {row}.name AS name, "
        f"{row}.id AS customer_id FROM {tables} WHERE n <= length({row}.name) AND {condition} "
        f"UNION SELECT lower(substr({row}.name, n, 2)), {row}.name, {row}.id FROM {tables} "
        f"WHERE n < length({row}.name) AND {condition}"
    )


_TRIGGERS = [
    "DROP TRIGGER IF EXISTS customer_name_gram_insert",
    "DROP TRIGGER IF EXISTS customer_name_gram_update",
    "CREATE TRIGGER customer_name_gram_insert AFTER INSERT ON customer WHEN NOT NEW.deleted "
    f"BEGIN INSERT OR IGNORE INTO name_gram (gram, name, customer_id) {_grams_sql('NEW')}; END",
    "CREATE TRIGGER customer_name_gram_update AFTER UPDATE OF name, deleted ON customer "
    "WHEN OLD.name IS NOT NEW.name OR OLD.deleted IS NOT NEW.deleted BEGIN "
    "DELETE FROM name_gram WHERE customer_id = OLD.id AND name = OLD.name AND gram IN "
    f"(SELECT gram FROM ({_grams_sql('OLD')})); "
    "INSERT OR IGNORE INTO name_gram (gram, name, customer_id) "
    f"{_grams_sql('NEW', 'NOT NEW.deleted')}; END",
    # sort keys of the customer list, and the common filters in sort order (id named, so ties
    # need no sort; deleted last, so counting reads the index, not the rows)
    "CREATE INDEX IF NOT EXISTS customer_annual_premium_id ON customer (annual_premium, id)",
    "CREATE INDEX IF NOT EXISTS customer_last_contact_id ON customer (last_contact_date, id)",
    "CREATE INDEX IF NOT EXISTS customer_live_town_segment_name "
    "ON customer (township_id, segment, name, id, deleted) WHERE NOT deleted",
    "CREATE INDEX IF NOT EXISTS customer_assigned_manager_name "
    "ON customer (manager_id, name, id, deleted) WHERE NOT deleted AND manager_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS customer_assigned_manager_premium "
    "ON customer (manager_id, annual_premium, id, deleted) "
    "WHERE NOT deleted AND manager_id IS NOT NULL",
    # an account manager's second part: the unassigned customers of their towns
    "CREATE INDEX IF NOT EXISTS customer_live_town_manager_name "
    "ON customer (township_id, manager_id, name, id, deleted) WHERE NOT deleted",
    # no segment in it: a full segment run rewrites every customer's segment on its first day
    "CREATE INDEX IF NOT EXISTS customer_live_source_name "
    "ON customer (source, name, id, deleted) WHERE NOT deleted",
]


def install():
    """Create the name index's triggers and the sort indexes; fill the index once if needed."""
    if GramPosition.select().count() < MAX_INDEXED:
        GramPosition.insert_many(
            [{"n": n} for n in range(1, MAX_INDEXED + 1)]
        ).on_conflict_ignore().execute()
    for sql in _TRIGGERS:
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
    for sql in _TRIGGERS[:2]:  # the DROPs
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
            "INSERT OR IGNORE INTO name_gram (gram, name, customer_id) "
            f"SELECT * FROM ({_grams_sql('c', 'NOT c.deleted', 'customer c, gram_position')}) "
            "ORDER BY 1, 2, 3"
        )
        Meta.set_value("name_index", INDEX_VERSION)
    refresh_statistics(force=True)


# --- the query ---------------------------------------------------------------------------


@dataclass
class Query:
    """What the search box and the filters ask for."""

    text: str = ""
    segment: str = ""
    township: int | None = None
    manager: int | None = None
    source: str = ""
    kind: str = ""
    sort: str = "name"

    @classmethod
    def from_args(cls, args):
        """From request arguments; unknown values are ignored, not errors (it is a search)."""

        def number(name):
            value = (args.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        def choice(name, choices):
            value = (args.get(name) or "").strip()
            return value if value in choices else ""

        return cls(
            text=" ".join((args.get("q") or "").split())[:64],
            segment=choice("segment", SEGMENTS),
            township=number("township"),
            manager=number("manager"),
            source=choice("source", SOURCES),
            kind=choice("kind", CUSTOMER_KINDS),
            sort=choice("sort", SORTS) or "name",
        )

    def args(self):
        """The non-empty arguments, to build links (next page, sort) that keep the filters."""
        values = {"q": self.text, "segment": self.segment, "township": self.township,
                  "manager": self.manager, "source": self.source, "kind": self.kind,
                  "sort": self.sort if self.sort != "name" else ""}
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class Page:
    customers: list = field(default_factory=list)
    count: int = 0
    capped: bool = False  # more than COUNT_CAP matches
    next_cursor: str | None = None
    hint: str | None = None  # a msgid telling the user what to type
    townships: dict = field(default_factory=dict)
    managers: dict = field(default_factory=dict)


def _prefix(column, text):
    return (column >= text) & (column < text + TOP)


def _name_pieces(text):
    """(gram, needle): the index piece to look up and, for longer text, the whole text to check."""
    needle = text.lower()
    if len(needle) <= 2:
        return needle, None
    pieces = {needle[i:i + 2] for i in range(len(needle) - 1)}

    def postings(piece):
        return (NameGram.select(NameGram.customer_id).where(NameGram.gram == piece)
                .limit(COUNT_CAP).count())

    return min(sorted(pieces), key=postings), needle


def _name_condition(text):
    """Conditions on `name_gram` rows for a name search."""
    gram, needle = _name_pieces(text)
    condition = NameGram.gram == gram
    if needle:
        condition &= fn.instr(fn.lower(NameGram.name), needle) > 0
    return condition


def _number_ids(text):
    """Customer ids whose phone, ID number, plate or policy number starts with the text."""
    compact = re.sub(r"[\s·]", "", text)
    upper = compact.upper()
    parts = [
        Customer.select(Customer.id).where(_prefix(Customer.phone, compact)),
        Customer.select(Customer.id).where(_prefix(Customer.id_number, upper)),
        Policy.select(Policy.customer).where(_prefix(Policy.policy_no, upper)),
        Vehicle.select(Vehicle.customer).where(_prefix(Vehicle.plate, upper.replace("-", ""))),
    ]
    if compact != upper:
        parts.append(Policy.select(Policy.customer).where(_prefix(Policy.policy_no, compact)))
    if re.search(r"[A-Za-z]", compact):  # a Latin company name
        parts.append(NameGram.select(NameGram.customer_id).where(_name_condition(compact)))
    union = parts[0]
    for part in parts[1:]:
        union = union | part
    return union


def _scopes(user):
    """The customers a user may see as disjoint parts, each served by its own index (one OR
    would make SQLite read and sort every row of the scope). The same rule as
    `Customer.visible_to`: an agent's own customers, and the unassigned ones of their towns."""
    if user.role != "agent":
        return [None]
    towns = Township.select(Township.id).where(Township.manager == user)
    return [Customer.manager == user, Customer.manager.is_null() & Customer.township.in_(towns)]


def _collected(candidates):
    """The candidate ids in a temporary table of this connection, so the count and page queries
    of every part probe one keyed set instead of each building its own ("+ 0" in the caller
    keeps the planner from starting from it)."""
    db.execute_sql("CREATE TEMP TABLE IF NOT EXISTS search_candidate (id INTEGER PRIMARY KEY)")
    db.execute_sql("DELETE FROM temp.search_candidate")
    sql, params = candidates.sql()
    db.execute_sql(f"INSERT OR IGNORE INTO temp.search_candidate (id) {sql}", params)
    return SQL("(SELECT id FROM temp.search_candidate)")


def _python_key(value, customer_id):
    """The SQL order in Python, NULL dates last when descending."""
    return (value is not None, value if value is not None else "", customer_id)


def _filtered(scoped, query):
    if query.segment:
        scoped = scoped.where(Customer.segment == query.segment)
    if query.township:
        scoped = scoped.where(Customer.township == query.township)
    if query.manager:
        scoped = scoped.where(Customer.manager == query.manager)
    if query.source:
        scoped = scoped.where(Customer.source == query.source)
    if query.kind:
        scoped = scoped.where(Customer.kind == query.kind)
    return scoped


def _sort_key(query, by_gram):
    """(key expression, descending, raw value of a customer) for the chosen sort."""
    if query.sort == "premium":
        return Customer.annual_premium, True, lambda c: int(c.annual_premium * 100)
    if query.sort == "contact":
        return Customer.last_contact_date, True, lambda c: (
            c.last_contact_date.isoformat() if c.last_contact_date else None)
    return (NameGram.name if by_gram else Customer.name), False, lambda c: c.name


def _after(key, tiebreak, descending, cursor):
    value, last_id = cursor
    if not descending:
        return Tuple(key, tiebreak) > Tuple(value, last_id)
    if value is None:  # past the dated rows: the undated ones, NULLs sort last
        return key.is_null() & (tiebreak < last_id)
    return (Tuple(key, tiebreak) < Tuple(value, last_id)) | key.is_null()


def _unscoped(user, query):
    """No filter and a user who sees the whole branch: every live customer is a candidate."""
    return user.role != "agent" and not any(
        (query.segment, query.township, query.manager, query.source, query.kind))


def decode_cursor(raw):
    """The (sort value, id) a page link carries, or None when it is missing or malformed."""
    try:
        value, last_id = json.loads(raw)
    except (TypeError, ValueError):
        return None
    if not isinstance(last_id, int) or not isinstance(value, str | int | None):
        return None
    return value, last_id


def _text_match(text):
    """(name-index condition, candidate customer ids, hint) for the search box's text: a name
    is looked up in the name index; a plate, phone, ID or policy number gives candidate ids; a
    number too short to look up gives the hint to show instead of results."""
    if not text:
        return None, None, None
    if _PLATE_START.match(text):
        plate = re.sub(r"[\s·\-]", "", text).upper()
        return None, Vehicle.select(Vehicle.customer).where(_prefix(Vehicle.plate, plate)), None
    if _CJK.search(text):
        return _name_condition(text), None, None
    if len(re.sub(r"[\s·\-]", "", text)) < MIN_NUMBER:
        return None, None, N_("Type at least 3 digits or letters of a number.")
    return None, _number_ids(text), None


def matching(customers, query):
    """Every customer of `customers` (a Customer query, the reader's scope) that the list shows
    for the query, unpaged and unordered: what an export of the list holds."""
    gram_condition, candidates, hint = _text_match(query.text)
    if hint:
        return customers.where(SQL("0"))
    if gram_condition is not None:
        candidates = NameGram.select(NameGram.customer_id).where(gram_condition)
    if candidates is not None:
        customers = customers.where(Customer.id.in_(candidates))
    return _filtered(customers, query)


def search(user, query, cursor=None, limit=PAGE_SIZE):
    """One page of the customers the user may see that match the query, and the match count."""
    gram_condition, candidates, hint = _text_match(query.text)
    if hint:
        return Page(hint=hint)

    key, descending, raw_value = _sort_key(query, by_gram := (
        gram_condition is not None and query.sort == "name" and _unscoped(user, query)))
    if by_gram:
        # Unfiltered: walk the name index in name order (no sort, stops after one page), and
        # count on it alone (tombstones leave the name index).
        parts = [Customer.live().join(NameGram, on=(NameGram.customer_id == Customer.id))
                 .where(gram_condition)]
        count = (NameGram.select(NameGram.customer_id).where(gram_condition)
                 .limit(COUNT_CAP + 1).count())
    else:
        # A scope or filters: the planner starts from the narrowest customer index.
        if gram_condition is not None:
            candidates = NameGram.select(NameGram.customer_id).where(gram_condition)
        if candidates is not None:
            # numbers match a handful of customers: fetch them once, not in every query
            ids = [row[0] for row in candidates.limit(COUNT_CAP + 1).tuples()]
            if len(ids) <= COUNT_CAP:
                candidates = Customer.id.in_(ids)
            elif _unscoped(user, query):  # many, and nothing narrower: start from them
                candidates = Customer.id.in_(_collected(candidates))
            else:  # many (a common surname): collected once, probed by every part's query
                candidates = (Customer.id + 0).in_(_collected(candidates))
        parts = []
        for scope in _scopes(user):
            part = Customer.live() if scope is None else Customer.live().where(scope)
            if candidates is not None:
                part = part.where(candidates)
            parts.append(_filtered(part, query))
        count = sum(part.select(Customer.id).order_by().limit(COUNT_CAP + 1).count()
                    for part in parts)

    tiebreak = NameGram.customer_id if by_gram else Customer.id
    order = (key.desc(), tiebreak.desc()) if descending else (key, tiebreak)
    customers = []
    for part in parts:
        if cursor is not None:
            part = part.where(_after(key, tiebreak, descending, cursor))
        customers.extend(list(part.select(*_LISTED).order_by(*order).limit(limit + 1)))
    if len(parts) > 1:  # merge the parts' pages in the same order
        customers.sort(key=lambda c: _python_key(raw_value(c), c.id), reverse=descending)
        customers = customers[:limit + 1]
    next_cursor = None
    if len(customers) > limit:
        customers = customers[:limit]
        last = customers[-1]
        next_cursor = json.dumps([raw_value(last), last.id], ensure_ascii=False)
    return Page(
        customers=customers,
        count=min(count, COUNT_CAP),
        capped=count > COUNT_CAP,
        next_cursor=next_cursor,
        townships=_by_id(Township, {c.township_id for c in customers},
                         Township.district, Township.name),
        managers=_by_id(User, {c.manager_id for c in customers}, User.username, User.name),
    )


# What the list shows: fewer columns, less SQL to build and read.
_LISTED = (Customer.id, Customer.name, Customer.kind, Customer.segment, Customer.phone,
           Customer.id_number, Customer.township, Customer.manager, Customer.annual_premium,
           Customer.last_contact_date)


def _by_id(model, ids, *columns):
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {row.id: row for row in model.select(model.id, *columns).where(model.id.in_(ids))}
