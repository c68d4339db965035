"""The 360 page's words match the facts: a policy signed to start tomorrow is not "never
insured", the header, policies and claims show one premium, a loss ratio reads the same
everywhere."""

import datetime as dt
from decimal import Decimal

from inscrm.formatting import loss_ratio
from inscrm.models import Customer
from inscrm.segments import engine
from inscrm.segments.reasons import describe
from tests.helpers import login, make_claim, make_customer, make_policy, make_user


def test_a_policy_starting_tomorrow_is_not_never_insured(ctx):
    today = dt.date.today()
    customer = make_customer()
    make_policy(customer, start=today + dt.timedelta(days=1), premium="2400.00")
    engine.classify_customer(customer.id, today)
    reason = Customer.get_by_id(customer.id).segment_reason
    words = describe(reason, lambda m: m)
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert words == f"No policy in force yet; our first policy starts {tomorrow}"
    assert "Never insured" not in words
    never = make_customer()
    engine.classify_customer(never.id, today)
    assert describe(Customer.get_by_id(never.id).segment_reason,
                    lambda m: m) == "Never insured with us"


def test_loss_ratios_read_with_one_decimal_rounded_up():
    assert loss_ratio(Decimal("1.5001")) == "150.1%"
    assert loss_ratio(Decimal("1.5")) == "150.0%"
    assert loss_ratio(Decimal("0.1875")) == "18.8%"
    assert loss_ratio(Decimal("0.3")) == "30.0%"
    assert loss_ratio(Decimal("1.00001")) == "100.1%"
    assert loss_ratio(None) == "—"


def _premiums(page):
    """The texts of every our-premium figure on a page."""
    parts = page.split('our-premium">')[1:]
    return [part.split("<", 1)[0] for part in parts]


def test_header_policies_and_claims_show_one_premium(client, app):
    today = dt.date.today()
    with app.app_context():
        wang = make_user("wang")
        customer = make_customer(manager=wang)
        started = make_policy(customer, start=today - dt.timedelta(days=100), premium="3000.00")
        make_policy(customer, start=today + dt.timedelta(days=1), premium="5000.00")
        make_policy(customer, start=today - dt.timedelta(days=50), premium="700.00",
                    cancelled=True)
        make_claim(started, loss_date=today - dt.timedelta(days=10), paid="1000.00")
        engine.classify_customer(customer.id, today)
        cid = customer.id
    login(client, "wang", "password-1")
    seen = []
    for path in (f"/customers/{cid}", f"/customers/{cid}/policies", f"/customers/{cid}/claims"):
        page = client.get(path).get_data(as_text=True)
        seen += _premiums(page)
    assert seen == ["¥3,000.00"] * 3, seen
    policies = client.get(f"/customers/{cid}/policies").get_data(as_text=True)
    assert "起保" in policies  # the policy signed for tomorrow says when it starts
    claims = client.get(f"/customers/{cid}/claims").get_data(as_text=True)
    assert "33.4%" in claims  # 1,000 / 3,000 rounded up
