"""Every customer name is a link to the 360 page, and the 360 page leads back only to a page of
this app: where the user came from, never another site."""

import datetime as dt
import re

import pytest

from inscrm.models import Activity, BlacklistEntry, Task
from inscrm.work import service_plans
from tests.conftest import browser_login
from tests.helpers import login, make_customer, make_policy, make_township, make_user

TODAY = dt.date.today()


def link_to(customer, body):
    """The 360 links of `customer` in a page, with their `next`."""
    return re.findall(rf'href="/customers/{customer.id}(\?next=[^"]*)?"', body)


@pytest.fixture
def office(app):
    """One customer that every list of the branch shows: a task, an expiring policy, a
    birthday, a blacklist entry, an overdue service plan, the floating pool."""
    with app.app_context():
        agent = make_user("am", name="张经理", role="agent")
        town = make_township(name="新丰镇", manager=None)
        soon = TODAY + dt.timedelta(days=10)
        star = make_customer(name="钱多多", manager=agent, segment="key",
                             birth_date=dt.date(1980, soon.month, min(soon.day, 28)))
        make_policy(star, start=TODAY - dt.timedelta(days=355), days=364)
        Task.create(assignee=agent, customer=star, kind="follow_up", title="回访",
                    due_date=TODAY)
        service_plans.generate_service_tasks(TODAY)
        listed = make_customer(name="黑名单某", segment="blacklist")
        BlacklistEntry.create(customer=listed, reason="fraud", unit="理赔部",
                              reported_on=TODAY)
        floating = make_customer(name="游离某", segment="floating", township=town,
                                 source="canvass")
        return {"agent": agent, "star": star, "listed": listed, "floating": floating,
                "town": town}


def test_names_link_to_the_360_page_on_every_list(client, office):
    login(client)
    star = office["star"]
    pages = {
        "/work/team": star, f"/work/visits?user={office['agent'].id}": star,
        f"/reports/renewals?first={TODAY}&last={TODAY + dt.timedelta(days=30)}": star,
        "/care": star, "/blacklist/": office["listed"], "/reports/service": star,
        f"/territories/pool/list?town={office['town'].id}&source=canvass": office["floating"],
        f"/quote?q={star.id_number}": star, "/customers?q=钱多多": star,
    }
    for path, customer in pages.items():
        body = client.get(path).get_data(as_text=True)
        assert link_to(customer, body), f"{path} does not link {customer.name}"


def test_my_work_links_and_the_360_page_leads_back(client, office):
    login(client, "am", "password-1")
    body = client.get("/work/").get_data(as_text=True)
    (query,) = set(link_to(office["star"], body))
    assert query == "?next=/work/"
    page = client.get(f"/customers/{office['star'].id}{query}").get_data(as_text=True)
    assert 'id="back-link"' in page and 'href="/work/"' in page


def test_rows_loaded_by_htmx_link_back_to_the_page_not_the_fragment(client, office):
    login(client, "am", "password-1")
    body = client.get("/work/section/today", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/work/?kind=follow_up",
    }).get_data(as_text=True)
    assert set(link_to(office["star"], body)) == {"?next=/work/?kind%3Dfollow_up"}


def test_the_quote_check_keeps_the_typed_id_number_out_of_its_links(client, office):
    login(client)
    star = office["star"]
    body = client.get("/quote", query_string={"q": star.id_number}).get_data(as_text=True)
    result = body[body.index('<section id="quote-result"'):]
    assert link_to(star, result) == ["?next=/quote"]
    assert star.id_number not in result


def test_the_quote_check_neither_names_nor_links_another_agents_customer(client, office, app):
    with app.app_context():
        make_user("other", role="agent")
    login(client, "other", "password-1")
    body = client.get("/quote", query_string={"q": office["star"].id_number}).get_data(
        as_text=True)
    assert "钱多多" not in body and not link_to(office["star"], body)


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
    "evil.example", "/work/\r\nSet-Cookie:x=1",
])
def test_the_way_back_never_leaves_the_app(client, office, target):
    login(client)
    page = client.get(f"/customers/{office['star'].id}", query_string={"next": target})
    assert page.status_code == 200
    assert 'id="back-link"' not in page.get_data(as_text=True)


def test_the_way_back_follows_a_referer_of_this_app_only(client, office):
    login(client)
    url = f"/customers/{office['star'].id}"
    mine = client.get(url, headers={"Referer": "http://localhost/care?from=2025-01-01"})
    assert 'href="/care?from=2025-01-01"' in mine.get_data(as_text=True)
    theirs = client.get(url, headers={"Referer": "http://evil.example/care"})
    assert 'id="back-link"' not in theirs.get_data(as_text=True)
    itself = client.get(url, headers={"Referer": f"http://localhost{url}/edit"})
    assert 'id="back-link"' not in itself.get_data(as_text=True)


def test_from_a_task_to_the_customer_and_back_in_the_browser(app, page, office):
    browser_login(page, "am", "password-1")
    page.goto("/work/")
    page.locator("tr.task a", has_text="钱多多").first.click()
    page.wait_for_url(lambda url: f"/customers/{office['star'].id}?next=" in url)
    page.wait_for_selector("#section-activities table, #section-activities form")
    assert page.locator("h1").first.inner_text() == "钱多多"
    page.click("#back-link")
    page.wait_for_url("**/work/")
    assert page.locator("h1").first.inner_text().startswith("我的工作")
    with app.app_context():
        assert Activity.select().count() == 0  # looking changes nothing
