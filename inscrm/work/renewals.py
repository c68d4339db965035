"""The renewal list: our policies expiring in a period, renewed or not, with their premium.

The list, its header figures and its export read one query (`_base`), so what the header counts
is what the rows show, whatever the filters. `at_risk` is the premium at risk of the dashboard
(kpi.premium_at_risk): in force today, not renewed yet.
"""

import datetime as dt
from decimal import Decimal

from peewee import JOIN, Case, Value, fn

from inscrm.i18n import N_
from inscrm.models import Customer, Policy, Township, User
from inscrm.reports import kpi
from inscrm.reports.readable import Column
from inscrm.segments import rules

STATUSES = ("renewed", "open", "at_risk")
PAGE = 100


def _base(first, last, customers=None, manager=None, status=None, today=None):
    """Our policies (not cancelled) ending in [first, last] of live customers; `customers` limits
    them to a Customer query (the user's scope), `manager` to one account manager's customers,
    `status` to the renewed, the not renewed, or those at risk as of `today`."""
    query = (
        Policy.ours(cancelled=False)
        .join(Customer, on=(Policy.customer == Customer.id))
        .where(Policy.end_date.between(first, last), ~Customer.deleted)
    )
    if customers is not None:
        query = query.where(Customer.id.in_(customers.select(Customer.id)))
    if manager is not None:
        query = query.where(Customer.manager == manager)
    renewed = kpi.is_renewed(Policy)
    if status == "renewed":
        query = query.where(renewed)
    elif status == "open":
        query = query.where(~renewed)
    elif status == "at_risk":
        today = today or dt.date.today()
        query = query.where(~renewed, Policy.start_date <= today, Policy.end_date >= today)
    return query


def expiring(first, last, customers=None, manager=None, status=None, today=None):
    """The policies of `_base`, each with `renewed` 1/0, its customer, the customer's account
    manager and town, earliest expiry first."""
    renewed = kpi.is_renewed(Policy)
    return (
        _base(first, last, customers, manager, status, today)
        .select(Policy, Customer, User, Township,
                Case(None, [(renewed, 1)], 0).alias("renewed"))
        .join(User, JOIN.LEFT_OUTER, on=(Customer.manager == User.id))
        .switch(Customer)
        .join(Township, JOIN.LEFT_OUTER, on=(Customer.township == Township.id))
        .order_by(Policy.end_date, Policy.id)
    )


def page(query, after=None):
    """One page (keyset on end date and id) and whether more follow."""
    if after is not None:
        end, policy_id = after
        query = query.where((Policy.end_date > end)
                            | ((Policy.end_date == end) & (Policy.id > policy_id)))
    rows = list(query.limit(PAGE + 1))
    return rows[:PAGE], len(rows) > PAGE


def summary(first, last, today, customers=None, manager=None, status=None):
    """{policies, renewed, premium, renewed_premium, expired} of exactly the rows `expiring`
    lists with the same arguments; `expired` is the renewal rate (a kpi.Ratio) of those that
    ended before `today`."""
    renewed = kpi.is_renewed(Policy)
    if status is not None:  # the filter decides it for every row: no second look per policy
        renewed = Value(status == "renewed")
    is_renewed = Case(None, [(renewed, 1)], 0)
    ended = Policy.end_date < today
    n, count_renewed, cents, renewed_cents, expired, expired_renewed = (
        _base(first, last, customers, manager, status, today)
        .select(
            fn.COUNT(Policy.id),
            fn.SUM(is_renewed),
            fn.SUM(Policy.premium).coerce(False),
            fn.SUM(Case(None, [(renewed, Policy.premium)], 0)).coerce(False),
            fn.SUM(Case(None, [(ended, 1)], 0)),
            fn.SUM(Case(None, [(ended & renewed, 1)], 0)),
        )
        .tuples()
        .get()
    )
    return {
        "policies": int(n or 0),
        "renewed": int(count_renewed or 0),
        "premium": Decimal(int(cents or 0)) / 100,
        "renewed_premium": Decimal(int(renewed_cents or 0)) / 100,
        "expired": kpi.Ratio(int(expired_renewed or 0), int(expired or 0)),
    }


def at_risk(today, customers=None, manager=None):
    """The premium at risk as a period with its filter: {first, last, days, policies, premium},
    the policies being those the list shows for first, last and status `at_risk`."""
    days = int(rules.current()["premium_at_risk_days"])
    last = today + dt.timedelta(days=days)
    figures = summary(today, last, today, customers, manager, "at_risk")
    return {"first": today, "last": last, "days": days, "policies": figures["policies"],
            "premium": figures["premium"]}


COLUMNS = (
    Column(N_("Expires"), "date", width=12),
    Column(N_("Policy"), width=20),
    Column(N_("Product"), width=14),
    Column(N_("Customer"), width=20),
    Column(N_("Phone"), width=14),
    Column(N_("District"), width=10),
    Column(N_("Town"), width=12),
    Column(N_("Account manager"), width=12),
    Column(N_("Segment"), "code", "segment", width=12),
    Column(N_("Premium"), "money", width=14),
    Column(N_("Start date"), "date", width=12),
    Column(N_("Renewed?"), "yes_no", width=10),
)


def export_rows(query):
    """The rows of `expiring` as COLUMNS, streamed."""
    for p in query.iterator():
        customer = p.customer
        town = customer.township if customer.township_id else None
        yield (p.end_date, p.policy_no, p.product, customer.name, customer.phone,
               town.district if town else None, town.name if town else None,
               str(customer.manager) if customer.manager_id else None, customer.segment,
               p.premium, p.start_date, p.renewed)
