"""The pages: rule settings, blacklist report/lift/exempt, key designation, quota, flows."""

import datetime as dt

import pytest

from inscrm.models import AuditLog, BlacklistEntry, Customer, SegmentChange
from inscrm.segments import engine, rules
from tests.helpers import login, make_customer, make_policy, make_user, post

TODAY = dt.date.today()
HX = {"HX-Request": "true"}


@pytest.fixture
def people(app):
    with app.app_context():
        for role in ("claims", "manager", "analyst", "agent"):
            make_user(role, role=role)
        customer = make_customer(name="王建国")
        make_policy(customer, start=TODAY - dt.timedelta(days=5), premium="62400.00")
        engine.reclassify(customer.id)
        return customer.id


def as_user(client, username, password="password-1"):
    login(client, username, password)
    return client


@pytest.mark.parametrize("htmx", [False, True])
def test_rules_page_shows_every_threshold(app, client, people, htmx):
    as_user(client, "analyst")
    page = client.get("/settings/rules", headers=HX if htmx else {}).get_data(as_text=True)
    for key in rules.SEGMENT_RULES:
        assert f'name="{key}"' in page
    assert ("<html" in page) is not htmx
    assert "readonly" in page  # an analyst may only look


def test_only_an_administrator_changes_the_rules(app, client, people):
    as_user(client, "manager")
    assert client.get("/settings/rules").status_code == 403
    client.post("/logout", data={})
    as_user(client, "analyst")
    response = post(client, "/settings/rules", {"key_annual_premium": "1"})
    assert response.status_code == 403
    assert rules.current()["key_annual_premium"] == "50000.00"


@pytest.mark.parametrize("htmx", [False, True])
def test_saving_rules_versions_audits_and_re_evaluates(app, client, people, htmx):
    login(client)
    response = post(client, "/settings/rules",
                    {"key_annual_premium": "70,000", "quality_max_loss_ratio": "25",
                     "note": "总部通知"}, htmx=htmx)
    assert response.status_code == 200
    with app.app_context():
        values = rules.current()
        assert (values["key_annual_premium"], values["quality_max_loss_ratio"]) == (
            "70000.00", "0.2500")
        assert Customer.get_by_id(people).segment == "standard"
        audit = AuditLog.select().where(AuditLog.action == "rules_changed").order_by(
            AuditLog.id.desc()).get()
        assert audit.details["changes"]["key_annual_premium"] == ["50000.00", "70000.00"]


def test_a_bad_threshold_is_refused_and_changes_nothing(app, client, people):
    login(client)
    response = post(client, "/settings/rules", {"coverage_gap_days": "thirty"})
    assert response.status_code == 400
    assert "连续承保: 保单间隔天数不超过: 数值无效 (thirty)" in response.get_data(as_text=True)
    with app.app_context():
        assert rules.current()["coverage_gap_days"] == 30


@pytest.mark.parametrize("htmx", [False, True])
def test_claims_staff_report_a_customer(app, client, people, htmx):
    as_user(client, "claims")
    page = client.get(f"/blacklist/report?customer={people}").get_data(as_text=True)
    assert "王建国" in page and "年保费 ¥62,400.00 ≥ ¥50,000.00" in page
    response = post(client, "/blacklist/report",
                    {"customer": str(people), "reason": "fraud", "unit": "南湖营业部",
                     "evidence": "伪造单据"}, htmx=htmx)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "恶意骗赔倾向, 列入黑名单" in text and ("<html" in text) is not htmx
    with app.app_context():
        assert Customer.get_by_id(people).segment == "blacklist"


def test_a_report_without_a_known_customer_is_refused(app, client, people):
    as_user(client, "claims")
    response = post(client, "/blacklist/report", {"customer": "999999", "reason": "fraud",
                                                  "unit": "南湖"})
    assert response.status_code == 404
    response = post(client, "/blacklist/report", {"customer": "330402199001011234",
                                                  "reason": "fraud", "unit": "南湖"})
    assert response.status_code == 400
    with app.app_context():
        assert BlacklistEntry.select().count() == 0


def test_claims_staff_see_only_the_links_they_may_follow(app, client, people):
    as_user(client, "claims")
    page = client.get("/blacklist/").get_data(as_text=True)
    assert "/blacklist/quota" in page
    assert "/segments/flows" not in page and "/settings/rules" not in page


def test_an_agent_cannot_report_or_see_the_blacklist(app, client, people):
    as_user(client, "agent")
    assert client.get("/blacklist/").status_code == 403
    assert post(client, "/blacklist/report", {"customer": str(people), "reason": "fraud",
                                              "unit": "x"}).status_code == 403


@pytest.mark.parametrize("htmx", [False, True])
def test_a_manager_lifts_an_entry(app, client, people, htmx):
    from inscrm.blacklist import workflow

    with app.app_context():
        entry = workflow.report(Customer.get_by_id(people), "other", "南湖营业部")
    as_user(client, "manager")
    listing = client.get("/blacklist/", headers=HX if htmx else {}).get_data(as_text=True)
    assert "王建国" in listing and f"/blacklist/{entry.id}/lift" in listing
    assert post(client, f"/blacklist/{entry.id}/lift", {"reason": " "},
                htmx=htmx).status_code == 400
    response = post(client, f"/blacklist/{entry.id}/lift", {"reason": "复核无问题"}, htmx=htmx)
    assert response.status_code == 200 and "复核无问题" in response.get_data(as_text=True)
    with app.app_context():
        assert Customer.get_by_id(people).segment == "key"
        flows = [c.flow for c in SegmentChange.select().order_by(SegmentChange.id)]
        assert flows[-2:] == ["stripping", "reinstated"]


def test_claims_staff_cannot_lift(app, client, people):
    from inscrm.blacklist import workflow

    with app.app_context():
        entry = workflow.report(Customer.get_by_id(people), "other", "南湖营业部")
    as_user(client, "claims")
    assert post(client, f"/blacklist/{entry.id}/lift", {"reason": "x"}).status_code == 403


@pytest.mark.parametrize("htmx", [False, True])
def test_a_manager_exempts_and_designates(app, client, people, htmx):
    as_user(client, "manager")
    until = (TODAY + dt.timedelta(days=90)).isoformat()
    response = post(client, f"/segments/customer/{people}/exempt",
                    {"until": until, "reason": "协商中"}, htmx=htmx)
    assert response.status_code == 200 and until in response.get_data(as_text=True)
    assert post(client, f"/segments/customer/{people}/exempt",
                {"until": "someday", "reason": "x"}, htmx=htmx).status_code == 400
    response = post(client, f"/segments/customer/{people}/key",
                    {"designation": "brand", "reason": "知名企业"}, htmx=htmx)
    assert response.status_code == 200
    with app.app_context():
        row = Customer.get_by_id(people)
        assert (row.exempt_until.isoformat(), row.key_designation) == (until, "brand")


@pytest.mark.parametrize("htmx", [False, True])
def test_quota_view(app, client, people, htmx):
    with app.app_context():
        BlacklistEntry.create(customer=people, reason="fraud", unit="南湖营业部",
                              reported_on=dt.date(2025, 5, 1))
    as_user(client, "claims")
    page = client.get("/blacklist/quota?year=2025", headers=HX if htmx else {})
    text = page.get_data(as_text=True)
    assert "南湖营业部" in text and "差 4 个" in text


@pytest.mark.parametrize("htmx", [False, True])
def test_flows_report_shows_the_migration_matrix(app, client, people, htmx):
    with app.app_context():
        other = make_customer()
        engine.classify_all(dt.date(2024, 1, 1))
        make_policy(other, start=dt.date(2024, 3, 1), premium="800.00")
        engine.classify_all(dt.date(2024, 6, 1))
    as_user(client, "manager")
    response = client.get("/segments/flows?first=2024-01-01&second=2024-06-01",
                          headers=HX if htmx else {})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "业务增长" in text and "¥800.00" in text
    assert client.get("/segments/flows?first=nonsense").status_code == 400


def test_matrix_counts_and_premium(ctx):
    from inscrm.segments import flows

    a, b = make_customer(), make_customer()
    engine.classify_all(dt.date(2024, 1, 1))
    make_policy(a, start=dt.date(2024, 2, 1), premium="1000.00")
    make_policy(b, start=dt.date(2024, 2, 1), premium="2000.00")
    late = make_customer()
    engine.classify_all(dt.date(2024, 6, 1))
    cells = flows.matrix(dt.date(2024, 1, 1), dt.date(2024, 6, 1))
    growth = cells[("floating", "standard")]
    assert (growth["flow"], growth["premium"]) == ("growth", 3000)
    assert growth["count"] >= 2
    assert cells[("", "floating")]["count"] >= 1  # `late` appeared between the dates
    totals = dict((flow, n) for flow, n, _ in flows.flows(cells))
    assert totals["growth"] == growth["count"]
    assert late.id


def test_badge_and_history_fragments_in_chinese(app, people):
    from flask import render_template

    with app.app_context():
        engine.classify_all(TODAY + dt.timedelta(days=400))  # the policy has ended
        customer = Customer.get_by_id(people)
        changes = list(customer.segment_changes.order_by(SegmentChange.id))
        with app.test_request_context():
            badge = render_template("segments/_badge.html", customer=customer)
            history = render_template("segments/_history.html", changes=changes)
    assert "准客户" in badge and "当前无有效保单" in badge
    assert f"评估于 {(TODAY + dt.timedelta(days=400)).isoformat()}" in badge
    assert "重要客户" in history and "流失" in history and "¥62,400.00" in history


def test_report_in_the_browser_swaps_the_form_for_the_result(app, page, people):
    from tests.conftest import browser_login

    browser_login(page, "claims", "password-1")
    page.goto(f"/blacklist/report?customer={people}")
    page.select_option("select[name=reason]", "catastrophe")
    page.fill("input[name=unit]", "南湖营业部")
    page.fill("textarea[name=evidence]", "台风预警后投保")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("#report-form button.primary")  # asked first; "no" reports nothing
    page.wait_for_function("() => true")
    assert questions and "立即生效" in questions[0]
    with app.app_context():
        from inscrm.models import BlacklistEntry

        assert BlacklistEntry.select().count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#report-form button.primary")
    page.wait_for_selector("text=已列入黑名单")
    assert "大灾前投保" in page.inner_text("#report-form")
    assert page.url.endswith(f"/blacklist/report?customer={people}")  # swapped in place
