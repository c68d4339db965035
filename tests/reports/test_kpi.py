"""Every KPI on a small data set whose answers were worked out by hand (in the comments)."""

import datetime as dt
from decimal import Decimal

from inscrm.models import Activity, SegmentChange, Task, Vehicle
from inscrm.reports import kpi
from tests.helpers import make_customer, make_policy, make_user

D = dt.date
Q1 = (D(2025, 1, 1), D(2025, 3, 31))


def policy(customer, start, end, premium="1000.00", **kw):
    return make_policy(customer, start=start, days=(end - start).days, premium=premium, **kw)


def renewal_book(agent1=None, agent2=None):
    """Customers A–I with the policies the renewal and retention figures are computed on."""
    c = {k: make_customer(name=k, segment="standard",
                          manager=(agent1 if k in "ABC" else agent2))
         for k in "ABCDEFGHI"}
    # A: a1 ends 01-09, renewed by link (a2 starts 01-10)                         -> renewed
    a1 = policy(c["A"], D(2024, 1, 10), D(2025, 1, 9))
    policy(c["A"], D(2025, 1, 10), D(2026, 1, 9), premium="1100.00", renewal_of=a1)
    # B: b1 ends 02-15, same customer's policy starts 03-17 = end + 30 (no link)  -> renewed
    policy(c["B"], D(2024, 2, 16), D(2025, 2, 15))
    policy(c["B"], D(2025, 3, 17), D(2026, 3, 16), premium="1200.00")
    # C: c1 ends 02-20, next starts 03-23 = end + 31                             -> not renewed
    policy(c["C"], D(2024, 2, 21), D(2025, 2, 20))
    policy(c["C"], D(2025, 3, 23), D(2026, 3, 22), premium="1300.00")
    # D: d1 on vehicle V1 ends 03-01; a policy on another vehicle starts 03-02    -> not renewed
    v1 = Vehicle.create(customer=c["D"], plate="浙F00001")
    v2 = Vehicle.create(customer=c["D"], plate="浙F00002")
    policy(c["D"], D(2024, 3, 2), D(2025, 3, 1), vehicle=v1)
    policy(c["D"], D(2025, 3, 2), D(2026, 3, 1), premium="1400.00", vehicle=v2)
    # E: cancelled, ends in Q1                                                    -> not counted
    policy(c["E"], D(2024, 3, 16), D(2025, 3, 15), cancelled=True)
    # F: a competitor's policy ending in Q1                                       -> not counted
    policy(c["F"], D(2024, 3, 21), D(2025, 3, 20), insurer="平安")
    # G: ends 04-05, after Q1                                                     -> not counted
    policy(c["G"], D(2024, 4, 6), D(2025, 4, 5), premium="2000.00")
    # H: h1 ends 03-31; its renewal was cancelled                                 -> not renewed
    h1 = policy(c["H"], D(2024, 4, 1), D(2025, 3, 31))
    policy(c["H"], D(2025, 4, 1), D(2026, 3, 31), renewal_of=h1, cancelled=True)
    # I: i1 ends 02-28, nothing after (lapsed; for retention)                    -> not renewed
    policy(c["I"], D(2024, 3, 1), D(2025, 2, 28))
    return c


def test_renewal_rate_counts_links_same_customer_window_vehicle_and_skips_cancelled(ctx):
    renewal_book()
    # expired in Q1: a1 b1 c1 d1 h1 i1 = 6; renewed: a1 b1 = 2
    assert kpi.renewal_rate(*Q1) == kpi.Ratio(2, 6)
    assert kpi.renewal_rate(*Q1).rate == Decimal("0.3333")
    assert kpi.renewal_rate(D(2025, 1, 1), D(2025, 1, 31)).rate == Decimal(1)


def test_renewal_rate_by_month(ctx):
    renewal_book()
    # Jan: a1 renewed; Feb: b1 renewed, c1 and i1 not; Mar: d1, h1 not
    assert kpi.renewal_rate_by_month(*Q1) == {
        "2025-01": kpi.Ratio(1, 1), "2025-02": kpi.Ratio(1, 3), "2025-03": kpi.Ratio(0, 2),
    }


def test_retention_from_policies_in_force(ctx):
    renewal_book()
    # in force 2025-01-01: A B C D G H I (E cancelled, F competitor) = 7
    # in force 2025-03-31: A B C D G H (H's last day; I lapsed)     = 6
    assert kpi.retention(*Q1) == kpi.Ratio(6, 7)
    assert kpi.Ratio(0, 0).rate is None


def test_premium_at_risk(ctx):
    c = renewal_book()
    x = policy(c["A"], D(2024, 5, 31), D(2025, 5, 30), premium="500.00")
    policy(c["A"], D(2025, 5, 31), D(2026, 5, 30), renewal_of=x)
    policy(c["B"], D(2024, 6, 1), D(2025, 5, 31), premium="700.00")  # ends day 61: outside
    # in force 2025-03-31, ending by 05-30, no renewal: h1 (1000, renewal cancelled), g1 (2000)
    assert kpi.premium_at_risk(D(2025, 3, 31)) == (2, Decimal("3000.00"))
    assert kpi.premium_at_risk(D(2025, 3, 31), days=61) == (3, Decimal("3700.00"))


def change(customer, from_segment, to_segment, on):
    SegmentChange.create(customer=customer, from_segment=from_segment, to_segment=to_segment,
                         changed_on=on)


def test_conversion_uses_segment_history(ctx):
    make_customer(name="J")  # floating throughout                           -> den
    k = make_customer(segment="standard")  # prospect since 2024, standard 02-10 -> den, num
    change(k, "floating", "prospect", D(2024, 6, 1))
    change(k, "prospect", "standard", D(2025, 2, 10))
    lc = make_customer(segment="prospect")  # floating until 02-01          -> den
    change(lc, "floating", "prospect", D(2025, 2, 1))
    make_customer(segment="standard")  # standard, no history               -> not counted
    n = make_customer(segment="key")  # floating -> key on 03-01            -> den, num
    change(n, "floating", "key", D(2025, 3, 1))
    o = make_customer(segment="standard")  # prospect until 04-10 (after Q1) -> den
    change(o, "prospect", "standard", D(2025, 4, 10))
    p = make_customer(segment="prospect")  # first classified 02-01           -> not counted
    change(p, None, "prospect", D(2025, 2, 1))
    make_customer(segment="floating", deleted=True)  # tombstone             -> not counted
    assert kpi.conversion(*Q1) == kpi.Ratio(2, 5)


def test_valued_customers_kept(ctx):
    make_customer(segment="quality")  # quality throughout                    -> den, num
    r = make_customer(segment="standard")  # key until a downgrade on 03-01     -> den
    change(r, "key", "standard", D(2025, 3, 1))
    s = make_customer(segment="key")  # quality -> key on 02-01                -> den, num
    change(s, "quality", "key", D(2025, 2, 1))
    make_customer(segment="standard")  # never valued                         -> not counted
    assert kpi.valued_kept(*Q1) == kpi.Ratio(2, 3)


def test_scorecards_per_account_manager(ctx):
    one, two = make_user("am1", name="甲"), make_user("am2", name="乙")
    c = renewal_book(one, two)
    lead = make_customer(manager=one)  # floating at the start, standard at the end
    change(lead, "floating", "standard", D(2025, 2, 1))
    Activity.create(customer=c["A"], user=one, date=D(2025, 2, 3))
    Activity.create(customer=c["A"], user=one, date=D(2025, 4, 3))  # outside Q1
    today = D(2025, 3, 20)
    # late: open and past due; done after its due date. On time: done early, open not yet due
    Task.create(assignee=two, due_date=D(2025, 3, 1))
    Task.create(assignee=two, due_date=D(2025, 3, 1), status="done",
                done_at=dt.datetime(2025, 3, 5, 9, 0))
    Task.create(assignee=two, due_date=D(2025, 3, 1), status="done",
                done_at=dt.datetime(2025, 3, 1, 9, 0))
    Task.create(assignee=two, due_date=D(2025, 3, 25))
    Task.create(assignee=two, due_date=D(2025, 3, 2), status="cancelled")
    cards = {card["user"].username: card for card in kpi.scorecards(*Q1, today, [one, two])}
    # am1 holds A B C in force at 03-31; wrote a2 1100 + b2 1200 + c2 1300 in Q1
    assert cards["am1"]["customers_held"] == 3
    assert cards["am1"]["premium"] == Decimal("3600.00")
    assert cards["am1"]["renewal"] == kpi.Ratio(2, 3)  # a1 b1 of a1 b1 c1
    assert cards["am1"]["conversion"] == kpi.Ratio(1, 1)
    assert cards["am1"]["contacts"] == 1
    assert cards["am1"]["late_tasks"] == 0
    # am2 holds D G H (I lapsed); wrote d2 1400 (h2 cancelled); renewed neither d1 nor i1
    # (h1 ends 03-31, after today 03-20: not expired yet, not counted)
    assert cards["am2"]["customers_held"] == 3
    assert cards["am2"]["premium"] == Decimal("1400.00")
    assert cards["am2"]["renewal"] == kpi.Ratio(0, 2)
    assert cards["am2"]["conversion"] == kpi.Ratio(0, 0)
    assert cards["am2"]["late_tasks"] == 2


def test_retention_value_is_the_studys_estimate_applied_to_our_figures():
    value = kpi.retention_value(kpi.Ratio(80, 100), Decimal("2500.00"))
    # 5 more of 100 customers kept, at ¥2,500 average premium
    assert value["extra_customers"] == 5
    assert value["extra_premium"] == Decimal("12500.00")
    assert value["target_rate"] == Decimal("0.85")
    assert value["profit_rise"] == Decimal("0.25")
    assert (value["cost_low"], value["cost_high"]) == (4, 6)


def test_periods():
    today = D(2025, 5, 17)
    assert kpi.period_bounds("month", today) == (D(2025, 5, 1), today)
    assert kpi.period_bounds("last_month", today) == (D(2025, 4, 1), D(2025, 4, 30))
    assert kpi.period_bounds("quarter", today) == (D(2025, 4, 1), today)
    assert kpi.period_bounds("year", today) == (D(2025, 1, 1), today)
    assert kpi.period_bounds("12m", today) == (D(2024, 5, 18), today)



def test_renewal_list_summary(ctx):
    from inscrm.work import renewals

    renewal_book()
    summary = renewals.summary(*Q1, today=D(2025, 3, 1))
    # ending in Q1: a1 b1 c1 d1 h1 i1 (1000 each); renewed a1 b1; ended before 03-01: a1 b1 c1 i1
    assert (summary["policies"], summary["renewed"]) == (6, 2)
    assert (summary["premium"], summary["renewed_premium"]) == (Decimal(6000), Decimal(2000))
    assert summary["expired"] == kpi.Ratio(2, 4)
    listed = list(renewals.expiring(*Q1, status="open"))
    assert sorted(p.customer.name for p in listed) == ["C", "D", "H", "I"]
