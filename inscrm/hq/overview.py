"""The network at a glance: per branch its customers by segment and annual premium, the network
flags addressed to it and where its sync stands; the network's totals below."""

import datetime as dt
from decimal import Decimal

from peewee import fn

from inscrm.hq.persons import cents
from inscrm.models import SEGMENTS, Customer, NetworkFlag, Site, SyncLedger
from inscrm.reports import dashboard
from inscrm.sync import registry


def segments_by_branch():
    """{site code: {segment: (customers, annual premium)}} over the live customers."""
    rows = (Customer.live(Customer.origin, Customer.segment, fn.COUNT(Customer.id),
                          fn.SUM(Customer.annual_premium).coerce(False))
            .group_by(Customer.origin, Customer.segment).tuples())
    out = {}
    for origin, segment, n, premium in rows:
        out.setdefault(origin, {})[segment] = (n, cents(premium))
    return out


def flags_by_branch():
    """{site code: {segment: network flags addressed to it}}."""
    rows = (NetworkFlag.live(NetworkFlag.addressee, NetworkFlag.segment,
                             fn.COUNT(NetworkFlag.id))
            .group_by(NetworkFlag.addressee, NetworkFlag.segment).tuples())
    out = {}
    for addressee, segment, n in rows:
        out.setdefault(addressee, {})[segment] = n
    return out


def _compute():
    segments, flags = segments_by_branch(), flags_by_branch()
    rows = []
    for site in Site.branches():
        by_segment = segments.get(site.code, {})
        rows.append({
            "code": site.code, "name": site.name,
            "segments": {s: by_segment.get(s, (0, Decimal(0)))[0] for s in SEGMENTS},
            "customers": sum(n for n, _ in by_segment.values()),
            "premium": str(sum((p for _, p in by_segment.values()), Decimal("0.00"))),
            "flags": flags.get(site.code, {}),
        })
    totals = {
        "segments": {s: sum(r["segments"][s] for r in rows) for s in SEGMENTS},
        "customers": sum(r["customers"] for r in rows),
        "premium": str(sum((Decimal(r["premium"]) for r in rows), Decimal("0.00"))),
        "flags": sum(sum(r["flags"].values()) for r in rows),
    }
    return {"branches": rows, "totals": totals}


def data_version():
    """What the network's figures depend on: the newest bundle applied here and the newest
    network flag written (an audit entry or a login changes neither)."""
    newest = SyncLedger.select(fn.MAX(SyncLedger.id)).scalar() or 0
    flagged = NetworkFlag.select(fn.MAX(NetworkFlag.seq)).scalar() or 0
    return f"{newest}.{flagged}"


def overview(today=None, refresh=False):
    """{branches: [...], totals, sync: {code: registry row}, computed_at}: the figures are kept
    until the data they depend on changes (`data_version`) or the day ends; the sync state is
    read fresh."""
    today = today or dt.date.today()
    kept = dashboard.cached(f"hq-overview:{data_version()}", today, _compute, refresh)
    return {**kept["data"], "computed_at": kept["computed_at"],
            "sync": {row["site"].code: row for row in registry.branches(today)}}
