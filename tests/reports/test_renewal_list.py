"""The renewal list looks ahead: the next 30/60/90 days and next month; its header figures are
the sums of its rows whatever the filters; the premium at risk opens its policies; it filters
by account manager and downloads as a file staff read."""

import datetime as dt
import io
import itertools
from decimal import Decimal

import openpyxl
import pytest

from inscrm.models import Customer
from inscrm.reports import kpi
from inscrm.work import renewals
from tests.conftest import browser_login
from tests.helpers import login, make_customer, make_policy, make_township, make_user
from tests.reports.test_export import download

D = dt.date
TODAY = dt.date.today()


def day(offset):
    return TODAY + dt.timedelta(days=offset)


def test_periods_ahead():
    assert kpi.period_bounds("next30", D(2025, 5, 17)) == (D(2025, 5, 17), D(2025, 6, 16))
    assert kpi.period_bounds("next60", D(2025, 5, 17)) == (D(2025, 5, 17), D(2025, 7, 16))
    assert kpi.period_bounds("next90", D(2025, 5, 17)) == (D(2025, 5, 17), D(2025, 8, 15))
    assert kpi.period_bounds("next_month", D(2025, 1, 31)) == (D(2025, 2, 1), D(2025, 2, 28))
    assert kpi.period_bounds("next_month", D(2025, 12, 3)) == (D(2026, 1, 1), D(2026, 1, 31))
    assert kpi.period_bounds("next_month", D(2024, 1, 15)) == (D(2024, 2, 1), D(2024, 2, 29))


@pytest.fixture
def book(app):
    """Policies ending from 40 days ago to 100 days ahead, two managers, some renewed."""
    with app.app_context():
        wang = make_user("wang", name="王经理")
        li = make_user("li", name="李经理")
        make_user("boss", role="manager")
        town = make_township(name="新丰镇", district="南湖区")
        policies = []
        for n, offset in enumerate((-40, -3, 0, 5, 29, 31, 45, 60, 61, 75, 89, 90, 95)):
            customer = make_customer(name=f"客户{n:02d}", manager=(wang, li, None)[n % 3],
                                     segment="standard", township=town)
            policy = make_policy(customer, start=day(offset - 364), days=364,
                                 premium=f"{1000 + n * 10}.50")
            policies.append(policy)
            if n % 4 == 0:  # renewed
                make_policy(customer, start=policy.end_date + dt.timedelta(days=1),
                            renewal_of=policy, premium="999.00")
        make_policy(make_customer(name="=HYPERLINK(\"x\")", manager=wang), start=day(-350),
                    days=364, premium="100.00")  # ends in 14 days
        return {"wang": wang, "li": li, "policies": policies}


def test_header_figures_are_the_sums_of_the_rows_for_every_filter(ctx, book):
    managers = (None, book["wang"].id, book["li"].id)
    for name, status, manager in itertools.product(
            kpi.AHEAD + ("month", "12m"), (None,) + renewals.STATUSES, managers):
        first, last = kpi.period_bounds(name, TODAY)
        rows = list(renewals.expiring(first, last, None, manager, status, TODAY))
        summary = renewals.summary(first, last, TODAY, None, manager, status)
        assert summary["policies"] == len(rows), (name, status, manager)
        assert summary["premium"] == sum((p.premium for p in rows), Decimal(0))
        assert summary["renewed"] == sum(p.renewed for p in rows)
        assert summary["renewed_premium"] == sum((p.premium for p in rows if p.renewed),
                                                 Decimal(0))
    # the agent's scope agrees too
    scope = Customer.visible_to(book["wang"])
    rows = list(renewals.expiring(*kpi.period_bounds("next90", TODAY), scope))
    assert renewals.summary(*kpi.period_bounds("next90", TODAY), TODAY, scope)["policies"] \
        == len(rows) == 4  # n = 3, 6, 9 and the one named like a formula


def test_premium_at_risk_is_the_dashboards_figure_and_lists_its_policies(ctx, book):
    risk = renewals.at_risk(TODAY)
    assert (risk["policies"], risk["premium"]) == kpi.premium_at_risk(TODAY)
    listed = list(renewals.expiring(risk["first"], risk["last"], status="at_risk",
                                    today=TODAY))
    assert len(listed) == risk["policies"] > 0
    assert all(not p.renewed and p.end_date >= TODAY for p in listed)


def test_the_page_looks_ahead_by_default_and_opens_the_premium_at_risk(client, book):
    login(client, "boss", "password-1")
    page = client.get("/reports/renewals").get_data(as_text=True)
    assert 'value="next30" selected' in page and "未来 30 天" in page
    assert "客户04" in page and "客户00" not in page  # 5 days ahead; 40 days ago
    risk = renewals_at_risk_link(page)
    listed = client.get(risk).get_data(as_text=True)
    assert "客户07" in listed  # 60 days ahead, not renewed
    assert "客户04" not in listed and "客户08" not in listed  # renewed; 61 days ahead
    mine = client.get(f"/reports/renewals?period=next90&manager={book['li'].id}").get_data(
        as_text=True)
    assert "客户04" in mine and "客户03" not in mine  # li holds n % 3 == 1
    assert client.get("/reports/renewals?period=next7").status_code == 400


def renewals_at_risk_link(page):
    start = page.index('id="at-risk"')
    href = page.index('href="', start) + 6
    return page[href:page.index('"', href)].replace("&amp;", "&")


def test_the_list_downloads_as_a_workbook_staff_read(client, book):
    login(client, "boss", "password-1")
    status, _headers, body = download(client, "/reports/renewals.xlsx?period=next30")
    assert status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("到期日", "保单", "险种", "客户")
    assert "区县" in rows[0] and "乡镇" in rows[0]
    page_rows = renewals_on_page(client, "/reports/renewals?period=next30")
    assert len(rows) - 1 == page_rows
    first = rows[1]
    assert isinstance(first[0], dt.datetime) and first[5] == "南湖区"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:L{len(rows)}"
    premium = sheet.cell(row=2, column=10)
    assert premium.number_format == "#,##0.00" and isinstance(premium.value, float | int)
    names = [r[3] for r in rows[1:]]
    assert "'=HYPERLINK(\"x\")" in names  # never a formula
    assert "标准客户" in {r[8] for r in rows[1:]}  # the segment in words
    csv = download(client, "/reports/renewals.csv?period=next30&status=open")[2]
    assert csv.startswith(b"\xef\xbb\xbf") and "到期日".encode() in csv
    assert client.get("/reports/renewals.pdf").status_code == 404


def renewals_on_page(client, path):
    page = client.get(path).get_data(as_text=True)
    return page.count('<tr class="renewal')


def test_a_manager_looks_ahead_opens_the_risk_and_downloads_in_the_browser(page, book):
    browser_login(page, "boss", "password-1")
    page.goto("/reports/renewals")
    page.select_option("select[name=period]", "next90")
    page.wait_for_selector("text=客户10")
    page.select_option("select[name=manager]", str(book["wang"].id))
    page.wait_for_function("() => !document.body.innerText.includes('客户10')")  # 李经理's
    page.click("#at-risk .figure a")
    page.wait_for_url(lambda url: "status=at_risk" in url)
    assert page.locator("select[name=status]").input_value() == "at_risk"
    with page.expect_download() as download:
        page.click("text=Excel")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    names = {row[3].removeprefix("'") for row in sheet.iter_rows(min_row=2, values_only=True)}
    shown = {name for name in page.locator("tr.renewal td:nth-child(4) a").all_inner_texts()}
    assert len(names) == 3 and names == shown
