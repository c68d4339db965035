"""The one-box customer search: name, phone, ID number, plate and policy number in one box, with
filters, keyset pagination and a capped count. No Flask here.

Numbers are indexed prefix lookups (a range `>= x AND < x's successor` on the indexed column:
both engines compare text by code point, see `inscrm.db.engines`).
Names are looked up in the piece index of `inscrm.db.names`: a one- or two-character query is
one index range, a longer one takes its rarest two-character piece and checks the whole text on
the name stored beside it.
"""

import functools
import json
import operator
import re
from dataclasses import dataclass, field

from peewee import SQL, ColumnBase, Select, Tuple, fn

from inscrm.db import dialect
from inscrm.i18n import N_
from inscrm.models import (
    CUSTOMER_KINDS,
    SEGMENTS,
    SOURCES,
    Customer,
    NameGram,
    Policy,
    Township,
    User,
    Vehicle,
    db,
)
from inscrm.validators import PROVINCES

PAGE_SIZE = 50
COUNT_CAP = 1000  # counts stop here and read "1,000+": an exact count of 35,000 张 costs too much
MIN_NUMBER = 3  # a phone, ID or policy number prefix needs at least this many characters
WALK_FROM = 20_000  # a number prefix this many share is tested on the walk in list order
FEW = 100  # a number this few customers match: their ids go into the queries themselves
SORTS = ("name", "premium", "contact")

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PLATE_START = re.compile(rf"^[{PROVINCES}][A-Za-z]")


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
    origin: str = ""  # the owning site (at HQ: a branch's code)

    @classmethod
    def from_args(cls, args):
        """From request arguments; unknown values are ignored, not errors (it is a search)."""

        def number(name):
            value = (args.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        def choice(name, choices):
            value = (args.get(name) or "").strip()
            return value if value in choices else ""

        def site_code(name):
            value = (args.get(name) or "").strip().upper()
            return value if re.fullmatch(r"[A-Z0-9]{2,16}", value) else ""

        return cls(
            text=" ".join((args.get("q") or "").split())[:64],
            segment=choice("segment", SEGMENTS),
            township=number("township"),
            manager=number("manager"),
            source=choice("source", SOURCES),
            kind=choice("kind", CUSTOMER_KINDS),
            sort=choice("sort", SORTS) or "name",
            origin=site_code("branch"),
        )

    def args(self):
        """The non-empty arguments, to build links (next page, sort) that keep the filters."""
        values = {"q": self.text, "segment": self.segment, "township": self.township,
                  "manager": self.manager, "source": self.source, "kind": self.kind,
                  "sort": self.sort if self.sort != "name" else "", "branch": self.origin}
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


def _successor(text):
    """The first text after every text that starts with `text` (in code point order)."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def _prefix(column, text):
    if not text:
        return column.is_null(False)
    return (column >= text) & (column < _successor(text))


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


def _name_condition(text, origin=""):
    """Conditions on `name_gram` rows for a name search (of one owning site's customers)."""
    gram, needle = _name_pieces(text)
    condition = NameGram.gram == gram
    if origin:
        condition &= NameGram.origin == origin
    if needle:
        condition &= dialect.contains(fn.lower(NameGram.name), needle)
    return condition


def _number_conditions(text):
    """One condition on customers per kind of number that starts with the text: phone, ID
    number (the customer's own indexed columns), policy number, plate (and a Latin company
    name), so each kind is looked up in its own index."""
    compact = re.sub(r"[\s·]", "", text)
    upper = compact.upper()
    conditions = [
        _Prefix(Customer.phone, compact),
        _Prefix(Customer.id_number, upper),
        Customer.id.in_(Policy.select(Policy.customer).where(_prefix(Policy.policy_no, upper))),
        _plate_condition(upper.replace("-", "")),
    ]
    if compact != upper:
        conditions.append(Customer.id.in_(
            Policy.select(Policy.customer).where(_prefix(Policy.policy_no, compact))))
    if re.search(r"[A-Za-z]", compact):  # a Latin company name
        conditions.append(Customer.id.in_(
            NameGram.select(NameGram.customer_id).where(_name_condition(compact))))
    return conditions


class _Prefix(ColumnBase):
    """A prefix of one of the customer's own indexed numbers: a condition that also tells how
    wide its range is, and can be tested row by row on a walk in list order instead."""

    def __init__(self, column, text):
        super().__init__()
        self.column, self.text = column, text
        self.condition = _prefix(column, text)

    def __sql__(self, ctx):
        return ctx.sql(self.condition)

    def wide(self):
        """True when so many customers share the prefix that walking the list in its order
        and testing each finds a page sooner than sorting them all."""
        return Customer.select().where(self.condition).limit(WALK_FROM).count() >= WALK_FROM

    def walked(self):
        """The same test, kept off the column's own index (`|| ''`): in name order it is made
        on the name index, which carries the numbers."""
        return _prefix(self.column.concat(""), self.text)


def _plate_condition(plate):
    return Customer.id.in_(Vehicle.select(Vehicle.customer).where(_prefix(Vehicle.plate, plate)))


def _collected(candidates):
    """The candidate ids in a temporary table of this connection, so the count and page queries
    of every part probe one keyed set instead of each building its own ("+ 0" in the caller
    keeps the planner from starting from it)."""
    db.execute_sql("CREATE TEMP TABLE IF NOT EXISTS search_candidate (id INTEGER PRIMARY KEY)")
    table = dialect.temp_table("search_candidate")
    db.execute_sql(f"DELETE FROM {table.sql}")
    sql, params = candidates.sql()
    db.execute_sql(f"INSERT INTO {table.sql} (id) {sql} ON CONFLICT DO NOTHING", params)
    return SQL(f"(SELECT id FROM {table.sql})")


def _fetched(candidates):
    """`id IN (…)` the candidates' own ids when they are a handful (fetched once, not looked up
    again by every query), or None when they are more than COUNT_CAP."""
    ids = [row[0] for row in db.execute(candidates.limit(COUNT_CAP + 1)).fetchall()]
    return _id_in(ids) if len(ids) <= COUNT_CAP else None


def _id_in(ids):
    """`customer.id IN (…)` for up to COUNT_CAP ids fetched from the database, written as one
    piece of SQL: a thousand parameters cost the query builder more than the query."""
    return Customer.id.in_(SQL(f"({', '.join(str(int(i)) for i in ids) or 0})"))


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
    if query.origin:
        scoped = scoped.where(Customer.origin == query.origin)
    return scoped


def _sort_key(query, by_gram):
    """(key expression, descending, raw value of a customer) for the chosen sort."""
    if query.sort == "premium":
        return Customer.annual_premium, True, lambda c: int(c.annual_premium * 100)
    if query.sort == "contact":
        return Customer.last_contact_date, True, lambda c: (
            c.last_contact_date.isoformat() if c.last_contact_date else None)
    # names in pinyin order: the stored key (inscrm.pinyin), the same in both tables
    return (NameGram.name_key if by_gram else Customer.name_key), False, lambda c: c.name_key


def _after(key, tiebreak, descending, cursor):
    value, last_id = cursor
    if not descending:
        return Tuple(key, tiebreak) > Tuple(value, last_id)
    if value is None:  # past the dated rows: the undated ones, NULLs sort last
        return key.is_null() & (tiebreak < last_id)
    before = Tuple(key, tiebreak) < Tuple(value, last_id)
    return before | key.is_null() if key.null else before


def _unscoped(user, query, origin_too=True):
    """No filter and a user who sees the whole branch: every live customer is a candidate
    (`origin_too=False`: a filter by owning site alone still counts as none)."""
    return user.role != "agent" and not any(
        (query.segment, query.township, query.manager, query.source, query.kind,
         query.origin if origin_too else ""))


def decode_cursor(raw):
    """The (sort value, id) a page link carries, or None when it is missing or malformed."""
    try:
        value, last_id = json.loads(raw)
    except (TypeError, ValueError):
        return None
    if not isinstance(last_id, int) or not isinstance(value, str | int | None):
        return None
    return value, last_id


def _text_match(text, origin=""):
    """(name-index condition, number conditions, hint) for the search box's text: a name is
    looked up in the name index (one owning site's pieces, when given); a plate, phone, ID or
    policy number gives conditions on customers, one per kind of number; a number too short to
    look up gives the hint to show instead of results."""
    if not text:
        return None, None, None
    if _PLATE_START.match(text):
        return None, [_plate_condition(re.sub(r"[\s·\-]", "", text).upper())], None
    if _CJK.search(text):
        return _name_condition(text, origin), None, None
    if len(re.sub(r"[\s·\-]", "", text)) < MIN_NUMBER:
        return None, None, N_("Type at least 3 digits or letters of a number.")
    return None, _number_conditions(text), None


def matching(customers, query):
    """Every customer of `customers` (a Customer query, the reader's scope) that the list shows
    for the query, unpaged and unordered: what an export of the list holds."""
    gram_condition, numbers, hint = _text_match(query.text, query.origin)
    if hint:
        return customers.where(SQL("FALSE"))
    if gram_condition is not None:
        customers = customers.where(Customer.id.in_(
            NameGram.select(NameGram.customer_id).where(gram_condition)))
    if numbers is not None:
        customers = customers.where(functools.reduce(operator.or_, numbers))
    return _filtered(customers, query)


def _number_page(parts, numbers, key, descending, raw_value, cursor, limit, capped):
    """The page of a number search: for each part of the scope and each kind of number, the
    first (key, id) pairs in list order from that kind's own index (no candidate set to
    collect, however many match), merged; then the rows of that page alone."""
    firsts = {}
    for part in parts:
        for number in numbers:
            wide = capped and isinstance(number, _Prefix) and number.wide()
            query = part.where(number.walked() if wide else number)
            if cursor is not None:
                query = query.where(_after(key, Customer.id, descending, cursor))
            for row in _first_rows(query, key, descending, limit + 1, wide):
                firsts[row.id] = row
    ranked = sorted(firsts.values(), key=lambda c: _python_key(raw_value(c), c.id),
                    reverse=descending)[:limit + 1]
    rows = {c.id: c for c in Customer.select(*_LISTED).where(
        Customer.id.in_([c.id for c in ranked]))} if ranked else {}
    return [rows[c.id] for c in ranked]


def _count_any(part, numbers):
    """How many of the part's customers match any of the numbers, up to COUNT_CAP + 1: each kind
    from its own index, one after the other (UNION ALL stops at the limit), not one OR that a
    planner answers by reading the table. A customer is in each kind's rows once at most, so
    the first (kinds × (COUNT_CAP + 1)) rows hold more than COUNT_CAP customers if there are."""
    each = [part.select(Customer.id).where(number).order_by() for number in numbers]
    rows = functools.reduce(operator.add, each).limit(len(each) * (COUNT_CAP + 1))
    return Select([rows.alias("matches")], [fn.COUNT(SQL("DISTINCT id"))]).bind(db).scalar()


def _first_rows(query, key, descending, limit, walked):
    """The first `limit` (id, key) of the customers `query` selects, in list order. A walk
    reads the key's index in its order, testing each row. Otherwise the matches are read
    first, by their number's own index, and then sorted: a MATERIALIZED set, as PostgreSQL's
    planner would walk the name index for a range of the phone index (it expects the matches
    spread evenly; a landline exchange's companies cluster in name order, far down the list)."""
    if walked:
        return (query.select(Customer.id, key)
                .order_by(*_list_order(key, Customer.id, descending)).limit(limit))
    matches = query.select(Customer.id, key).cte("number_match", materialized=True)
    value, tiebreak = getattr(matches.c, key.column_name), matches.c.id
    return (Customer.select(tiebreak, value).from_(matches).with_cte(matches)
            .order_by(*_list_order(value, tiebreak, descending, nullable=key.null)).limit(limit))


def _list_order(key, tiebreak, descending, nullable=None):
    """ORDER BY the list's key and id. Descending, a key that may be NULL puts its NULLs last;
    one that never is says nothing of NULLs, so PostgreSQL reads its ascending index backwards
    (whose NULLs would come first) instead of sorting every match."""
    if not descending:
        return key, tiebreak
    nullable = key.null if nullable is None else nullable
    return key.desc(nulls="LAST") if nullable else key.desc(), tiebreak.desc()


def search(user, query, cursor=None, limit=PAGE_SIZE):
    """One page of the customers the user may see that match the query, and the match count."""
    gram_condition, numbers, hint = _text_match(query.text, query.origin)
    if hint:
        return Page(hint=hint)

    key, descending, raw_value = _sort_key(query, by_gram := (
        gram_condition is not None and query.sort == "name"
        and _unscoped(user, query, origin_too=False)))
    if by_gram:
        # Unfiltered (or, at HQ, one branch's pieces): walk the name index in name order (no
        # sort, stops after one page), and count on it alone (tombstones leave the name index).
        parts = [Customer.live().join(NameGram, on=(NameGram.customer_id == Customer.id))
                 .where(gram_condition)]
        count = (NameGram.select(NameGram.customer_id).where(gram_condition)
                 .limit(COUNT_CAP + 1).count())
    else:
        # A scope or filters: the planner starts from the narrowest customer index.
        candidates, fetched = None, False
        if numbers is not None:
            each = [Customer.select(Customer.id).where(number) for number in numbers]
            # UNION ALL stops at the limit (a UNION would first collect every match)
            few = [row[0] for row in functools.reduce(operator.add, each).limit(FEW + 1)
                   .tuples()]
            candidates = functools.reduce(operator.or_, each)
            if len(few) <= FEW:  # most numbers: a handful of customers, fetched once
                candidates, numbers, fetched = _id_in(few), None, True
            elif user.role != "agent":  # many: each kind of number by its own index
                candidates = functools.reduce(operator.or_, numbers)
            else:  # an agent's own index would be walked: collected once, as a surname is
                candidates, numbers = functools.reduce(operator.add, each), None
        elif gram_condition is not None:
            candidates = NameGram.select(NameGram.customer_id).where(gram_condition)
        parts = []
        for scope in Customer.scope_parts(user):
            part = Customer.live() if scope is None else Customer.live().where(scope)
            parts.append(_filtered(part, query))
        if gram_condition is not None and user.role == "agent":
            # each part of an agent's scope from its own pieces (their own customers': one range
            # of the manager's piece index; the unassigned ones: one range per town of theirs),
            # however common the surname, its matches fetched once for the count and the page
            counted = []
            for part, pieces in zip(parts, Customer.scope_pieces(user), strict=True):
                matches = part.select(Customer.id).where(Customer.id.in_(candidates.where(pieces)))
                counted.append(part.where(_fetched(matches) or Customer.id.in_(matches)))
        else:
            if numbers is None and candidates is not None and not fetched:
                if (few := _fetched(candidates)) is not None:
                    candidates = few
                elif _unscoped(user, query):  # many, and nothing narrower: start from them
                    candidates = Customer.id.in_(_collected(candidates))
                else:  # many (a common surname): collected once, probed by every part's query
                    candidates = (Customer.id + 0).in_(_collected(candidates))
            counted = parts if candidates is None else [part.where(candidates) for part in parts]
        if numbers is not None:
            count = sum(_count_any(part, numbers) for part in parts)
            return _page(_number_page(parts, numbers, key, descending, raw_value, cursor,
                                      limit, count > COUNT_CAP), count, raw_value, limit)
        count = sum(part.select(Customer.id).order_by().limit(COUNT_CAP + 1).count()
                    for part in counted)
        parts = counted

    tiebreak = NameGram.customer_id if by_gram else Customer.id
    order = _list_order(key, tiebreak, descending)
    customers = []
    for part in parts:
        if cursor is not None:
            part = part.where(_after(key, tiebreak, descending, cursor))
        customers.extend(list(part.select(*_LISTED).order_by(*order).limit(limit + 1)))
    if len(parts) > 1:  # merge the parts' pages in the same order
        customers.sort(key=lambda c: _python_key(raw_value(c), c.id), reverse=descending)
        customers = customers[:limit + 1]
    return _page(customers, count, raw_value, limit)


def _page(customers, count, raw_value, limit):
    """The Page of up to `limit + 1` customers in list order (the one past the page makes the
    next page's cursor), with the capped count and the names the rows show."""
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
_LISTED = (Customer.id, Customer.name, Customer.name_key, Customer.kind, Customer.segment,
           Customer.phone, Customer.id_number, Customer.township, Customer.manager,
           Customer.annual_premium,
           Customer.last_contact_date, Customer.origin)


def _by_id(model, ids, *columns):
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {row.id: row for row in model.select(model.id, *columns).where(model.id.in_(ids))}
