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


def summary(first, last, today, customers=None, manager=None):
    """{policies, renewed, premium, renewed_premium, expired}: the policies ending in the
    period; `expired` is the renewal rate (a kpi.Ratio) of those that ended before `today`."""
    renewed = kpi.is_renewed(Policy)
    is_renewed = Case(None, [(renewed, 1)], 0)
    ended = Policy.end_date < today
    n, count_renewed, cents, renewed_cents, expired, expired_renewed = (
        _base(first, last, customers, manager)
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
