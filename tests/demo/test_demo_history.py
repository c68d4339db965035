"""`inscrm demo` builds a year of segment history, so the reports have data on the first run."""

import datetime as dt
import re

from inscrm import demo
from inscrm.demo import history
from inscrm.models import Customer, SegmentChange
from inscrm.reports import dashboard, kpi
from tests.conftest import Runner
from tests.demo.test_demo import _app
from tests.helpers import login

TODAY = dt.date(2026, 11, 25)


def test_month_ends_of_the_year_before():
    ends = history.month_ends(dt.date(2026, 3, 15), 12)
    assert ends[0] == dt.date(2025, 3, 31) and ends[-1] == dt.date(2026, 2, 28)
    assert len(ends) == 12 and ends == sorted(ends)


def test_a_year_of_monthly_evaluations_feeds_every_report(client, app):
    today = dt.date.today()
    with app.app_context():
        demo.generate(600, seed=3, today=today)
        dates = history.build(today)
        assert len(dates) == 14 and dates[-1] == today
        changed_on = {c.changed_on for c in SegmentChange.select(SegmentChange.changed_on)}
        assert len(changed_on) >= 10 and min(changed_on) < today - dt.timedelta(days=364)
        assert {c.segment_date for c in Customer.select().limit(20)} <= set(dates)
        first, last = kpi.period_bounds("12m", today)
        data = dashboard.compute(first, last, today)
        assert data["flows"] and sum(r["customers"] for r in data["flows"] if r["flow"]) > 0
        assert data["funnel"]["pool"] > 0 and data["funnel"]["converted"] > 0
    login(client)
    page = client.get("/reports/?period=12m").get_data(as_text=True)
    drawn = re.findall(r'data-chart-for="chart-(\w+)"', page)
    assert drawn == ["segments", "flows", "renewals", "funnel", "loss", "blacklist"]
    assert "暂无数据" not in page
    cards = client.get("/reports/scorecards?period=12m").get_data(as_text=True)
    assert "agent01" in cards or "客户经理" in cards


def test_the_cli_reports_the_history_it_built(tmp_path):
    run = Runner(tmp_path / "d")
    run("init", "--site", "DEMO", "--site-name", "演示", "--admin-password", "demo-admin")
    result = run("demo", "--customers", "80", "--history-months", "2",
                 "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "segment history of 3 monthly evaluations" in result.output
    with _app(tmp_path / "d").app_context():
        assert {c.changed_on for c in SegmentChange.select()} <= {
            dt.date(2026, 9, 30), dt.date(2026, 10, 31), TODAY}


def test_no_history_months_makes_the_data_only(tmp_path):
    run = Runner(tmp_path / "d")
    run("init", "--site", "DEMO", "--site-name", "演示", "--admin-password", "demo-admin")
    result = run("demo", "--customers", "30", "--history-months", "0")
    assert result.exit_code == 0 and "segment history" not in result.output, result.output
    with _app(tmp_path / "d").app_context():
        assert SegmentChange.select().count() == 0
