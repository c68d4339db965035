"""One person across branches: every customer row with the same ID number, grouped as one
person and never merged, with the combined figures of DESIGN §2 over all of their rows.

`figures` is the one computation of the combined figures: the person page shows them and the
network flags (`inscrm.hq.flags`) decide on them. Money is summed in cents, as the segment SQL
does; only our policies count; a cancelled policy is not in force.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import JOIN, Case, fn

from inscrm.customers import search
from inscrm.models import (
    Activity,
    BlacklistEntry,
    BlacklistShare,
    Claim,
    Customer,
    NetworkFlag,
    Policy,
    SegmentChange,
    Site,
    User,
    Vehicle,
)

NOT_PAID = ("declined", "withdrawn")  # claims that count zero
CONTACTS_SHOWN = 100  # the latest contacts of a person, across branches


def cents(value):
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


@dataclass
class Figures:
    """A person's combined figures as of a date (DESIGN §2's terms, over every branch)."""

    branches: int = 0  # branches with a customer row of the person
    in_force: bool = False
    annual_premium: Decimal = Decimal("0.00")
    tender_premium: Decimal = Decimal("0.00")  # the largest single in-force tender policy
    premium_all: Decimal = Decimal("0.00")
    premium_12m: Decimal = Decimal("0.00")
    incurred_all: Decimal = Decimal("0.00")
    incurred_12m: Decimal = Decimal("0.00")
    claims_12m: int = 0

    @property
    def loss_ratio(self):
        """Cumulative: Σ incurred ÷ Σ premium, all history to the date (None without premium)."""
        return _ratio(self.incurred_all, self.premium_all)

    @property
    def loss_ratio_12m(self):
        return _ratio(self.incurred_12m, self.premium_12m)


def _ratio(part, whole):
    return (part / whole).quantize(Decimal("0.0001")) if whole else None


def _windows(as_of):
    return as_of, as_of - dt.timedelta(days=365)


def figures(numbers, as_of=None):
    """{ID number: Figures} for the ID numbers in `numbers` (a list or a sub-query of them)."""
    as_of, d365 = _windows(as_of or dt.date.today())
    out = {}
    branches = (Customer.live(Customer.id_number, fn.COUNT(fn.DISTINCT(Customer.origin)))
                .where(Customer.id_number.in_(numbers))
                .group_by(Customer.id_number).tuples())
    for number, n in branches:
        out[number] = Figures(branches=n)

    live = ~Policy.cancelled
    in_force = live & (Policy.end_date >= as_of)
    premium = Policy.premium
    policies = (Policy.ours()
                .select(Customer.id_number,
                        fn.MAX(Case(None, [(in_force, 1)], 0)),
                        fn.SUM(Case(None, [(live & (Policy.start_date > d365), premium)], 0)),
                        fn.MAX(Case(None, [(in_force & (Policy.channel == "tender"), premium)],
                                    0)),
                        fn.SUM(Case(None, [(live, premium)], 0)),
                        fn.SUM(Case(None, [(live & (Policy.end_date > d365), premium)], 0)))
                .join(Customer, on=(Policy.customer == Customer.id))
                .where(~Customer.deleted, Customer.id_number.in_(numbers),
                       Policy.start_date <= as_of)
                .group_by(Customer.id_number).tuples())
    for number, held, annual, tender, premium_all, premium_12m in policies:
        person = out.setdefault(number, Figures())
        person.in_force = bool(held)
        person.annual_premium, person.tender_premium = cents(annual), cents(tender)
        person.premium_all, person.premium_12m = cents(premium_all), cents(premium_12m)

    counted = ~Claim.status.in_(NOT_PAID)
    incurred = Case(None, [(counted, Claim.paid + Claim.reserve)], 0)
    recent = Claim.loss_date > d365
    claims = (Policy.ours()
              .select(Customer.id_number, fn.SUM(incurred),
                      fn.SUM(Case(None, [(recent, incurred)], 0)),
                      fn.SUM(Case(None, [(recent & counted
                                          & (Claim.paid + Claim.reserve > 0), 1)], 0)))
              .join(Claim, on=(Claim.policy == Policy.id))
              .join_from(Claim, Customer, on=(Claim.customer == Customer.id))
              .where(~Claim.deleted, ~Customer.deleted, Customer.id_number.in_(numbers),
                     Claim.loss_date <= as_of,
                     Claim.report_date.is_null() | (Claim.report_date <= as_of))
              .group_by(Customer.id_number).tuples())
    for number, incurred_all, incurred_12m, claims_12m in claims:
        person = out.setdefault(number, Figures())
        person.incurred_all, person.incurred_12m = cents(incurred_all), cents(incurred_12m)
        person.claims_12m = int(claims_12m or 0)
    return out


# --- the rows of one person -----------------------------------------------------------------


@dataclass
class Record:
    """One branch's customer row of a person, with what hangs off it."""

    customer: Customer
    site: Site | None
    policies: list = field(default_factory=list)
    claims: list = field(default_factory=list)
    vehicles: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    changes: list = field(default_factory=list)  # segment history, newest first

    @property
    def branch_name(self):
        return self.site.name if self.site else self.customer.origin


@dataclass
class Person:
    id_number: str
    records: list
    figures: Figures
    entries: list  # blacklist entries of every branch, active first
    shares: dict  # {entry id: HQ's sharing decision}
    flag: NetworkFlag | None
    policy_numbers: dict  # {policy id: policy number}, for the claims
    sites: dict  # {site code: Site}

    @property
    def branches(self):
        return sorted({r.customer.origin for r in self.records})


def sites():
    """{code: Site} of every site known here."""
    return {s.code: s for s in Site.select()}


def _group(rows, key):
    grouped = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped


def _records(customers, known, history=False):
    """Records for the customers, their rows loaded with one query per kind, not per row."""
    ids = [c.id for c in customers]
    policies = _group(Policy.live().where(Policy.customer.in_(ids))
                      .order_by(Policy.start_date.desc(), Policy.id.desc()),
                      lambda p: p.customer_id)
    claims = _group(Claim.live().where(Claim.customer.in_(ids))
                    .order_by(Claim.loss_date.desc(), Claim.id.desc()), lambda c: c.customer_id)
    vehicles = _group(Vehicle.live().where(Vehicle.customer.in_(ids)).order_by(Vehicle.id),
                      lambda v: v.customer_id)
    contacts = _group(Activity.live().select(Activity, User)
                      .join(User, JOIN.LEFT_OUTER, on=(Activity.user == User.id))
                      .where(Activity.customer.in_(ids))
                      .order_by(Activity.date.desc(), Activity.id.desc())
                      .limit(CONTACTS_SHOWN), lambda a: a.customer_id)
    changes = {}
    if history:
        changes = _group(SegmentChange.live().where(SegmentChange.customer.in_(ids))
                         .order_by(SegmentChange.changed_on.desc(), SegmentChange.id.desc()),
                         lambda s: s.customer_id)
    return [Record(c, known.get(c.origin), policies.get(c.id, []), claims.get(c.id, []),
                   vehicles.get(c.id, []), contacts.get(c.id, []), changes.get(c.id, []))
            for c in customers]


def entries_for(id_number, customer_ids):
    """Every branch's blacklist entries for the person (by its rows or by the ID number)."""
    condition = BlacklistEntry.customer.in_(customer_ids)
    if id_number:
        condition |= BlacklistEntry.id_number == id_number
    return list(BlacklistEntry.live().where(condition)
                .order_by(BlacklistEntry.active.desc(), BlacklistEntry.reported_on.desc(),
                          BlacklistEntry.id.desc()))


def shares_of(entries):
    """{entry id: HQ's latest sharing decision} for the entries."""
    rows = (BlacklistShare.live().where(BlacklistShare.entry.in_([e.id for e in entries]))
            .order_by(BlacklistShare.id))
    return {share.entry_id: share for share in rows}


def flag_of(id_number, addressee=None):
    """The network flag HQ holds (or this branch received) for an ID number."""
    if not id_number:
        return None
    query = NetworkFlag.live().where(NetworkFlag.id_number == id_number)
    if addressee:
        query = query.where(NetworkFlag.addressee == addressee)
    return query.order_by(NetworkFlag.id).first()


def _assemble(id_number, customers, as_of, history=False):
    known = sites()
    records = _records(customers, known, history)
    ids = [c.id for c in customers]
    entries = entries_for(id_number, ids)
    numbers = {p.id: p.policy_no for r in records for p in r.policies}
    combined = figures([id_number], as_of).get(id_number, Figures()) if id_number else None
    return Person(id_number, records, combined, entries, shares_of(entries),
                  flag_of(id_number), numbers, known)


def person(id_number, as_of=None):
    """The person with this ID number across every branch, or None when no branch has them."""
    number = (id_number or "").strip().upper()
    if not number:
        return None
    customers = list(Customer.live().where(Customer.id_number == number)
                     .order_by(Customer.origin, Customer.id))
    return _assemble(number, customers, as_of) if customers else None


def record(customer, as_of=None):
    """One customer row as HQ's read-only 360 page shows it: a Person of that row alone (its
    policies, claims, contacts, segment history, entries) and the number of rows the same ID
    number has across the network."""
    found = _assemble(customer.id_number, [customer], as_of, history=True)
    found.figures = None  # the person page has the combined figures
    others = 0
    if customer.id_number:
        others = (Customer.live().where(Customer.id_number == customer.id_number,
                                        Customer.id != customer.id).count())
    return found, others


def find(user, text):
    """The persons page's box, by the customer list's one-box search (a name piece, phone,
    ID number, plate or policy number): (one matching customer per ID number, hint)."""
    page = search.search(user, search.Query(text=" ".join((text or "").split())[:64]))
    first = {}
    for customer in page.customers:
        if customer.id_number:
            first.setdefault(customer.id_number, customer)
    return list(first.values()), page.hint


def across_branches(after="", limit=50):
    """(rows, next cursor): people with rows at two or more branches, by ID number, keyset
    paged; each row (ID number, branches, a name, a customer id of theirs)."""
    branches = fn.COUNT(fn.DISTINCT(Customer.origin))
    query = (Customer.live(Customer.id_number, branches, fn.MIN(Customer.name),
                           fn.MIN(Customer.id))
             .where(Customer.id_number.is_null(False), Customer.id_number > (after or ""))
             .group_by(Customer.id_number)
             .having(branches > 1)
             .order_by(Customer.id_number)
             .limit(limit + 1).tuples())
    rows = list(query)
    cursor = rows[limit - 1][0] if len(rows) > limit else None
    return rows[:limit], cursor
