"""My work in real Chromium, as a new account manager meets it: the day's renewal task is there,
one click marks it done, another logs a visit; all by htmx, all from this machine."""

import datetime as dt

from inscrm.models import Activity, Task
from tests.conftest import browser_login
from tests.helpers import make_customer, make_policy, make_user

TODAY = dt.date.today()


def test_new_agent_works_the_days_tasks_by_htmx(app, page, live_server):
    with app.app_context():
        agent = make_user("xiao", name="小周", password="password-1")
        for name, days in (("周先生", 8), ("吴女士", 8)):  # both end in 7 days
            customer = make_customer(name=name, manager=agent, segment="standard",
                                     address="新丰镇竹林村8号")
            make_policy(customer, start=TODAY - dt.timedelta(days=365 - days), days=364)
    browser_login(page, "xiao", "password-1")
    page.click("nav.mainnav >> text=我的工作")
    page.wait_for_url("**/work/")
    page.wait_for_selector("tr.task")
    rows = page.locator("#section-overdue ~ table tr.task, #section-today ~ table tr.task")
    assert rows.count() == 2  # made on the first visit of the day: the 7-day renewal stage
    first = rows.nth(0)
    assert "续保" in first.inner_text()
    first.locator("button.primary", has_text="完成").click()
    page.wait_for_selector("tr.task.status-done")
    second = page.locator("tr.task.status-open").first
    second.locator("summary", has_text="记录联系").click()
    second.locator("select[name=kind]").select_option("visit")
    second.locator("select[name=outcome]").select_option("interested")
    second.locator("textarea[name=notes]").fill("客户考虑续保")
    second.locator("button", has_text="保存联系记录").click()
    page.wait_for_function("() => document.querySelectorAll('tr.task.status-done').length == 2")
    with app.app_context():
        assert {t.status for t in Task.select()} == {"done"}
        assert Activity.get().notes == "客户考虑续保"
    assert all(url.startswith(live_server) for url in page.requested_urls), page.requested_urls
