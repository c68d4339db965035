"""The key figures of acquisition and retention, each a plain function over a period.

Definitions (the README writes them out; tests check them on hand-computed data):

- renewal rate = our policies that expired in the period and have a renewal starting within
  `renewal_window_days` (30) of expiry ÷ our policies that expired in the period (cancelled ones
  excluded). A renewal of P is a policy of ours, not cancelled, that names P in `renewal_of`, or
  that is for the same customer (and the same vehicle when P has one), starts after P started
  and no earlier than P's end − the window; either way it starts no later than P's end + the
  window.
- customer retention = customers in force at the period's start who are in force at its end ÷
  customers in force at its start. In force at D: one of our policies, not cancelled, with
  start ≤ D ≤ end.
- conversion = floating or prospect customers at the start who are standard, quality or key at
  the end ÷ floating or prospect customers at the start. A customer's segment at D is the
  `to_segment` of its last SegmentChange on or before D; with none, the `from_segment` of its
  first change after D (no segment when that is empty: it was not yet classified); with no
  change at all, its current segment.
- premium at risk = premium of our in-force policies ending in the next `premium_at_risk_days`
  (60) days that have no renewal yet.

Every function that takes `by_manager=True` answers per account manager (Customer.manager) as
a dict {manager id or None: figure} instead of one figure for the branch; `by=` a Customer
field answers per its value the same way (HQ compares branches by `Customer.origin`).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from peewee import JOIN, SQL, Case, fn

from inscrm.db.dialect import date_of, month_of, plus_days
from inscrm.models import Activity, Customer, Policy, SegmentChange, Task
from inscrm.segments import rules

PROSPECTIVE = ("floating", "prospect")
IN_FORCE_SEGMENTS = ("standard", "quality", "key")
VALUED = ("quality", "key")


@dataclass(frozen=True)
class Ratio:
    """A numerator over a denominator; `rate` is None when there is nothing to divide by."""

    numerator: int = 0
    denominator: int = 0

    @property
    def rate(self):
        if not self.denominator:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(Decimal("0.0001"))


# --- building blocks ------------------------------------------------------------------------


def is_renewed(policy, window=None):
    """SQL truth: `policy` (a Policy alias in the outer query) has a renewal (see module doc)."""
    if window is None:
        window = rules.current()["renewal_window_days"]
    latest_start = plus_days(policy.end_date, window)
    linked = Policy.alias("rl")
    same = Policy.alias("rs")
    by_link = Policy.ours(linked, cancelled=False).where(
        linked.renewal_of == policy.id, linked.id != policy.id, linked.start_date <= latest_start
    )
    by_customer = Policy.ours(same, cancelled=False).where(
        same.customer == policy.customer,
        same.id != policy.id,
        same.start_date > policy.start_date,
        same.start_date >= plus_days(policy.end_date, -window),
        same.start_date <= latest_start,
        policy.vehicle.is_null() | (same.vehicle == policy.vehicle),
    )
    return fn.EXISTS(by_link.select(SQL("1"))) | fn.EXISTS(by_customer.select(SQL("1")))


def in_force_customer_ids(day):
    """Subquery: ids of customers with one of our policies in force at `day`."""
    return (
        Policy.ours(cancelled=False)
        .select(Policy.customer)
        .where(Policy.start_date <= day, Policy.end_date >= day)
    )


def segment_at(day):
    """SQL expression: the Customer's segment at `day` from its SegmentChange history."""
    before = SegmentChange.alias("sb")
    after = SegmentChange.alias("sa")
    last_before = (
        before.select(before.to_segment)
        .where(before.customer == Customer.id, ~before.deleted, before.changed_on <= day)
        .order_by(before.changed_on.desc(), before.id.desc())
        .limit(1)
    )
    first_after = (
        after.select(fn.COALESCE(after.from_segment, ""))
        .where(after.customer == Customer.id, ~after.deleted, after.changed_on > day)
        .order_by(after.changed_on, after.id)
        .limit(1)
    )
    return fn.COALESCE(last_before, first_after, Customer.segment)


def _ratio_rows(query, by_manager, group):
    """Run a (numerator, denominator) aggregate once, or once per group (`group` when given,
    else the account manager when `by_manager`)."""
    if group is None and by_manager:
        group = Customer.manager
    if group is None:
        numerator, denominator = query.tuples().get()
        return Ratio(int(numerator or 0), int(denominator or 0))
    rows = query.select_extend(group).group_by(group).tuples()
    return {key: Ratio(int(num or 0), int(den or 0)) for num, den, key in rows}


# --- the figures ----------------------------------------------------------------------------


def renewal_rate(first, last, by_manager=False, by=None):
    """Renewed ÷ expired for our policies ending in [first, last] (see module doc); grouped
    `by` a column of the policy (its owning site) the customers are not read."""
    query = (
        Policy.ours(cancelled=False)
        .select(fn.SUM(Case(None, [(is_renewed(Policy), 1)], 0)), fn.COUNT(Policy.id))
        .where(Policy.end_date.between(first, last))
    )
    if by_manager or (by is not None and by.model is not Policy):
        query = query.join(Customer, on=(Policy.customer == Customer.id))
    return _ratio_rows(query, by_manager, by)


def renewal_rate_by_month(first, last):
    """{'YYYY-MM': Ratio} for our policies ending in [first, last], by month of expiry."""
    month = month_of(Policy.end_date)
    rows = (
        Policy.ours(cancelled=False)
        .select(month, fn.SUM(Case(None, [(is_renewed(Policy), 1)], 0)), fn.COUNT(Policy.id))
        .where(Policy.end_date.between(first, last))
        .group_by(month)
        .tuples()
    )
    return {key: Ratio(int(num or 0), int(den)) for key, num, den in rows}


def retention(first, last, by_manager=False, by=None):
    """Customers in force at `first` still in force at `last` ÷ those in force at `first`.

    Those still in force are joined as one set, not asked of each customer: PostgreSQL answers
    an IN inside a CASE row by row once the set outgrows its working memory (at HQ's million
    customers that took minutes)."""
    kept = in_force_customer_ids(last).distinct().alias("kept")
    still = Case(None, [(kept.c.customer_id.is_null(False), 1)], 0)
    query = (
        Customer.live()
        .select(fn.SUM(still), fn.COUNT(Customer.id))
        .join(kept, JOIN.LEFT_OUTER, on=(kept.c.customer_id == Customer.id))
        .where(Customer.id.in_(in_force_customer_ids(first)))
    )
    return _ratio_rows(query, by_manager, by)


def _segment_move(first, last, start_segments, end_segments, by_manager, by=None):
    """Customers in `start_segments` at `first` that are in `end_segments` at `last`."""
    query = (
        Customer.live()
        .select(
            fn.SUM(Case(None, [(segment_at(last).in_(end_segments), 1)], 0)),
            fn.COUNT(Customer.id),
        )
        .where(segment_at(first).in_(start_segments))
    )
    return _ratio_rows(query, by_manager, by)


def conversion(first, last, by_manager=False, by=None):
    """Floating/prospect at `first` that are standard/quality/key at `last` ÷ floating/prospect."""
    return _segment_move(first, last, PROSPECTIVE, IN_FORCE_SEGMENTS, by_manager, by)


def valued_kept(first, last, by_manager=False):
    """Quality/key customers at `first` still quality/key at `last` ÷ quality/key at `first`."""
    return _segment_move(first, last, VALUED, VALUED, by_manager)


def premium_at_risk(today, days=None):
    """(policies, Decimal premium): in force today, ending within `days`, no renewal yet."""
    if days is None:
        days = rules.current()["premium_at_risk_days"]
    count, cents = (
        Policy.ours(cancelled=False)
        .select(fn.COUNT(Policy.id), fn.COALESCE(fn.SUM(Policy.premium).coerce(False), 0))
        .where(
            Policy.start_date <= today,
            Policy.end_date.between(today, today + dt.timedelta(days=days)),
            ~is_renewed(Policy),
        )
        .tuples()
        .get()
    )
    return int(count), (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


# --- per account manager ----------------------------------------------------------------------


def _grouped(query, group):
    """{group key: the query's single aggregate} for a one-column aggregate query."""
    return {key: value for value, key in query.select_extend(group).group_by(group).tuples()}


def scorecards(first, last, today, managers):
    """One row per account manager in `managers`: the acquisition and retention figures."""
    held = _grouped(
        Customer.live().select(fn.COUNT(Customer.id))
        .where(Customer.id.in_(in_force_customer_ids(last))),
        Customer.manager,
    )
    premium = _grouped(
        Policy.ours(cancelled=False).select(fn.COALESCE(fn.SUM(Policy.premium).coerce(False), 0))
        .join(Customer, on=(Policy.customer == Customer.id))
        .where(Policy.start_date.between(first, last), ~Customer.deleted),
        Customer.manager,
    )
    contacts = _grouped(
        Activity.live().select(fn.COUNT(Activity.id)).where(Activity.date.between(first, last)),
        Activity.user,
    )
    late = _grouped(late_tasks(first, min(last, today), today).select(fn.COUNT(Task.id)),
                    Task.assignee)
    renewals = renewal_rate(first, min(last, today), by_manager=True)  # expired ones only
    converted = conversion(first, last, by_manager=True)
    kept = valued_kept(first, last, by_manager=True)
    return [
        {
            "user": user,
            "customers_held": held.get(user.id, 0),
            "premium": Decimal(int(premium.get(user.id, 0))) / 100,
            "renewal": renewals.get(user.id, Ratio()),
            "conversion": converted.get(user.id, Ratio()),
            "valued_kept": kept.get(user.id, Ratio()),
            "contacts": contacts.get(user.id, 0),
            "late_tasks": late.get(user.id, 0),
        }
        for user in managers
    ]


def late_tasks(first, last, today):
    """Tasks due in [first, last] that were not done by their due date (cancelled ones aside)."""
    return Task.live().where(
        Task.due_date.between(first, last),
        ((Task.status == "open") & (Task.due_date < today))
        | ((Task.status == "done") & (date_of(Task.done_at) > Task.due_date)),
    )


# --- what a rise in retention is worth (an estimate from the literature) -----------------------


REICHHELD_SASSER = {"retention_points": 5, "profit_rise": Decimal("0.25"),
                    "acquisition_cost_low": 4, "acquisition_cost_high": 6}


def retention_value(retention_ratio, average_premium):
    """What keeping 5 more of every 100 customers would mean here, per Reichheld & Sasser (1990).

    The profit rise and the cost multiple are the study's estimates for insurance, not
    measurements of this branch; the customers and premium are this branch's own figures.
    """
    at_start = retention_ratio.denominator
    points = REICHHELD_SASSER["retention_points"]
    extra = (Decimal(at_start) * points / 100).quantize(Decimal(1))
    return {
        "points": points,
        "target_rate": (None if retention_ratio.rate is None
                        else min(Decimal(1), retention_ratio.rate + Decimal(points) / 100)),
        "extra_customers": int(extra),
        "extra_premium": (extra * average_premium).quantize(Decimal("0.01")),
        "profit_rise": REICHHELD_SASSER["profit_rise"],
        "cost_low": REICHHELD_SASSER["acquisition_cost_low"],
        "cost_high": REICHHELD_SASSER["acquisition_cost_high"],
    }


# --- periods ----------------------------------------------------------------------------------

PERIODS = ("month", "last_month", "quarter", "year", "12m")
# periods that lie ahead, for lists of what is coming (renewals): today to today + N days, and
# the whole of next month
AHEAD = ("next30", "next60", "next90", "next_month")


def month_after(day):
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_bounds(name, today):
    """(first, last) of a named period: one that contains or ends at `today` (PERIODS), or one
    that lies ahead of it (AHEAD)."""
    if name in ("next30", "next60", "next90"):
        return today, today + dt.timedelta(days=int(name[4:]))
    if name == "next_month":
        first = month_after(today)
        return first, month_after(first) - dt.timedelta(days=1)
    if name == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if name == "quarter":
        start_month = 3 * ((today.month - 1) // 3) + 1
        return today.replace(month=start_month, day=1), today
    if name == "year":
        return today.replace(month=1, day=1), today
    if name == "12m":
        return today - dt.timedelta(days=364), today
    return today.replace(day=1), today
