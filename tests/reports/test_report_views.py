"""The dashboard, the renewal list and the scorecards, as full pages and htmx fragments."""

import datetime as dt
import json
import re

from inscrm.models import BlacklistEntry, Meta, SegmentChange
from inscrm.reports import dashboard
from tests.helpers import login, make_customer, make_policy, make_user, post

TODAY = dt.date.today()
HX = {"HX-Request": "true"}


def day(offset):
    return TODAY + dt.timedelta(days=offset)


def book(app):
    """A renewed policy, an unrenewed one at risk, a flow and a blacklist report this year."""
    with app.app_context():
        agent = make_user("wang", name="王经理", password="password-1")
        make_user("boss", role="manager", password="password-1")
        kept = make_customer(name="续了的客户", manager=agent, segment="standard",
                             annual_premium="3000.00")
        old = make_policy(kept, start=day(-365), days=360, premium="3000.00")  # ended 5 days ago
        make_policy(kept, start=day(-4), renewal_of=old, premium="3100.00")
        lapsing = make_customer(name="未续客户", segment="standard", annual_premium="800.00")
        make_policy(lapsing, start=day(-340), days=364, premium="800.00")  # ends in 24 days
        make_policy(make_customer(name="别人的客户", manager=make_user("li")),
                    start=day(-340), days=364, premium="500.00")
        SegmentChange.create(customer=kept, from_segment="floating", to_segment="prospect",
                             flow="mining", changed_on=day(-1))
        BlacklistEntry.create(name="x", reason="fraud", unit="嘉兴南湖支公司",
                              reported_on=TODAY)
        return old


def test_dashboard_full_page_and_fragment_with_charts_and_tables(client, app):
    book(app)
    login(client, "boss", "password-1")
    page = client.get("/reports/?period=12m").get_data(as_text=True)
    assert "echarts-5.6.0.min.js" in page and "charts.js" in page and "<html" in page
    charts = re.findall(r'<script type="application/json" data-chart-for="chart-(\w+)">(.*?)'
                        r"</script>", page, re.S)
    # no claims: the loss ratio chart says there is no data instead of drawing empty bars
    assert [name for name, _ in charts] == ["segments", "flows", "renewals", "funnel",
                                           "blacklist"]
    loss = page[page.index('id="chart-loss"'):]
    assert loss.index("暂无数据") < loss.index("</div>")
    segments = json.loads(dict(charts)["segments"].replace("&#34;", '"'))
    assert segments["yAxis"][1]["name"] == "年保费 (万元)"
    assert sum(segments["series"][1]["data"]) == 0.38  # ¥3,000 + ¥800 in 万元
    sankey = json.loads(dict(charts)["flows"].replace("&#34;", '"'))
    assert sankey["series"][0]["type"] == "sankey"
    assert "业务挖掘" in sankey["series"][0]["links"][0]["edgeLabel"]["formatter"]
    assert "业务挖掘" in page  # the flow's name in the table beside the chart
    assert "Reichheld" in page and "¥1,300.00" in page  # premium at risk: 800 + 500
    fragment = client.get("/reports/?period=month", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="dashboard"' in fragment
    assert client.get("/reports/?period=forever").status_code == 400
    assert client.get("/reports/?first=2025-05-01&last=2025-04-01").status_code == 400


def test_dashboard_is_kept_for_the_day_and_refreshed_on_request(client, app):
    book(app)
    login(client, "boss", "password-1")
    client.get("/reports/?period=year")
    first, last = dashboard.kpi.period_bounds("year", TODAY)
    key = f"dashboard:{TODAY.isoformat()}:{dashboard.CACHE_FORMAT}:{first}:{last}"
    with app.app_context():
        stored = json.loads(Meta.get_value(key))
        stored["data"]["at_risk"]["premium"] = "12345.00"  # what a stale copy would say
        Meta.set_value(key, json.dumps(stored))
    assert "¥12,345.00" in client.get("/reports/?period=year").get_data(as_text=True)
    with app.app_context():
        Meta.set_value("dashboard:2020-01-01:x", "{}")  # another day's copy
    assert post(client, "/reports/refresh?report=dashboard&period=year").status_code == 302
    assert "¥12,345.00" not in client.get("/reports/?period=year").get_data(as_text=True)
    with app.app_context():
        assert Meta.get_or_none(Meta.key == "dashboard:2020-01-01:x") is None
    assert post(client, "/reports/refresh?report=nothing").status_code == 400


def test_reports_are_for_managers(client, app):
    book(app)
    login(client, "wang", "password-1")
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/scorecards").status_code == 403


def test_renewal_list_with_status_filter_and_an_agents_scope(client, app):
    book(app)
    login(client, "boss", "password-1")
    page = client.get("/reports/renewals?period=12m").get_data(as_text=True)
    assert "续了的客户" in page and "未续客户" not in page  # 未续 ends next month
    whole = client.get(f"/reports/renewals?first={day(-30)}&last={day(30)}").get_data(
        as_text=True)
    assert "续了的客户" in whole and "未续客户" in whole and "别人的客户" in whole
    assert "本期到期的 1 张保单中已续保 1 张" in whole  # only `old` has expired so far
    only_open = client.get(f"/reports/renewals?first={day(-30)}&last={day(30)}&status=open",
                           headers=HX).get_data(as_text=True)
    assert "未续客户" in only_open and "续了的客户" not in only_open and "<html" not in only_open
    assert client.get("/reports/renewals?status=maybe").status_code == 400
    login(client, "wang", "password-1")
    mine = client.get(f"/reports/renewals?first={day(-30)}&last={day(30)}").get_data(
        as_text=True)
    assert "续了的客户" in mine and "别人的客户" not in mine


def test_scorecards_page_and_fragment(client, app):
    book(app)
    login(client, "boss", "password-1")
    page = client.get("/reports/scorecards?period=12m").get_data(as_text=True)
    assert "王经理" in page and "<html" in page and "¥3,100.00" in page
    fragment = client.get("/reports/scorecards?period=12m", headers=HX).get_data(as_text=True)
    assert 'id="scorecards"' in fragment and "<html" not in fragment


def test_reports_are_warmed_for_the_day(app):
    from inscrm.desktop import daily

    book(app)
    daily.daily_work(app)  # what the server runs in a thread, every ten minutes
    with app.app_context():
        keys = [m.key for m in Meta.select().where(Meta.key.startswith("dashboard:"))]
    # every named period (some coincide early in a year), for the dashboard and the scorecards
    periods = {dashboard.kpi.period_bounds(name, TODAY) for name in dashboard.kpi.PERIODS}
    scorecards = [k for k in keys if ":scorecards:" in k]
    at_risk = [k for k in keys if k.endswith(":at_risk")]
    assert len(scorecards) == len(periods) and len(at_risk) == 1
    assert len(keys) == 2 * len(periods) + 1


def test_renewal_list_next_rows_by_keyset(client, app):
    old = book(app)
    login(client, "boss", "password-1")
    rows = client.get(f"/reports/renewals?first={day(-30)}&last={day(30)}"
                      f"&after_end={old.end_date}&after_id={old.id}", headers=HX)
    text = rows.get_data(as_text=True)
    assert "未续客户" in text and "续了的客户" not in text and "<html" not in text
    assert client.get("/reports/renewals?after_end=x&after_id=1").status_code == 400


def test_an_empty_dashboard_says_so_instead_of_drawing_full_bars(client, app):
    with app.app_context():
        make_user("boss", role="manager", password="password-1")
    login(client, "boss", "password-1")
    page = client.get("/reports/?period=12m").get_data(as_text=True)
    drawn = re.findall(r'data-chart-for="chart-(\w+)"', page)
    assert "funnel" not in drawn and "flows" not in drawn and "segments" not in drawn
    for chart_id in ("segments", "flows", "funnel", "loss"):
        box = page[page.index(f'id="chart-{chart_id}"'):]
        assert box.index("暂无数据") < box.index("</div>"), chart_id
