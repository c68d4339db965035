"""The renewal list: our policies expiring in a period, renewed or not, with their premium."""

from decimal import Decimal

from peewee import JOIN, Case, fn

from inscrm import kpi
from inscrm.models import Customer, Policy, User

STATUSES = ("renewed", "open")
PAGE = 100


def _base(first, last, customers=None, manager=None):
    query = (
        kpi.our_policies()
        .join(Customer, on=(Policy.customer == Customer.id))
        .where(Policy.end_date.between(first, last), ~Customer.deleted)
    )
    if customers is not None:
        query = query.where(Customer.id.in_(customers.select(Customer.id)))
    if manager is not None:
        query = query.where(Customer.manager == manager)
    return query


def expiring(first, last, customers=None, manager=None, status=None):
    """Our policies (not cancelled) ending in [first, last], each with `renewed` 1/0, earliest
    first; `customers` limits them to a Customer query (the user's scope)."""
    renewed = kpi.is_renewed(Policy)
    query = (
        _base(first, last, customers, manager)
        .select(Policy, Customer, User, Case(None, [(renewed, 1)], 0).alias("renewed"))
        .join(User, JOIN.LEFT_OUTER, on=(Customer.manager == User.id))
        .order_by(Policy.end_date, Policy.id)
    )
    if status == "renewed":
        query = query.where(renewed)
    elif status == "open":
        query = query.where(~renewed)
    return query


def page(query, after=None):
    """One page (keyset on end date and id) and whether more follow."""
    if after is not None:
        end, policy_id = after
        query = query.where((Policy.end_date > end)
                            | ((Policy.end_date == end) & (Policy.id > policy_id)))
    rows = list(query.limit(PAGE + 1))
    return rows[:PAGE], len(rows) > PAGE


def summary(first, last, customers=None, manager=None):
    """{policies, renewed, rate, premium, renewed_premium} of the policies ending in the period."""
    renewed = kpi.is_renewed(Policy)
    n, count_renewed, cents, renewed_cents = (
        _base(first, last, customers, manager)
        .select(
            fn.COUNT(Policy.id),
            fn.SUM(Case(None, [(renewed, 1)], 0)),
            fn.SUM(Policy.premium).coerce(False),
            fn.SUM(Case(None, [(renewed, Policy.premium)], 0)).coerce(False),
        )
        .tuples()
        .get()
    )
    ratio = kpi.Ratio(int(count_renewed or 0), int(n or 0))
    return {
        "policies": ratio.denominator,
        "renewed": ratio.numerator,
        "rate": ratio.rate,
        "premium": Decimal(int(cents or 0)) / 100,
        "renewed_premium": Decimal(int(renewed_cents or 0)) / 100,
    }
