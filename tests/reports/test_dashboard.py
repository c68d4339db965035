"""The dashboard's figures on small data sets worked out by hand (in the comments)."""

import datetime as dt

from inscrm.models import Activity, BlacklistEntry, Branch, SegmentChange
from inscrm.reports import dashboard
from tests.helpers import make_claim, make_customer, make_policy

D = dt.date
Q1 = (D(2025, 1, 1), D(2025, 3, 31))


def test_segment_totals(ctx):
    make_customer(segment="key", annual_premium="60000.00")
    make_customer(segment="key", annual_premium="55000.50")
    make_customer(segment="floating")
    make_customer(segment="key", annual_premium="99999.00", deleted=True)  # tombstone
    rows = {r["segment"]: r for r in dashboard.segment_totals()}
    assert (rows["key"]["customers"], rows["key"]["premium"]) == (2, "115000.50")
    assert (rows["floating"]["customers"], rows["quality"]["customers"]) == (1, 0)
    assert list(rows) == ["blacklist", "key", "quality", "standard", "prospect", "floating"]


def test_segment_flows_of_the_period(ctx):
    a, b, c = make_customer(), make_customer(), make_customer()
    for customer, premium in ((a, "0.00"), (b, "0.00")):
        SegmentChange.create(customer=customer, from_segment="floating", to_segment="prospect",
                             flow="mining", changed_on=D(2025, 2, 1), annual_premium=premium)
    SegmentChange.create(customer=c, from_segment="standard", to_segment="blacklist",
                         flow="stripping", changed_on=D(2025, 3, 31), annual_premium="800.00")
    SegmentChange.create(customer=c, from_segment="prospect", to_segment="standard",
                         flow="growth", changed_on=D(2025, 4, 1))  # after the period
    SegmentChange.create(customer=c, from_segment=None, to_segment="prospect",
                         changed_on=D(2025, 1, 5))  # a first classification is no flow
    assert dashboard.segment_flows(*Q1) == [
        {"from": "floating", "to": "prospect", "flow": "mining", "customers": 2,
         "premium": "0.00"},
        {"from": "standard", "to": "blacklist", "flow": "stripping", "customers": 1,
         "premium": "800.00"},
    ]


def test_conversion_funnel(ctx):
    # floating or prospect at the start: p1 p2 p3 p4 (s is standard: not in the funnel)
    p1, p2, p3 = make_customer(), make_customer(), make_customer(segment="prospect")
    p4 = make_customer(segment="standard")
    SegmentChange.create(customer=p4, from_segment="prospect", to_segment="standard",
                         changed_on=D(2025, 3, 1))  # converted in the period
    s = make_customer(segment="standard")
    # contacted in Q1: p1 (twice), p2, p4 and s; showed intent: p2 (quoted), p4 (interested)
    for customer, outcome, on in ((p1, "none", D(2025, 1, 3)), (p1, "not_interested",
                                  D(2025, 2, 3)), (p2, "quoted", D(2025, 2, 4)),
                                  (p4, "interested", D(2025, 1, 20)), (s, "quoted", D(2025, 2, 2)),
                                  (p3, "interested", D(2024, 12, 31))):  # p3: before Q1
        Activity.create(customer=customer, outcome=outcome, date=on)
    assert dashboard.funnel(*Q1) == {"pool": 4, "contacted": 3, "intent": 2, "converted": 1}
    assert dashboard.kpi.conversion(*Q1) == dashboard.kpi.Ratio(1, 4)  # the funnel's ends


def test_loss_ratio_by_segment(ctx):
    key = make_customer(segment="key")
    first = make_policy(key, start=D(2025, 1, 10), premium="10000.00")
    make_policy(key, start=D(2024, 12, 31), premium="5000.00")  # written before Q1
    make_policy(key, start=D(2025, 2, 1), premium="9999.00", cancelled=True)
    make_policy(key, start=D(2025, 2, 1), premium="7777.00", insurer="人保")
    make_claim(first, loss_date=D(2025, 2, 1), paid="3000.00", reserve="1500.00")
    make_claim(first, loss_date=D(2025, 3, 1), paid="9000.00", status="declined")
    make_claim(first, loss_date=D(2025, 4, 1), paid="9000.00")  # after Q1
    rows = {r["segment"]: r for r in dashboard.loss_ratio_by_segment(*Q1)}
    # incurred 3000 + 1500 = 4500 on premium written 10000
    assert rows["key"] == {"segment": "key", "incurred": "4500.00", "premium": "10000.00",
                           "ratio": "0.4500"}
    assert rows["quality"]["ratio"] is None


def test_blacklist_quota_per_unit(ctx):
    Branch.create(code="JX02", name="嘉兴秀洲支公司")
    for unit, on in (("嘉兴南湖支公司", D(2025, 3, 1)), ("嘉兴南湖支公司", D(2025, 6, 1)),
                     ("嘉兴南湖支公司", D(2024, 12, 31)), ("理赔中心", D(2025, 1, 1))):
        BlacklistEntry.create(name="x", reason="fraud", unit=unit, reported_on=on)
    assert dashboard.blacklist_quota(2025) == [
        {"unit": "嘉兴南湖支公司", "reported": 2, "quota": 5},
        {"unit": "嘉兴秀洲支公司", "reported": 0, "quota": 5},
        {"unit": "理赔中心", "reported": 1, "quota": 5},
    ]
