"""A new user's first minutes, in real Chromium: search, open a customer, log a visit, add a
policy and see it on the 360 page, in Chinese and in English."""

import datetime as dt

import pytest

from tests.conftest import browser_login
from tests.helpers import make_customer


@pytest.fixture
def customers(app):
    with app.app_context():
        make_customer(name="林美华", phone="13957300001")
        make_customer(name="林志强", phone="13957300002")
        make_customer(name="王小二", phone="13957300003")


@pytest.mark.parametrize("lang, words", [
    ("zh", {"segment": "客户类别", "logged": "拜访", "policies": "保单", "in_force": "有效"}),
    ("en", {"segment": "Segment", "logged": "Visit", "policies": "Policies",
            "in_force": "In force"}),
])
def test_search_open_log_a_visit_add_a_policy(page, customers, lang, words):
    browser_login(page)
    if lang == "en":
        page.click("button[name=lang][value=en]")
        page.wait_for_load_state()
    page.click("nav.mainnav a[href='/customers']")
    page.wait_for_selector("#customer-search")
    assert page.locator("select[name=segment]").locator("..").inner_text().startswith(
        words["segment"])

    # search as you type: one character, no button
    assert page.locator("#results a:has-text('王小二')").count() == 1  # the whole list first
    page.fill("input[name=q]", "林")
    page.wait_for_function("() => !document.querySelector('#results').innerText.includes('王小二')")
    assert page.locator("#results a:has-text('林志强')").count() == 1
    assert "q=" in page.url  # the search is in the address bar
    page.fill("input[name=q]", "美华")
    page.wait_for_function("() => !document.querySelector('#results').innerText.includes('林志强')")
    page.click("#results a:has-text('林美华')")
    page.wait_for_selector("#section-activities form")
    assert page.locator("h1").first.inner_text() == "林美华"

    # log a visit with the quick form; the timeline updates in place
    today = dt.date.today()
    page.select_option("#section-activities select[name=kind]", "visit")
    page.select_option("#section-activities select[name=outcome]", "interested")
    page.fill("#section-activities input[name=next_action_date]",
              (today + dt.timedelta(days=7)).isoformat())
    page.fill("#section-activities textarea[name=notes]", f"上门拜访 {lang}")
    page.click("#section-activities button.primary")
    page.wait_for_selector(f"#section-activities .timeline li:has-text('上门拜访 {lang}')")
    entry = page.locator("#section-activities .timeline li").first.inner_text()
    assert words["logged"] in entry and today.isoformat() in entry

    # add a policy and find it, in force, on the 360 page
    page.click("#customer-header a[href$='/policy/new']")
    page.wait_for_selector("#policy-form")
    page.fill("input[name=policy_no]", f"PDAA{lang.upper()}0001")
    page.fill("input[name=product]", "商业车险")
    page.fill("input[name=premium]", "4,321.50")
    page.fill("input[name=start_date]", (today - dt.timedelta(days=10)).isoformat())
    page.fill("input[name=end_date]", (today + dt.timedelta(days=354)).isoformat())
    page.click("#policy-form button.primary")
    page.wait_for_selector(f"#section-policies tr.in-force:has-text('PDAA{lang.upper()}0001')")
    section = page.locator("#section-policies").inner_text()
    assert words["policies"] in section and words["in_force"] in section
    assert "¥4,321.50" in section
