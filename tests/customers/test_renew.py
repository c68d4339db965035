"""Renewing a policy starts from the policy: its product, channel, vehicle and premium, a year
of cover from the day after it ends, and the link to it; the 360 page and the renewal list offer
it for a policy that ends near today and is not renewed yet. And a new account manager's day,
in the browser: a task leads to the customer, a call is logged, the policy renewed, the list
for the manager downloaded."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from inscrm.customers import records
from inscrm.models import Activity, Policy, Task, Vehicle
from tests.conftest import browser_login
from tests.helpers import csrf_token, login, make_customer, make_policy, make_user

TODAY = dt.date.today()


def test_the_renewal_form_continues_the_policy_for_a_year():
    policy = Policy(id=7, product="商业车险", channel="agency", premium=Decimal("3210.50"),
                    sum_insured=None, start_date=dt.date(2023, 3, 1),
                    end_date=dt.date(2024, 2, 28), vehicle=Vehicle(id=3))
    assert records.renewal_form(policy) == {
        "product": "商业车险", "channel": "agency", "premium": "3210.50", "sum_insured": "",
        "start_date": "2024-02-29", "end_date": "2025-02-28", "renewal_of": "7",
        "vehicle": "3"}


def test_a_policy_is_renewable_near_its_end_until_it_is_renewed():
    def policy(end, cancelled=False):
        return Policy(end_date=TODAY + dt.timedelta(days=end), cancelled=cancelled)

    assert records.renewable(policy(30), False, TODAY)
    assert records.renewable(policy(-90), False, TODAY)
    assert not records.renewable(policy(30), True, TODAY)  # renewed already
    assert not records.renewable(policy(30, cancelled=True), False, TODAY)
    assert not records.renewable(policy(91), False, TODAY)
    assert not records.renewable(policy(-91), False, TODAY)


@pytest.fixture
def desk(app):
    """An account manager with a customer whose car policy ends in 20 days, a call to make
    about it today, and a colleague's customer with a policy of the same age."""
    with app.app_context():
        wang = make_user("wang", name="王经理")
        make_user("ana", role="analyst")
        make_user("boss", role="manager", name="刘经理")
        customer = make_customer(name="周续保", manager=wang)
        car = Vehicle.create(customer=customer, plate="浙F12345")
        policy = make_policy(customer, start=TODAY - dt.timedelta(days=344), premium="4500.00",
                             product="商业车险", vehicle=car)
        Task.create(assignee=wang, customer=customer, kind="follow_up", title="续保提醒",
                    due_date=TODAY)
        other = make_customer(name="别人的", manager=make_user("li"))
        theirs = make_policy(other, start=TODAY - dt.timedelta(days=344))
        return {"customer": customer, "policy": policy, "car": car, "theirs": theirs}


def test_the_form_starts_from_the_policy_and_saves_the_renewal(client, desk):
    login(client, "wang", "password-1")
    customer, policy = desk["customer"], desk["policy"]
    page = client.get(f"/customers/{customer.id}/policies").get_data(as_text=True)
    renew_url = f"/customers/{customer.id}/policy/new?renew={policy.id}"
    assert renew_url.replace("&", "&amp;") in page
    form = client.get(renew_url).get_data(as_text=True)
    start = policy.end_date + dt.timedelta(days=1)
    assert f'value="{start.isoformat()}"' in form
    assert f'value="{records.year_of_cover(start).isoformat()}"' in form
    assert f'<option value="{policy.id}" selected>' in form
    assert f'<option value="{desk["car"].id}" selected>' in form
    data = dict(records.renewal_form(policy), policy_no="PRENEW0001")
    headers = {"X-CSRFToken": csrf_token(client, "/")}
    response = client.post(f"/customers/{customer.id}/policy/new", data=data, headers=headers)
    assert response.status_code in (302, 303)
    with client.application.app_context():
        renewal = Policy.get(Policy.policy_no == "PRENEW0001")
        assert renewal.renewal_of_id == policy.id and renewal.premium == Decimal("4500.00")
        assert renewal.vehicle_id == desk["car"].id and renewal.start_date == start
    page = client.get(f"/customers/{customer.id}/policies").get_data(as_text=True)
    assert renew_url.replace("&", "&amp;") not in page  # renewed: no longer offered


def test_renewing_is_for_writers_of_their_own_customers(client, desk):
    login(client, "wang", "password-1")
    theirs = desk["theirs"]
    assert client.get(f"/customers/{theirs.customer_id}/policy/new?renew={theirs.id}"
                      ).status_code == 403
    mine = desk["customer"].id
    assert client.get(f"/customers/{mine}/policy/new?renew={theirs.id}").status_code == 404
    assert client.get(f"/customers/{mine}/policy/new?renew=x").status_code == 404
    analyst = client.application.test_client()
    login(analyst, "ana", "password-1")
    assert "?renew=" not in analyst.get(f"/customers/{mine}/policies").get_data(as_text=True)
    assert "?renew=" not in analyst.get("/reports/renewals").get_data(as_text=True)


def test_a_new_account_manager_s_day_in_the_browser(app, page, desk):
    customer, policy = desk["customer"], desk["policy"]
    browser_login(page, "wang", "password-1")
    page.click("nav.mainnav >> text=我的工作")
    page.locator("tr.task a", has_text="周续保").first.click()
    page.wait_for_selector("#section-activities form")
    assert page.locator("h1").first.inner_text() == "周续保"

    # the call about the renewal
    page.select_option("#section-activities select[name=kind]", "call")
    page.fill("#section-activities textarea[name=notes]", "客户同意续保")
    page.click("#section-activities button.primary")
    page.wait_for_selector("#section-activities .timeline li:has-text('客户同意续保')")

    # the renewal, from the policy itself: only the new number to type
    page.locator("#section-policies a.renew").click()
    page.wait_for_selector("#policy-form")
    start = policy.end_date + dt.timedelta(days=1)
    assert page.input_value("input[name=start_date]") == start.isoformat()
    assert page.input_value("input[name=premium]") == "4500.00"
    page.fill("input[name=policy_no]", "PDAA2026RENEW")
    page.click("#policy-form button.primary")
    page.wait_for_selector("#section-policies tr:has-text('PDAA2026RENEW')")
    assert page.locator("#section-policies a.renew").count() == 0

    # the list for the manager: the renewal shows as renewed, and downloads
    page.click("nav.mainnav >> text=续保")
    page.wait_for_selector("#renewals")
    row = page.locator("tr.renewal", has_text="周续保")
    assert "已续保" in row.inner_text()
    with page.expect_download() as download:
        page.click("text=Excel")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert any("周续保" in str(cell) for row in sheet.iter_rows(values_only=True)
               for cell in row)
    with app.app_context():
        assert Activity.select().where(Activity.customer == customer.id).count() == 1
        assert Policy.get(Policy.policy_no == "PDAA2026RENEW").renewal_of_id == policy.id
    assert all(u.startswith("http://127.0.0.1") for u in page.requested_urls)
