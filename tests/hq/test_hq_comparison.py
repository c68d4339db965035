"""The branch comparison: each branch's figures at HQ are what that branch's own dashboard says,
with a drill-down, charts, a printable page and an XLSX export with Chinese headers."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl

from inscrm.hq import comparison
from inscrm.models import AuditLog, Customer
from inscrm.reports import dashboard, kpi
from tests.helpers import make_customer, post
from tests.hq.hq_network import hq_client, text

TODAY = dt.date.today()


def sheet_of(client, url):
    """The first sheet of a downloaded workbook, the response closed (it streams a file)."""
    response = post(client, url)
    try:
        assert response.status_code == 200
        return openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    finally:
        response.close()
FIRST, LAST = kpi.period_bounds("year", TODAY)


def at_branch(net, code):
    """The branch's own dashboard figures, computed at the branch."""
    with net.open(code):
        return {
            "segments": {r["segment"]: (r["customers"], r["premium"])
                         for r in dashboard.segment_totals()},
            "renewal": kpi.renewal_rate(FIRST, min(LAST, TODAY)),
            "retention": kpi.retention(FIRST, LAST),
            "conversion": kpi.conversion(FIRST, LAST),
            "loss": {r["segment"]: r["ratio"] for r in dashboard.loss_ratio_by_segment(
                FIRST, LAST)},
            "reported": sum(r["reported"] for r in dashboard.blacklist_quota(LAST.year)),
        }


def test_each_branch_s_figures_at_hq_are_its_own_dashboard_s(net):
    with net.open("HQ"):
        data = comparison.compute(FIRST, LAST, TODAY)
    assert [b["code"] for b in data["branches"]] == ["B1", "B2", "B3"]
    for b in data["branches"]:
        own = at_branch(net, b["code"])
        assert {s: (v["customers"], v["premium"]) for s, v in b["segments"].items()} == \
            own["segments"], b["code"]
        for rate in ("renewal", "retention", "conversion"):
            mine = own[rate]
            assert (b[rate]["numerator"], b[rate]["denominator"]) == (
                mine.numerator, mine.denominator), (b["code"], rate)
        assert {s: v["ratio"] for s, v in b["loss_ratios"].items()} == own["loss"]
        assert b["blacklist"]["reported"] == own["reported"]
        assert b["blacklist"]["quota"] == 5 * len(b["blacklist"]["units"])
    assert data["branches"][0]["blacklist"]["reported"] >= 1  # B1 reported 李黑名


def test_the_comparison_page_charts_every_branch_and_drills_down(net):
    client = hq_client(net)
    page = text(client.get("/hq/branches"))
    assert 'id="comparison-table"' in page
    for chart in ("customers", "premium", "rates", "loss", "blacklist", "flows"):
        assert f'data-chart-for="chart-{chart}"' in page
    assert "echarts-5.6.0.min.js" in page and "data-print" in page
    assert '/hq/branches/B2?period=year' in page
    fragment = text(client.get("/hq/branches?period=quarter", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="branches"' in fragment
    one = text(client.get("/hq/branches/B2"))
    assert "第2支公司" in one and "/hq/customers?branch=B2&amp;segment=key" in one
    assert client.get("/hq/branches/NOPE").status_code == 404
    assert client.get("/hq/branches?period=decade").status_code == 400
    drill = text(client.get("/hq/branches/B2", headers={"HX-Request": "true"}))
    assert "<html" not in drill and 'id="branch"' in drill


def test_the_comparison_exports_to_xlsx_with_chinese_headers(net):
    client = hq_client(net)
    sheet = sheet_of(client, "/hq/exports/comparison.xlsx")
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["支公司代码", "支公司", "客户数", "年保费"]
    assert "重要客户：客户数" in headers and "续保率" in headers and "业务挖掘：客户数" in headers
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[1] for row in rows] == ["第1支公司", "第2支公司", "第3支公司"]
    assert all(isinstance(row[3], int | float | Decimal) for row in rows)


def test_text_cells_of_the_network_customer_export_cannot_be_formulas(net):
    with net.open("B3"):
        make_customer(name="=HYPERLINK(\"http://x\")", phone="13911112222")
    net.import_("HQ", net.export("B3", "HQ"))
    admin = hq_client(net, "admin")
    sheet = sheet_of(admin, "/hq/exports/customers.xlsx?branch=B3")
    assert [cell.value for cell in sheet[1]][:3] == ["支公司代码", "支公司", "客户名称"]
    names = [row[2].value for row in sheet.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert all(row[0].value == "B3" for row in sheet.iter_rows(min_row=2))
    with admin.application.app_context():
        assert len(names) == Customer.live().where(Customer.origin == "B3").count()
    # the analyst's copy masks ID numbers; the administrator's has them in full
    analyst = hq_client(net)
    masked = sheet_of(analyst, "/hq/exports/customers.xlsx?branch=B3")
    assert all("*" in (row[4].value or "*") for row in masked.iter_rows(min_row=2))


def test_the_comparison_is_kept_until_a_bundle_arrives(net):
    def customers_of(data, code):
        return comparison.branch(data, code)["customers"]

    with net.open("HQ"):
        kept = comparison.figures(FIRST, LAST)
        AuditLog.record("login")  # HQ's own writes do not make it stale
        assert comparison.figures(FIRST, LAST) == kept
    with net.open("B2"):
        make_customer(name="新客户")
    net.import_("HQ", net.export("B2", "HQ"))
    with net.open("HQ"):
        fresh = comparison.figures(FIRST, LAST)["data"]
    assert customers_of(fresh, "B2") == customers_of(kept["data"], "B2") + 1
