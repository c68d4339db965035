"""Properties: one customer and all customers agree, and the first segment that holds wins.

The reference below restates DESIGN §2 in plain Python, row by row, independently of the SQL.
"""

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inscrm.models import SEGMENTS, Activity, BlacklistEntry, Customer
from inscrm.segments import engine
from tests.helpers import make_claim, make_customer, make_policy

D = dt.date(2025, 6, 30)
NOT_PAID = ("declined", "withdrawn")

days = st.integers(min_value=-1600, max_value=40)
cents = st.sampled_from([0, 100, 99_999_99, 100_000_00, 1_000_000_00, 4_999_999, 5_000_000,
                         49_999_99, 50_000_00, 25_000_000, 50_000_000])

policy_st = st.fixed_dictionaries({
    "start": days, "after": st.none() | st.sampled_from([-5, 0, 30, 31]),
    "length": st.sampled_from([0, 30, 364, 365, 700]), "premium": cents,
    "cancelled": st.booleans(), "competitor": st.booleans(),
    "channel": st.sampled_from(["direct", "tender", "agency"]),
    "via": st.none() | st.integers(min_value=0, max_value=3),
    "claims": st.lists(st.fixed_dictionaries({
        "loss": days, "reported": st.none() | st.integers(min_value=0, max_value=60),
        "paid": cents, "reserve": st.sampled_from([0, 50_000, 200_000]),
        "status": st.sampled_from(["open", "closed", "declined", "withdrawn"]),
    }), max_size=4),
})
customer_st = st.fixed_dictionaries({
    "credit": st.sampled_from(["good", "bad", "unknown"]),
    "intermediary_type": st.sampled_from([None, "agency", "broker"]),
    "key_designation": st.sampled_from([None, None, "brand", "big_project"]),
    "exempt": st.none() | st.integers(min_value=-30, max_value=30),
    "policies": st.lists(policy_st, max_size=5),
    "intents": st.lists(st.tuples(st.sampled_from(["interested", "quoted", "lost"]), days),
                        max_size=2),
    "entries": st.lists(st.tuples(days, st.none() | days), max_size=1),
})


def whole_years(since, day):
    return day.year - since.year - ((day.month, day.day) < (since.month, since.day))


def reference(customer, everyone):
    """The first segment that holds for `customer`, as DESIGN §2 words it."""
    d365 = D - dt.timedelta(days=365)
    ours = [p for p in customer.policies if p.insurer == "" and p.start_date <= D]
    live = [p for p in ours if not p.cancelled]
    in_force = [p for p in live if p.start_date <= D <= p.end_date]
    annual = sum(p.premium for p in live if p.start_date > d365)
    run_start, max_end = None, None
    for p in sorted(live, key=lambda p: (p.start_date, p.id)):
        if max_end is None or (p.start_date - max_end).days > 30:
            run_start = p.start_date
        max_end = max(max_end or p.end_date, p.end_date)
    claims = [k for k in customer.claims if k.policy.insurer == "" and k.loss_date <= D
              and (k.report_date is None or k.report_date <= D)]

    def incurred(k):
        return 0 if k.status in NOT_PAID else k.paid + k.reserve

    recent = [k for k in claims if k.loss_date > d365 and incurred(k) > 0]
    premium_12m = sum(p.premium for p in live if p.end_date > d365)
    entries = [e for e in customer.blacklist_entries if e.reported_on <= D
               and (e.lifted_on is None or e.lifted_on > D)]
    exempt = customer.exempt_until is not None and customer.exempt_until >= D
    holds = {
        "blacklist": bool(entries) or (
            not exempt and len(recent) >= 3
            and sum(incurred(k) for k in recent) > premium_12m * Decimal("1.5")),
        "key": (bool(in_force) and (annual >= 50000 or bool(customer.key_designation) or any(
            p.channel == "tender" and p.premium >= 50000 for p in in_force)))
        or (bool(customer.intermediary_type) and sum(
            p.premium for p in everyone if p.intermediary_id == customer.id
            and p.insurer == "" and not p.cancelled and d365 < p.start_date <= D) >= 500000),
        "quality": False,
        "standard": bool(in_force),
        "prospect": bool(ours) or any(
            a.outcome in ("interested", "quoted") and d365 < a.date <= D
            for a in customer.activities),
        "floating": True,
    }
    if in_force and customer.credit != "bad":
        losses = [k.loss_date for k in claims if k.status not in NOT_PAID]
        since = max([run_start, *losses])
        premium_all = sum(p.premium for p in live)
        holds["quality"] = whole_years(since, D) >= 3 or (
            whole_years(run_start, D) >= 3 and premium_all > 0
            and sum(incurred(k) for k in claims) <= premium_all * Decimal("0.3"))
    return next(s for s in SEGMENTS if holds[s])


def build(spec):
    made = []
    for c in spec:
        exempt = None if c["exempt"] is None else D + dt.timedelta(days=c["exempt"])
        made.append(make_customer(credit=c["credit"], intermediary_type=c["intermediary_type"],
                                  key_designation=c["key_designation"], exempt_until=exempt))
    for customer, c in zip(made, spec, strict=True):
        previous = None
        for p in c["policies"]:
            start = D + dt.timedelta(days=p["start"])
            if p["after"] is not None and previous is not None:  # renewals, with gaps
                start = previous.end_date + dt.timedelta(days=p["after"])
            policy = make_policy(
                customer, start=start, days=p["length"], premium=str(Decimal(p["premium"]) / 100),
                cancelled=p["cancelled"], insurer="平安" if p["competitor"] else "",
                channel=p["channel"],
                intermediary=made[p["via"] % len(made)] if p["via"] is not None else None)
            previous = policy
            for k in p["claims"]:
                loss = D + dt.timedelta(days=k["loss"])
                report = None if k["reported"] is None else loss + dt.timedelta(k["reported"])
                make_claim(policy, loss_date=loss, report_date=report, status=k["status"],
                           paid=str(Decimal(k["paid"]) / 100),
                           reserve=str(Decimal(k["reserve"]) / 100))
        for outcome, offset in c["intents"]:
            Activity.create(customer=customer, outcome=outcome, date=D + dt.timedelta(offset))
        for reported, lifted in c["entries"]:
            lifted_on = None if lifted is None else D + dt.timedelta(days=lifted)
            BlacklistEntry.create(customer=customer, reason="other", unit="南湖",
                                  reported_on=D + dt.timedelta(days=reported),
                                  lifted_on=lifted_on, active=lifted_on is None)
    return made


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=st.lists(customer_st, min_size=1, max_size=4))
def test_one_and_all_agree_and_the_first_segment_that_holds_wins(ctx, spec):
    from inscrm.models import Policy

    made = build(spec)
    engine.classify_all(D)
    every = {c.id: (c.segment, c.segment_reason) for c in
             Customer.select().where(Customer.id.in_([m.id for m in made]))}
    everyone = list(Policy.select().where(Policy.customer.in_([m.id for m in made])))
    for customer in made:
        Customer.update(segment="floating", segment_reason=None, segment_date=None).where(
            Customer.id == customer.id).execute()
        engine.classify_customer(customer.id, D)
        row = Customer.get_by_id(customer.id)
        assert (row.segment, row.segment_reason) == every[customer.id]
        assert row.segment == reference(row, everyone), spec
