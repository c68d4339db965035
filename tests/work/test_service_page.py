"""The service plan settings page, the compliance report (full and htmx) and the CLI."""

import datetime as dt

from inscrm.models import Activity, AuditLog, Task
from inscrm.segments import rules
from tests.helpers import csrf_token, login, make_customer, make_user
from tests.work.test_service import settings_form


def test_settings_page_shows_the_defaults_and_saves_an_audited_version(client, app):
    login(client)
    page = client.get("/settings/service").get_data(as_text=True)
    assert "服务计划与报价建议" in page
    assert 'name="plan_days_key" value="90"' in page and 'name="discount_key" value="15"' in page
    token = csrf_token(client, "/settings/service")
    response = client.post("/settings/service", data={**settings_form(), "csrf_token": token})
    assert response.status_code == 302 and "saved=1" in response.headers["Location"]
    assert "已保存为新版本的规则" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    with app.app_context():
        assert rules.current()["service_plans"]["key"] == {"kind": "visit", "days": 60}
        assert AuditLog.select().where(AuditLog.action == "rules_changed",
                                       AuditLog.username == "admin").exists()


def test_settings_page_refuses_bad_input_and_keeps_what_was_typed(client, app):
    login(client)
    token = csrf_token(client, "/settings/service")
    form = {**settings_form(plan_days_key="0"), "csrf_token": token}
    response = client.post("/settings/service", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "联系间隔天数" in body and "1 至 3650" in body
    assert 'name="discount_key" value="12.5"' in body
    with app.app_context():
        assert rules.current()["service_plans"]["key"]["days"] == 90


def test_settings_are_for_administrators_and_need_csrf(client, app):
    with app.app_context():
        make_user("boss", role="manager", password="manager-pw-1")
    login(client, "boss", "manager-pw-1")
    assert client.get("/settings/service").status_code == 403
    assert client.post("/settings/service", data=settings_form()).status_code == 400


def test_compliance_report_full_and_fragment(client, app):
    today = dt.date.today()
    with app.app_context():
        li = make_user("li", role="agent", name="李经理")
        make_customer(name="甲", segment="key", manager=li)
        ok = make_customer(name="乙", segment="key", manager=li)
        Activity.create(customer=ok, kind="visit", date=today)
        make_user("boss", role="manager", password="manager-pw-1")
    login(client, "boss", "manager-pw-1")
    full = client.get("/reports/service").get_data(as_text=True)
    assert "<html" in full and "服务计划达标" in full and "李经理" in full
    assert "50.0%" in full and "甲" in full and "从未联系" in full
    fragment = client.get("/reports/service", query_string={"segment": "quality"},
                          headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="service-report"') and "<html" not in body
    assert "甲" not in body and "没有逾期客户" in body
    bad = client.get("/reports/service", query_string={"as_of": "2026-02-30"},
                     headers={"HX-Request": "true"})
    assert bad.status_code == 400


def test_compliance_report_is_for_managers(client, app):
    with app.app_context():
        make_user("agent5", role="agent", password="agent-pass-5")
    login(client, "agent5", "agent-pass-5")
    assert client.get("/reports/service").status_code == 403
    assert "服务计划达标" not in client.get("/").get_data(as_text=True)


def test_inscrm_service_generate_as_a_new_user_would(runner, app):
    with app.app_context():
        customer = make_customer(segment="key")
    first = runner("service", "generate", "--today", "2026-03-10")
    assert first.exit_code == 0, first.output
    assert "1 created, 0 done, 0 cancelled" in first.output
    assert "0 created" in runner("service", "generate", "--today", "2026-03-11").output
    with app.app_context():
        Activity.create(customer=customer, kind="visit", date=dt.date(2026, 3, 12))
    logged = runner("service", "generate", "--today", "2026-03-12")
    assert "0 created, 1 done" in logged.output
    with app.app_context():
        assert Task.get(Task.customer == customer).status == "done"
    assert runner("service", "generate", "--today", "2026-13-01").exit_code == 2


def test_the_pages_read_in_english_too(client, app):
    from tests.helpers import post

    with app.app_context():
        make_customer(name="Zhang", segment="key", birth_date=dt.date(1980, 12, 31))
    login(client)
    post(client, "/language", data={"lang": "en", "next": "/"})
    assert "Plan compliance" in client.get("/reports/service").get_data(as_text=True)
    assert "Service plans and quote advice" in client.get("/settings/service").get_data(
        as_text=True)
    care = client.get("/care", query_string={"from": "2026-12-31", "to": "2026-12-31"})
    assert "Birthday" in care.get_data(as_text=True)
    quote = client.get("/quote", query_string={"q": "浙F00001"}).get_data(as_text=True)
    assert "Advice, for reference only" in quote and "Not known to us" in quote
