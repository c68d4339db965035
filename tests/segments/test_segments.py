"""The segment rules at, below and above every threshold, and their order of precedence."""

import datetime as dt

import pytest

from inscrm.models import BlacklistEntry, Customer, SegmentChange
from inscrm.segments import engine, rules
from inscrm.segments.reasons import describe
from tests.helpers import make_claim, make_customer, make_policy

D = dt.date(2025, 6, 30)


def segment_of(customer, as_of=D):
    """Evaluate one customer, check a full run agrees, and return (segment, reason)."""
    engine.classify_customer(customer.id, as_of)
    one = Customer.get_by_id(customer.id)
    engine.classify_all(as_of)
    every = Customer.get_by_id(customer.id)
    assert (one.segment, one.segment_reason) == (every.segment, every.segment_reason)
    return every.segment, describe(every.segment_reason, lambda m: m)


def expect(customer, expected, hit, reason):
    """The customer is in `expected`; when that is `hit`, with exactly this reason."""
    segment, why = segment_of(customer)
    assert segment == expected
    if expected == hit:
        assert why == reason


def in_force(customer, premium="1000.00", start=dt.date(2025, 1, 1), **kw):
    return make_policy(customer, start=start, days=364, premium=premium, **kw)


@pytest.mark.parametrize("premium, expected", [("49999.99", "standard"), ("50000.00", "key")])
def test_annual_premium_threshold(ctx, premium, expected):
    customer = make_customer()
    in_force(customer, premium)
    expect(customer, expected, "key", "Annual premium ¥50,000.00 ≥ ¥50,000.00")


def test_annual_premium_adds_policies_that_started_within_365_days(ctx):
    customer = make_customer()
    in_force(customer, "30000.00", start=D - dt.timedelta(days=364))
    make_policy(customer, start=D - dt.timedelta(days=365), days=30, premium="90000.00")
    make_policy(customer, start=D, days=364, premium="20000.00")
    segment, reason = segment_of(customer)
    assert segment == "key"
    assert "¥50,000.00 ≥" in reason
    assert Customer.get_by_id(customer.id).annual_premium == 50000


@pytest.mark.parametrize("total, expected", [("499999.99", "floating"), ("500000.00", "key")])
def test_intermediary_channel_premium_threshold(ctx, total, expected):
    agency = make_customer(kind="corporate", intermediary_type="agency")
    first, second = make_customer(), make_customer()
    in_force(first, "400000.00", channel="agency", intermediary=agency)
    in_force(second, str(float(total) - 400000), channel="agency", intermediary=agency)
    expect(agency, expected, "key", "Intermediary channel premium ¥500,000.00 ≥ ¥500,000.00")


def test_channel_premium_counts_only_for_intermediaries(ctx):
    not_an_intermediary = make_customer()
    in_force(make_customer(), "600000.00", intermediary=not_an_intermediary)
    assert segment_of(not_an_intermediary)[0] == "floating"


@pytest.mark.parametrize("premium, expected", [("49999.99", "standard"), ("50000.00", "key")])
def test_tender_policy_in_force_threshold(ctx, premium, expected):
    customer = make_customer(kind="corporate")
    # started over a year ago, so it is not in the annual premium, but still in force
    make_policy(customer, start=D - dt.timedelta(days=400), days=730, premium=premium,
                channel="tender")
    segment, reason = segment_of(customer)
    assert segment == expected
    assert Customer.get_by_id(customer.id).annual_premium == 0
    if expected == "key":
        assert reason == "Tender policy in force, premium ¥50,000.00 ≥ ¥50,000.00"


def yearly_policies(customer, first_start, premium="1000.00"):
    """Back-to-back yearly policies from first_start until after D."""
    start, made = first_start, []
    while start <= D:
        made.append(make_policy(customer, start=start, days=364, premium=premium))
        start = start + dt.timedelta(days=365)
    return made


@pytest.mark.parametrize("first_start, expected, years", [
    (dt.date(2022, 6, 30), "quality", 3), (dt.date(2022, 7, 1), "standard", 2)])
def test_claim_free_years_threshold(ctx, first_start, expected, years):
    customer = make_customer()
    policy = make_policy(customer, start=first_start, days=3 * 366, premium="1000.00")
    make_claim(policy, loss_date=first_start - dt.timedelta(days=1), paid="900.00")  # before
    expect(customer, expected, "quality", f"{years} years without a claim (≥ 3)")


@pytest.mark.parametrize("loss, expected", [
    (dt.date(2022, 6, 30), "quality"), (dt.date(2022, 7, 1), "standard")])
def test_claim_free_years_count_from_the_latest_loss(ctx, loss, expected):
    customer = make_customer()
    policies = yearly_policies(customer, dt.date(2019, 1, 1))
    make_claim(policies[3], loss_date=loss, paid="99000.00")  # loss ratio far above 30%
    assert segment_of(customer)[0] == expected


@pytest.mark.parametrize("incurred, expected", [("3000.00", "quality"), ("3001.00", "standard")])
def test_cumulative_loss_ratio_threshold(ctx, incurred, expected):
    customer = make_customer()
    policies = yearly_policies(customer, dt.date(2021, 7, 1), premium="2000.00")
    assert len(policies) == 5  # ¥10,000.00 in all
    make_policy(customer, start=dt.date(2020, 1, 1), days=364, premium="2000.00", cancelled=True)
    make_claim(policies[-1], loss_date=D - dt.timedelta(days=10), paid="1000.00",
               reserve=str(float(incurred) - 1000))
    expect(customer, expected, "quality",
           "Insured 3 years (≥ 3), cumulative loss ratio 30.0% ≤ 30%")


def test_no_premium_is_never_quality_by_loss_ratio(ctx):
    customer = make_customer()
    make_policy(customer, start=dt.date(2021, 1, 1), days=365 * 5, premium="0.00")
    make_claim(Customer.get_by_id(customer.id).policies[0], loss_date=D, paid="0.00")
    assert segment_of(customer)[0] == "standard"


@pytest.mark.parametrize("claims, total, expected", [
    (3, "1500.00", "standard"),  # 150.00%: not over
    (3, "1500.10", "blacklist"),  # 150.01%
    (2, "9000.00", "standard"),  # two claims only
])
def test_claims_in_twelve_months_and_loss_ratio(ctx, claims, total, expected):
    customer = make_customer()
    policy = in_force(customer, "1000.00")
    amounts = [float(total) / claims] * claims
    amounts[-1] = float(total) - sum(amounts[:-1])
    for i, amount in enumerate(amounts):
        make_claim(policy, loss_date=dt.date(2025, 2, 1 + i), paid=f"{amount:.2f}")
    expect(customer, expected, "blacklist",
           "3 claims in the last 12 months, loss ratio 150.1% > 150%")


def test_declined_and_withdrawn_claims_count_nothing(ctx):
    customer = make_customer()
    policy = in_force(customer, "1000.00")
    make_claim(policy, loss_date=dt.date(2025, 2, 1), paid="5000.00")
    make_claim(policy, loss_date=dt.date(2025, 2, 2), paid="5000.00")
    make_claim(policy, loss_date=dt.date(2025, 2, 3), reserve="5000.00", status="declined")
    make_claim(policy, loss_date=dt.date(2025, 2, 4), reserve="5000.00", status="withdrawn")
    assert segment_of(customer)[0] == "standard"


@pytest.mark.parametrize("gap_days, expected", [(30, "quality"), (31, "standard")])
def test_coverage_gap_threshold(ctx, gap_days, expected):
    customer = make_customer()
    first = make_policy(customer, start=dt.date(2021, 7, 15), days=364)
    make_policy(customer, start=first.end_date + dt.timedelta(days=gap_days), days=1300)
    assert segment_of(customer)[0] == expected


def test_a_cancelled_policy_is_not_in_force_and_counts_no_premium(ctx):
    customer = make_customer()
    in_force(customer, "90000.00", cancelled=True)
    segment, reason = segment_of(customer)
    assert segment == "prospect"
    assert reason == "No policy in force; our latest policy started 2025-01-01"
    assert Customer.get_by_id(customer.id).annual_premium == 0


def test_a_competitors_policy_counts_for_nothing(ctx):
    customer = make_customer()
    in_force(customer, "90000.00", insurer="人保财险")
    assert segment_of(customer) == ("floating", "Never insured with us")


def test_an_intent_within_365_days_makes_a_prospect(ctx):
    from inscrm.models import Activity

    customer = make_customer()
    Activity.create(customer=customer, outcome="quoted", date=D - dt.timedelta(days=364))
    assert segment_of(customer) == ("prospect", "Interest or quote recorded on 2024-07-01")
    assert segment_of(customer, D + dt.timedelta(days=1))[0] == "floating"


def test_bad_credit_is_never_quality(ctx):
    customer = make_customer(credit="bad")
    make_policy(customer, start=dt.date(2020, 1, 1), days=365 * 6)
    assert segment_of(customer)[0] == "standard"


def test_key_designation_needs_a_policy_in_force(ctx):
    customer = make_customer(key_designation="social_standing", key_reason="人大代表")
    assert segment_of(customer)[0] == "floating"
    in_force(customer)
    assert segment_of(customer) == ("key", "Key customer by designation: social standing")


def test_blacklist_entry_beats_everything_and_counts_until_lifted(ctx):
    customer = make_customer()
    in_force(customer, "80000.00")
    entry = BlacklistEntry.create(customer=customer, reason="fraud", unit="南湖营业部",
                                  reported_on=dt.date(2025, 3, 1))
    assert segment_of(customer) == (
        "blacklist", "Blacklisted for fraud tendency (reported 2025-03-01, 南湖营业部)")
    assert segment_of(customer, dt.date(2025, 2, 28))[0] == "key"  # reported later
    BlacklistEntry.update(active=False, lifted_on=dt.date(2025, 7, 1)).where(
        BlacklistEntry.id == entry.id).execute()
    assert segment_of(customer)[0] == "blacklist"  # still active on D
    assert segment_of(customer, dt.date(2025, 7, 1))[0] == "key"


def test_blacklist_entry_shared_by_id_number(ctx):
    customer = make_customer()
    BlacklistEntry.create(id_number=customer.id_number, name="别处客户", reason="catastrophe",
                          unit="海盐支公司", reported_on=dt.date(2025, 1, 5))
    assert segment_of(customer)[0] == "blacklist"


@pytest.mark.parametrize("until, expected", [(D, "standard"), (D - dt.timedelta(days=1),
                                                                 "blacklist")])
def test_exemption_from_the_claims_rule_until_a_date(ctx, until, expected):
    customer = make_customer(exempt_until=until, exempt_reason="大客户协商")
    policy = in_force(customer, "1000.00")
    for day in (1, 2, 3):
        make_claim(policy, loss_date=dt.date(2025, 3, day), paid="1000.00")
    assert segment_of(customer)[0] == expected


def test_key_wins_over_quality(ctx):
    customer = make_customer()
    yearly_policies(customer, dt.date(2019, 1, 1), premium="60000.00")
    assert segment_of(customer)[0] == "key"


def test_thresholds_come_from_the_rule_settings(ctx):
    customer = make_customer()
    in_force(customer, "20000.00")
    assert segment_of(customer)[0] == "standard"
    rules.save({"key_annual_premium": "20000.00"})
    segment, reason = segment_of(customer)
    assert (segment, reason) == ("key", "Annual premium ¥20,000.00 ≥ ¥20,000.00")


def test_history_records_each_change_with_its_flow(ctx):
    customer = make_customer()
    engine.classify_all(dt.date(2024, 12, 31))
    in_force(customer, "1000.00")
    engine.classify_all(D)
    in_force(customer, "60000.00", start=dt.date(2025, 6, 1))
    engine.classify_all(D)
    engine.classify_all(dt.date(2026, 7, 1))
    changes = [(c.from_segment, c.to_segment, c.flow, c.changed_on.isoformat())
               for c in SegmentChange.select().where(SegmentChange.customer == customer)
               .order_by(SegmentChange.id)]
    assert changes == [
        (None, "floating", None, "2024-12-31"),
        ("floating", "standard", "growth", "2025-06-30"),
        ("standard", "key", "value_growth", "2025-06-30"),
        ("key", "prospect", "churn", "2026-07-01"),
    ]


def test_an_unchanged_customer_is_not_written_again(ctx):
    customer = make_customer()
    in_force(customer)
    assert engine.classify_all(D)[1] >= 1
    before = Customer.get_by_id(customer.id).seq
    assert engine.classify_all(D)[1] == 0
    assert Customer.get_by_id(customer.id).seq == before


def test_reclassify_evaluates_today(ctx):
    customer = make_customer()
    in_force(customer, start=dt.date.today())
    engine.reclassify(customer.id)
    row = Customer.get_by_id(customer.id)
    assert (row.segment, row.segment_date) == ("standard", dt.date.today())


def test_a_declined_claim_does_not_end_the_claim_free_years(ctx):
    customer = make_customer()
    policy = make_policy(customer, start=dt.date(2020, 6, 1), days=365 * 6)
    make_claim(policy, loss_date=D - dt.timedelta(days=30), reserve="9000.00", status="declined")
    assert segment_of(customer) == ("quality", "5 years without a claim (≥ 3)")


def test_a_run_stamps_its_writes_once_and_keeps_each_rows_owner(ctx):
    from inscrm.models import SyncClock

    ours, theirs = make_customer(), make_customer(origin="JX02")
    in_force(ours)
    before = SyncClock.get().seq
    engine.classify_all(D)
    rows = [Customer.get_by_id(c.id) for c in (ours, theirs)]
    assert {r.seq for r in rows} == {before + 1} == {
        c.seq for c in SegmentChange.select().where(SegmentChange.changed_on == D)}
    assert [r.origin for r in rows] == ["JX01", "JX02"]
    assert SyncClock.get().seq == before + 1  # no trigger stamped row by row


def test_deciding_again_on_kept_figures_is_evaluating_afresh(ctx):
    """A rule simulation decides twice on one set of figures: the same as evaluating anew."""
    from inscrm.models import db

    customer = make_customer()
    make_policy(customer, start=dt.date.today() - dt.timedelta(days=20), premium="30000.00")
    values = {**rules.current(), "key_annual_premium": "20000.00"}
    table = engine.EVALUATED
    with db.atomic():
        engine.evaluate(dt.date.today())
        engine.decide_again(dt.date.today(), values)
        again = sorted(table.select(table.id, table.segment, table.reason).tuples())
        engine.evaluate(dt.date.today(), values)
        afresh = sorted(table.select(table.id, table.segment, table.reason).tuples())
        engine.drop_evaluation()
    assert again == afresh and ("key" in {segment for _, segment, _ in again})
