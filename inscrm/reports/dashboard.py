"""The manager's dashboard figures, as plain JSON-ready data, kept for the day in Meta.

Everything is one aggregate query per chart; money is summed in cents (`coerce(False)` keeps
peewee from reading a SUM of a MoneyField as yuan) and handed on as decimal strings. At a few
hundred thousand customers the whole set takes longer than a page should wait, so `figures()`
keeps the result for the rest of the day (keyed by period) and the dashboard says when it was
computed; a manager may refresh it.
"""

import datetime as dt
import json
from decimal import Decimal

from peewee import Case, fn

from inscrm.db.transactions import writing
from inscrm.models import (
    FLOWS,
    SEGMENTS,
    Activity,
    BlacklistEntry,
    Branch,
    Claim,
    Customer,
    Meta,
    Policy,
    SegmentChange,
    User,
)
from inscrm.reports import kpi
from inscrm.segments import rules

CACHE_PREFIX = "dashboard:"
CACHE_FORMAT = "1"  # raise when the kept figures change shape, so a new version recomputes


def _money(cents):
    return str((Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01")))


def _ratio(ratio):
    return {"numerator": ratio.numerator, "denominator": ratio.denominator,
            "rate": None if ratio.rate is None else str(ratio.rate)}


def segment_totals():
    """[{segment, customers, premium}] over the live customers, in the segments' order."""
    rows = (
        Customer.live()
        .select(Customer.segment, fn.COUNT(Customer.id),
                fn.SUM(Customer.annual_premium).coerce(False))
        .group_by(Customer.segment)
        .tuples()
    )
    found = {segment: (n, cents) for segment, n, cents in rows}
    return [{"segment": s, "customers": found.get(s, (0, 0))[0],
             "premium": _money(found.get(s, (0, 0))[1])} for s in SEGMENTS]


def segment_flows(first, last):
    """[{from, to, flow, customers, premium}]: the segment changes of the period."""
    rows = (
        SegmentChange.live()
        .select(SegmentChange.from_segment, SegmentChange.to_segment, SegmentChange.flow,
                fn.COUNT(SegmentChange.id), fn.SUM(SegmentChange.annual_premium).coerce(False))
        .where(SegmentChange.changed_on.between(first, last),
               SegmentChange.from_segment.is_null(False),
               SegmentChange.from_segment != SegmentChange.to_segment)
        .group_by(SegmentChange.from_segment, SegmentChange.to_segment, SegmentChange.flow)
        .tuples()
    )
    order = {flow: i for i, flow in enumerate(FLOWS)}
    flows = [{"from": f, "to": t, "flow": flow or "", "customers": n, "premium": _money(cents)}
             for f, t, flow, n, cents in rows]
    return sorted(flows, key=lambda r: (order.get(r["flow"], 99), -r["customers"]))


def funnel(first, last):
    """Floating/prospect customers at the start → contacted → showed intent → converted."""
    in_period = Activity.date.between(first, last)
    contacted = Activity.live().select(Activity.customer).where(in_period)
    intent = contacted.where(Activity.outcome.in_(("interested", "quoted")))
    converted = kpi.segment_at(last).in_(kpi.IN_FORCE_SEGMENTS)
    pool, touched, keen, won = (
        Customer.live()
        .select(
            fn.COUNT(Customer.id),
            fn.SUM(Case(None, [(Customer.id.in_(contacted), 1)], 0)),
            fn.SUM(Case(None, [(Customer.id.in_(intent), 1)], 0)),
            fn.SUM(Case(None, [(converted, 1)], 0)),
        )
        .where(kpi.segment_at(first).in_(kpi.PROSPECTIVE))
        .tuples()
        .get()
    )
    return {"pool": pool, "contacted": int(touched or 0), "intent": int(keen or 0),
            "converted": int(won or 0)}


def loss_ratio_by_segment(first, last):
    """[{segment, incurred, premium, ratio}]: claims incurred on losses in the period ÷ premium
    written in the period, by the customer's current segment."""
    incurred = fn.SUM(Claim.paid + Claim.reserve).coerce(False)
    claims = dict(
        Claim.live()
        .select(Customer.segment, incurred)
        .join(Customer, on=(Claim.customer == Customer.id))
        .where(Claim.loss_date.between(first, last),
               Claim.status.not_in(("declined", "withdrawn")))
        .group_by(Customer.segment)
        .tuples()
    )
    premium = dict(
        Policy.ours(cancelled=False)
        .select(Customer.segment, fn.SUM(Policy.premium).coerce(False))
        .join(Customer, on=(Policy.customer == Customer.id))
        .where(Policy.start_date.between(first, last))
        .group_by(Customer.segment)
        .tuples()
    )
    rows = []
    for segment in SEGMENTS:
        paid, written = int(claims.get(segment) or 0), int(premium.get(segment) or 0)
        ratio = (Decimal(paid) / Decimal(written)).quantize(Decimal("0.0001")) if written else None
        rows.append({"segment": segment, "incurred": _money(paid), "premium": _money(written),
                     "ratio": None if ratio is None else str(ratio)})
    return rows


def blacklist_quota(year):
    """[{unit, reported, quota}]: blacklist reports per unit in a year against the quota."""
    quota = int(rules.current()["blacklist_quota"])
    counts = dict(
        BlacklistEntry.live()
        .select(BlacklistEntry.unit, fn.COUNT(BlacklistEntry.id))
        .where(BlacklistEntry.reported_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .group_by(BlacklistEntry.unit)
        .tuples()
    )
    units = [b.name for b in Branch.live().order_by(Branch.code)]
    units += sorted(u for u in counts if u not in units)
    return [{"unit": u or "—", "reported": counts.get(u, 0), "quota": quota} for u in units]


def renewal_months(today):
    """[{month, numerator, denominator, rate}] for the 12 months up to and including today's."""
    first = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    by_month = kpi.renewal_rate_by_month(first, today)
    months = []
    day = first
    while day <= today:
        key = day.strftime("%Y-%m")
        months.append({"month": key, **_ratio(by_month.get(key, kpi.Ratio()))})
        day = kpi.month_after(day)
    return months


def compute(first, last, today):
    """Every figure of the dashboard for the period [first, last], as JSON-ready data."""
    segments = segment_totals()
    retention = kpi.retention(first, last)
    held = [s for s in segments if s["segment"] in kpi.IN_FORCE_SEGMENTS]
    held_count = sum(s["customers"] for s in held)
    average = (sum(Decimal(s["premium"]) for s in held) / held_count) if held_count else Decimal(0)
    value = kpi.retention_value(retention, average)
    funnel_counts = funnel(first, last)
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "segments": segments,
        "flows": segment_flows(first, last),
        "renewal_months": renewal_months(today),
        "renewal": _ratio(kpi.renewal_rate(first, min(last, today))),
        "retention": _ratio(retention),
        "retention_value": {k: (str(v) if isinstance(v, Decimal) else v)
                            for k, v in value.items()},
        "average_premium": str(average.quantize(Decimal("0.01"))),
        "at_risk": premium_at_risk(today)["data"],
        "funnel": funnel_counts,
        "conversion": _ratio(kpi.Ratio(funnel_counts["converted"], funnel_counts["pool"])),
        "loss_ratios": loss_ratio_by_segment(first, last),
        "blacklist": blacklist_quota(last.year),
    }


def cached(name, today, compute_now, refresh=False, clock=None):
    """{day, computed_at, data}: `compute_now()` kept in Meta for the rest of `today`.

    Keys carry the day, and writing one drops the other days' keys, so Meta keeps only today's.
    """
    key = f"{CACHE_PREFIX}{today.isoformat()}:{CACHE_FORMAT}:{name}"
    if not refresh:
        stored = Meta.get_value(key)
        if stored:
            return json.loads(stored)
    at = (clock or dt.datetime.now)().replace(microsecond=0)
    result = {"day": today.isoformat(), "computed_at": at.isoformat(sep=" "),
              "data": compute_now()}
    with writing():
        Meta.delete().where(Meta.key.startswith(CACHE_PREFIX),
                            ~Meta.key.startswith(f"{CACHE_PREFIX}{today.isoformat()}:")).execute()
        Meta.set_value(key, json.dumps(result, ensure_ascii=False))
    return result


def figures(first, last, today, refresh=False):
    """The dashboard's figures, computed at most once a day per period unless refreshed."""
    return cached(f"{first.isoformat()}:{last.isoformat()}", today,
                  lambda: compute(first, last, today), refresh)


def scorecards(first, last, today, refresh=False):
    """The account managers' scorecards (kpi.scorecards) as JSON-ready rows, kept for the day."""

    def compute_now():
        managers = User.staff_by_name("agent")
        return [
            {**{k: (_ratio(v) if isinstance(v, kpi.Ratio) else v)
                for k, v in card.items() if k != "user"},
             "user_id": card["user"].id, "premium": str(card["premium"])}
            for card in kpi.scorecards(first, last, today, managers)
        ]

    return cached(f"scorecards:{first.isoformat()}:{last.isoformat()}", today, compute_now,
                  refresh)


def premium_at_risk(today, refresh=False):
    """kpi.premium_at_risk as {policies, premium, days}, kept for the day."""

    def compute_now():
        days = rules.current()["premium_at_risk_days"]
        count, premium = kpi.premium_at_risk(today, days)
        return {"policies": count, "premium": str(premium), "days": days}

    return cached("at_risk", today, compute_now, refresh)


def warm(today=None):
    """Compute today's dashboard and scorecards for every named period ahead of the first
    manager's visit (the default ones first); those already kept for today are skipped."""
    today = today or dt.date.today()
    figures(*kpi.period_bounds("year", today), today)
    scorecards(*kpi.period_bounds("quarter", today), today)
    for name in kpi.PERIODS:
        figures(*kpi.period_bounds(name, today), today)
        scorecards(*kpi.period_bounds(name, today), today)
