"""HQ in a real browser: the network search as you type, the comparison's charts drawn from
the vendored ECharts with nothing fetched from elsewhere, and a rule draft whose page shows the
simulated matrices when the simulation is done."""

import pytest

from tests.conftest import browser_login
from tests.hq.hq_network import ANALYST_PASSWORD, hq_app


@pytest.fixture
def app(net):
    """HQ's app, which the shared `live_server` and `page` fixtures serve and browse."""
    return hq_app(net)


def test_hq_pages_in_the_browser(page, live_server):
    browser_login(page, "ana", ANALYST_PASSWORD)
    page.goto("/hq/customers")
    page.fill("input[name=q]", "张网络")
    page.wait_for_function(
        "() => document.querySelectorAll('#results tbody tr').length === 2")
    assert "第2支公司" in page.inner_text("#results")
    page.select_option("select[name=branch]", "B1")
    page.wait_for_function(
        "() => document.querySelectorAll('#results tbody tr').length === 1")

    page.goto("/hq/branches")
    page.wait_for_selector("#chart-customers svg")
    page.wait_for_selector("#chart-flows svg")

    page.goto("/hq/rules")
    page.fill("#rule-key_annual_premium", "20000")
    page.click("text=起草并模拟")
    page.wait_for_selector("#matrix-network", timeout=20_000)
    assert "第1支公司" in page.inner_text("#draft")
    assert all(url.startswith(live_server) for url in page.requested_urls)
