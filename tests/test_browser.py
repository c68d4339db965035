"""The app in a real browser: Chinese pages, htmx loaded from this machine, nothing external."""

from tests.conftest import browser_login


def test_login_and_start_page_in_chinese_with_no_request_leaving_the_machine(page, live_server):
    browser_login(page)
    assert "客户细分" in page.locator("h2").all_inner_texts()
    assert page.evaluate("typeof htmx") == "object"  # vendored htmx loaded
    assert all(url.startswith(live_server) for url in page.requested_urls), page.requested_urls


def test_switch_to_english_and_back(page):
    browser_login(page)
    with page.expect_navigation():
        page.click("button[name=lang][value=en]")
    assert "Customers by segment" in page.locator("h2").all_inner_texts()
    with page.expect_navigation():
        page.click("button[name=lang][value=zh]")
    assert "客户细分" in page.locator("h2").all_inner_texts()
