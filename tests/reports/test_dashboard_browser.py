"""The dashboard in real Chromium: every chart drawn by the vendored ECharts, nothing external."""

import datetime as dt

from inscrm.models import BlacklistEntry, SegmentChange
from tests.conftest import browser_login
from tests.helpers import make_claim, make_customer, make_policy

TODAY = dt.date.today()


def test_dashboard_draws_every_chart_with_no_request_leaving_the_machine(app, page, live_server):
    with app.app_context():
        customer = make_customer(segment="standard", annual_premium="2400.00")
        old = make_policy(customer, start=TODAY - dt.timedelta(days=380), premium="2400.00")
        new = make_policy(customer, start=old.end_date + dt.timedelta(days=1), renewal_of=old)
        make_claim(new, loss_date=TODAY, paid="300.00")
        BlacklistEntry.create(name="x", reason="fraud", unit="嘉兴南湖支公司", reported_on=TODAY)
        SegmentChange.create(customer=customer, from_segment="prospect", to_segment="standard",
                             flow="growth", changed_on=TODAY)
    browser_login(page)
    page.goto("/reports/?period=12m")
    page.wait_for_selector("#chart-blacklist svg")
    charts = page.locator("div.chart")
    assert charts.count() == 6
    for i in range(6):
        assert charts.nth(i).locator("svg").count() == 1, charts.nth(i).get_attribute("id")
    assert "业务增长" in page.locator("#chart-flows").inner_text()  # the flow's name on the band
    assert page.get_by_text("暂无数据").count() == 0
    assert page.locator(".chart-table table").count() == 6
    assert page.evaluate("typeof echarts") == "object"
    # choosing another period swaps the dashboard in by htmx and draws the new charts
    page.select_option("select[name=period]", "month")
    page.wait_for_url("**/reports/?period=month")
    page.wait_for_selector("#chart-segments[data-drawn] svg")
    assert page.locator("select[name=period]").input_value() == "month"
    assert all(url.startswith(live_server) for url in page.requested_urls), page.requested_urls


def test_an_empty_dashboard_says_so_in_the_browser(page):
    browser_login(page)
    page.goto("/reports/?period=12m")
    page.wait_for_load_state("networkidle")
    for chart_id in ("segments", "flows", "funnel", "loss", "blacklist"):
        box = page.locator(f"#chart-{chart_id}")
        assert box.inner_text() == "暂无数据" and box.locator("svg").count() == 0, chart_id
