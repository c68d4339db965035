"""One date input in real Chromium: the policy and claim forms use the browser's date input like
every other page, the end date follows the start, and the 360 page shows the dates as typed."""

import pytest

from tests.conftest import browser_login
from tests.helpers import make_customer, make_policy


@pytest.fixture
def customer_id(app):
    with app.app_context():
        customer = make_customer(name="林美华", phone="13957300001")
        make_policy(customer, policy_no="PDAA2025000001")
        return customer.id


def _date_fields(page, form):
    return page.eval_on_selector_all(
        f"{form} input", "els => els.filter(e => /date|_on$/.test(e.name))"
                         ".map(e => [e.name, e.type])")


def test_the_policy_and_claim_forms_take_dates_in_the_date_input(page, customer_id):
    browser_login(page)
    page.goto(f"/customers/{customer_id}")
    page.wait_for_selector("#section-activities form")
    assert _date_fields(page, "#section-activities form") == [
        ["date", "date"], ["next_action_date", "date"]]

    page.goto(f"/customers/{customer_id}/policy/new")
    page.wait_for_selector("#policy-form")
    assert _date_fields(page, "#policy-form") == [["start_date", "date"], ["end_date", "date"]]
    page.fill("input[name=policy_no]", "PDAA2025000002")
    page.fill("input[name=premium]", "1200")
    page.fill("input[name=start_date]", "2024-02-29")
    # a year of cover, typed in the date input: no 29 February in 2025, so 28 February
    assert page.input_value("input[name=end_date]") == "2025-02-28"
    page.fill("input[name=start_date]", "2025-03-01")
    assert page.input_value("input[name=end_date]") == "2026-02-28"
    page.click("#policy-form button.primary")
    page.wait_for_selector("#section-policies tr:has-text('PDAA2025000002')")
    row = page.locator("#section-policies tr:has-text('PDAA2025000002')").inner_text()
    assert "2025-03-01" in row and "2026-02-28" in row

    page.goto(f"/customers/{customer_id}/claim/new")
    page.wait_for_selector("form")
    fields = _date_fields(page, "main form")
    assert ["loss_date", "date"] in fields and ["report_date", "date"] in fields
