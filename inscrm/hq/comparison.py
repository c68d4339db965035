"""The branches side by side: per branch its customers and annual premium by segment, the
renewal rate, customer retention and conversion (the branch dashboard's definitions,
`inscrm.reports.kpi`, grouped by owning site), the loss ratio by segment, blacklist reports
against the paper's quota of 5 a year per reporting unit, and the named segment flows.

Every figure is one aggregate query grouped by branch, as JSON-ready data; `figures()` keeps
the result until a bundle arrives or the day ends, so the page is served from what was
computed.
"""

import datetime as dt
from decimal import Decimal

from peewee import fn

from inscrm.hq.overview import data_version, segments_by_branch
from inscrm.hq.persons import NOT_PAID, cents
from inscrm.models import (
    FLOWS,
    SEGMENTS,
    BlacklistEntry,
    Branch,
    Claim,
    Customer,
    Policy,
    SegmentChange,
    Site,
)
from inscrm.reports import dashboard, kpi
from inscrm.segments import rules

NAMED_FLOWS = ("mining", "growth", "value_growth", "stripping", "churn")  # the paper's five
RATES = ("renewal", "retention", "conversion")


def _ratio(ratio):
    return {"numerator": ratio.numerator, "denominator": ratio.denominator,
            "rate": None if ratio.rate is None else str(ratio.rate)}


def _rate(part, whole):
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))) if whole else None


def loss_ratios(first, last):
    """{site: {segment: (incurred, premium)}}: claims incurred on losses in the period and our
    premium written in it, by the customer's current segment (as the branch dashboard)."""
    incurred = fn.SUM(Claim.paid + Claim.reserve).coerce(False)
    claims = (Claim.live()
              .select(Customer.origin, Customer.segment, incurred)
              .join(Customer, on=(Claim.customer == Customer.id))
              .where(Claim.loss_date.between(first, last), Claim.status.not_in(NOT_PAID))
              .group_by(Customer.origin, Customer.segment).tuples())
    written = (Policy.ours(cancelled=False)
               .select(Customer.origin, Customer.segment, fn.SUM(Policy.premium).coerce(False))
               .join(Customer, on=(Policy.customer == Customer.id))
               .where(Policy.start_date.between(first, last))
               .group_by(Customer.origin, Customer.segment).tuples())
    out = {}
    for origin, segment, cents_incurred in claims:
        out.setdefault(origin, {}).setdefault(segment, [0, 0])[0] = int(cents_incurred or 0)
    for origin, segment, cents_written in written:
        out.setdefault(origin, {}).setdefault(segment, [0, 0])[1] = int(cents_written or 0)
    return out


def blacklist_reports(year):
    """{site: {unit: entries reported in the year}}, every unit of every branch present."""
    out = {}
    for origin, name in Branch.live(Branch.origin, Branch.name).tuples():
        out.setdefault(origin, {})[name] = 0
    rows = (BlacklistEntry.live(BlacklistEntry.origin, BlacklistEntry.unit,
                                fn.COUNT(BlacklistEntry.id))
            .where(BlacklistEntry.reported_on.between(dt.date(year, 1, 1),
                                                      dt.date(year, 12, 31)))
            .group_by(BlacklistEntry.origin, BlacklistEntry.unit).tuples())
    for origin, unit, n in rows:
        out.setdefault(origin, {})[unit or "—"] = n
    return out


def flows(first, last):
    """{site: {flow: (customers, annual premium in cents)}}: the segment changes of the period."""
    rows = (SegmentChange.live(SegmentChange.origin, SegmentChange.flow,
                               fn.COUNT(SegmentChange.id),
                               fn.SUM(SegmentChange.annual_premium).coerce(False))
            .where(SegmentChange.changed_on.between(first, last),
                   SegmentChange.flow.is_null(False))
            .group_by(SegmentChange.origin, SegmentChange.flow).tuples())
    out = {}
    for origin, flow, n, premium in rows:
        out.setdefault(origin, {})[flow] = (n, int(premium or 0))
    return out


def compute(first, last, today):
    """Every branch's figures for the period [first, last], as JSON-ready data."""
    by = Customer.origin
    segments = segments_by_branch()
    rates = {
        # a policy's owning site is its customer's: the policies alone are read
        "renewal": kpi.renewal_rate(first, min(last, today), by=Policy.origin),
        "retention": kpi.retention(first, last, by=by),
        "conversion": kpi.conversion(first, last, by=by),
    }
    losses, reports, moved = loss_ratios(first, last), blacklist_reports(last.year), flows(
        first, last)
    quota = int(rules.current()["blacklist_quota"])
    branches = []
    for site in Site.branches():
        code = site.code
        held = segments.get(code, {})
        lost = losses.get(code, {})
        units = reports.get(code, {})
        branches.append({
            "code": code, "name": site.name,
            "customers": sum(n for n, _ in held.values()),
            "premium": str(sum((p for _, p in held.values()), Decimal("0.00"))),
            "segments": {s: {"customers": held.get(s, (0, 0))[0],
                             "premium": str(held.get(s, (0, Decimal("0.00")))[1])}
                         for s in SEGMENTS},
            **{name: _ratio(figure.get(code, kpi.Ratio())) for name, figure in rates.items()},
            "loss_ratios": {s: {"incurred": str(cents(lost.get(s, (0, 0))[0])),
                                "premium": str(cents(lost.get(s, (0, 0))[1])),
                                "ratio": _rate(*lost.get(s, (0, 0)))}
                            for s in SEGMENTS},
            "blacklist": {"reported": sum(units.values()), "quota": quota * len(units),
                          "units": [{"unit": unit, "reported": n, "quota": quota,
                                     "short": max(quota - n, 0)}
                                    for unit, n in sorted(units.items())]},
            "flows": {flow: {"customers": moved.get(code, {}).get(flow, (0, 0))[0],
                             "premium": str(cents(moved.get(code, {}).get(flow, (0, 0))[1]))}
                      for flow in FLOWS},
        })
    return {"first": first.isoformat(), "last": last.isoformat(), "year": last.year,
            "quota": quota, "branches": branches}


def figures(first, last, today=None, refresh=False):
    """The comparison for the period, kept until the data changes or the day ends."""
    today = today or dt.date.today()
    name = f"hq-comparison:{first.isoformat()}:{last.isoformat()}:{data_version()}"
    return dashboard.cached(name, today, lambda: compute(first, last, today), refresh)


def branch(data, code):
    """One branch's slice of the comparison (the drill-down), or None."""
    return next((b for b in data["branches"] if b["code"] == code), None)


def warm(today=None):
    """Compute this year's comparison ahead of the first visit (the page's default period)."""
    today = today or dt.date.today()
    return figures(*kpi.period_bounds("year", today), today)
