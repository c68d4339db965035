"""The home page starts the day: my overdue and today's tasks, renewals in the next 30 days, the
search box, the customers opened last, the last sync; the navigation marks where you are."""

import datetime as dt

from inscrm.models import PeerState, Site, Task
from tests.conftest import browser_login
from tests.helpers import login, make_customer, make_policy, make_user

TODAY = dt.date.today()


def _desk(app):
    with app.app_context():
        wang = make_user("wang", name="王经理")
        li = make_user("li", name="李经理")
        late = make_customer(name="甲逾期", manager=wang, segment="standard")
        now = make_customer(name="乙今天", manager=wang, segment="key")
        renew = make_customer(name="丙续保", manager=wang, segment="standard")
        theirs = make_customer(name="丁别人", manager=li, segment="standard")
        Task.create(assignee=wang, customer=late, kind="follow_up", title="回访甲",
                    due_date=TODAY - dt.timedelta(days=3))
        Task.create(assignee=wang, customer=now, kind="service", title="拜访乙", due_date=TODAY)
        Task.create(assignee=li, customer=theirs, kind="follow_up", title="回访丁",
                    due_date=TODAY - dt.timedelta(days=1))
        make_policy(renew, start=TODAY - dt.timedelta(days=355), days=365, premium="4200.00")
        make_policy(theirs, start=TODAY - dt.timedelta(days=355), days=365, premium="900.00")
        return {"late": late.id, "renew": renew.id}


def _section(page, name):
    start = page.index(f'id="home-{name}"')
    return page[start:page.index("</section>", start)]


def test_an_account_manager_sees_the_day(client, app):
    ids = _desk(app)
    login(client, "wang", "password-1")
    page = client.get("/").get_data(as_text=True)
    overdue = _section(page, "overdue")
    assert "甲逾期" in overdue and "回访甲" in overdue and "乙今天" not in overdue
    assert f'href="/customers/{ids["late"]}' in overdue
    assert "拜访乙" in _section(page, "today")
    renewals = _section(page, "renewals")
    assert "丙续保" in renewals and "¥4,200.00" in renewals and "丁别人" not in renewals
    assert "丁" not in overdue
    assert 'id="home-search"' in page and 'name="q"' in page
    assert "您打开过的客户会显示在这里" in _section(page, "recent")
    # opening a 360 page puts the customer first among those opened recently
    client.get(f"/customers/{ids['renew']}")
    client.get(f"/customers/{ids['late']}")
    recent = _section(client.get("/").get_data(as_text=True), "recent")
    assert recent.index("甲逾期") < recent.index("丙续保")
    assert 'rel="icon"' in page
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_a_manager_keeps_the_segment_counts(client, app):
    _desk(app)
    with app.app_context():
        make_user("boss", role="manager")
    login(client, "boss", "password-1")
    page = client.get("/").get_data(as_text=True)
    assert "客户细分" in page
    assert "丁别人" in _section(page, "renewals")  # a manager sees the branch's renewals
    assert 'id="home-overdue"' in page


def test_a_day_from_the_home_page_in_the_browser(app, page):
    ids = _desk(app)
    browser_login(page, "wang", "password-1")
    page.goto("/")
    nav = page.locator("nav.mainnav")
    assert nav.locator("a[aria-current=page]").inner_text() == "首页"
    with page.expect_navigation():
        page.locator("#home-overdue").get_by_role("link", name="甲逾期").click()
    assert f"/customers/{ids['late']}" in page.url
    assert nav.locator("a[aria-current=page]").inner_text() == "客户"
    with page.expect_navigation():
        nav.get_by_role("link", name="我的工作").click()
    assert nav.locator("a[aria-current=page]").inner_text() == "我的工作"
    with page.expect_navigation():
        nav.get_by_role("link", name="首页").click()
    recent = page.locator("#home-recent")
    with page.expect_navigation():
        recent.get_by_role("link", name="甲逾期").click()
    assert f"/customers/{ids['late']}" in page.url
    page.goto("/")
    page.fill("#home-search input[name=q]", "丙续保")
    with page.expect_navigation():
        page.press("#home-search input[name=q]", "Enter")
    assert "/customers?q=" in page.url
    assert page.get_by_role("link", name="丙续保").count() >= 1
    assert all(u.startswith("http://127.0.0.1") for u in page.requested_urls)  # all offline


def test_a_joined_branch_shows_when_it_last_synced(client, app):
    _desk(app)
    login(client, "wang", "password-1")
    assert 'id="home-synced"' not in client.get("/").get_data(as_text=True)  # standalone
    with app.app_context():
        Site.create(code="HQ", name="嘉兴中心支公司", is_hq=True)
    assert "尚未与嘉兴中心支公司同步" in client.get("/").get_data(as_text=True)
    with app.app_context():
        PeerState.create(site="HQ", last_import_at=dt.datetime(2026, 5, 1, 9, 30),
                         last_export_at=dt.datetime(2026, 5, 2, 16, 5))
    synced = _section_p(client.get("/").get_data(as_text=True))
    assert "上次与嘉兴中心支公司同步" in synced and "2026-05-02 16:05" in synced


def _section_p(page):
    start = page.index('id="home-synced"')
    return page[start:page.index("</p>", start)]


def test_the_start_page_counts_customers_by_segment_from_an_index_alone(app):
    """Everyone's start page counts the customers by segment: on 150,000 customers that read
    every row (140 ms of the 450 ms page) until an index of the live customers' segments
    answered it alone."""
    from inscrm.db import engines
    from inscrm.models import User, db
    from inscrm.views import home
    from tests.customers.test_search import _plan

    with app.app_context():
        for n in range(200):
            make_customer(name=f"客户{n}", segment=("standard", "key")[n % 2])
        db.execute_sql("ANALYZE customer")
        engines.tidy_after_load()  # PostgreSQL: its visibility map, as after an import
        admin = User.get(User.username == "admin")
        assert dict(home.by_segment(admin).tuples()) == {"standard": 100, "key": 100}
        if engines.is_postgres():
            db.execute_sql("SET enable_seqscan = off")  # as on a large table
            db.execute_sql("SET enable_bitmapscan = off")
            try:
                plan = _plan(home.by_segment(admin))
            finally:
                db.execute_sql("RESET enable_seqscan")
                db.execute_sql("RESET enable_bitmapscan")
            assert '"Index Only Scan"' in plan and "customer_live_segment" in plan, plan
        else:
            assert "COVERING INDEX customer_live_segment" in _plan(home.by_segment(admin))
