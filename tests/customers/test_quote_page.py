"""The quote check as a page (full and htmx), on the command line, and in a real browser."""

import datetime as dt

import pytest

from inscrm.cli import main
from inscrm.models import AuditLog, BlacklistEntry
from tests.conftest import browser_login
from tests.helpers import login, make_customer, make_policy, make_user, resident_id


@pytest.fixture
def people(app):
    with app.app_context():
        known = make_customer(name="王五", id_number=resident_id("19700202", serial=1),
                              segment="key")
        make_policy(known, start=dt.date.today() - dt.timedelta(days=30), premium="62400.00")
        listed = make_customer(name="赵黑", id_number=resident_id("19660606", serial=2),
                               segment="standard")
        BlacklistEntry.create(customer=listed, reason="fraud", unit="理赔部",
                              reported_on=dt.date(2026, 1, 5))
        shared = resident_id("19550505", serial=3)
        BlacklistEntry.create(id_number=shared, reason="catastrophe", unit="海宁支公司",
                              reported_on=dt.date(2025, 8, 1))
        return {"known": known.id_number, "listed": listed.id_number, "shared": shared,
                "unknown": resident_id("19990909", serial=4)}


def test_the_page_and_the_htmx_fragment(client, people):
    login(client)
    page = client.get("/quote")
    assert page.status_code == 200 and "报价查询" in page.get_data(as_text=True)
    assert 'id="quote-result"' in page.get_data(as_text=True)

    full = client.get("/quote", query_string={"q": people["known"]}).get_data(as_text=True)
    assert "<html" in full and "王五" in full and "重要客户" in full
    assert "建议,仅供参考" in full and "承保,可给折扣" in full and "最多 15.0%" in full
    section = full[full.index('<section id="quote-result"'):]
    assert people["known"][:6] + "********" in section
    assert people["known"] not in section  # the result shows it masked
    fragment = client.get("/quote", query_string={"q": people["known"]},
                          headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in body and body.lstrip().startswith('<section id="quote-result"')
    assert "王五" in body and "¥62,400.00" in body


def test_unknown_blacklisted_and_malformed(client, people):
    login(client)
    unknown = client.get("/quote", query_string={"q": people["unknown"]},
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "本公司没有这个证件号码或车牌号的客户" in unknown and "承保" in unknown
    listed = client.get("/quote", query_string={"q": people["listed"]},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "赵黑" in listed and "拒保" in listed and "恶意骗赔" in listed
    shared = client.get("/quote", query_string={"q": people["shared"]}).get_data(as_text=True)
    assert "拒保" in shared and "海宁支公司" in shared and "大灾前投保" in shared
    bad = client.get("/quote", query_string={"q": "12#4"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400 and "error-box" in bad.get_data(as_text=True)


def test_every_check_is_audited_with_the_user(client, app, people):
    login(client)
    client.get("/quote", query_string={"q": people["known"]})
    with app.app_context():
        entry = AuditLog.get(AuditLog.action == "quote_check")
        assert entry.username == "admin" and entry.ip == "127.0.0.1"


def test_the_page_needs_a_login(client):
    assert client.get("/quote").status_code == 302
    assert client.get("/quote", headers={"HX-Request": "true"}).status_code == 401


def test_an_agent_may_check_too(client, app, people):
    with app.app_context():
        make_user("agent7", role="agent", password="agent-pass-7")
    login(client, "agent7", "agent-pass-7")
    body = client.get("/quote", query_string={"q": people["known"]}).get_data(as_text=True)
    # known, its segment and the advice; another account manager's customer is not named
    assert "其他客户经理的客户" in body and "王五" not in body and 'class="card advice' in body


def test_inscrm_check_answers_known_unknown_and_blacklisted(runner, people):
    known = runner("check", people["known"])
    assert known.exit_code == 0, known.output
    assert "known to us, 1 customer(s)" in known.output and "王五 [Key]" in known.output
    assert "Advice (advisory only): Accept with a discount, up to 15.0%" in known.output

    unknown = runner("check", people["unknown"])
    assert unknown.exit_code == 0 and "not known to us" in unknown.output
    assert "Advice (advisory only): Accept" in unknown.output

    listed = runner("check", people["listed"])
    assert listed.exit_code == 0
    assert "BLACKLIST: Fraud tendency, reported 2026-01-05 by 理赔部" in listed.output
    assert "Advice (advisory only): Decline — on the blacklist" in listed.output

    shared = runner("check", people["shared"], "--as-of", "2026-06-30")
    assert shared.exit_code == 0 and "not known to us" in shared.output
    assert "Decline" in shared.output


def test_inscrm_check_refuses_a_malformed_argument_with_status_2(app, people, capsys):
    for argv in (["check", "33040219700202000"], ["check", "12#4"],
                 ["check", people["known"], "--as-of", "2026-02-30"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--data-dir", app.config["DATA_DIR"]])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2, err
        assert err.count("\n") == 1 and "Traceback" not in err
    with app.app_context():
        assert not AuditLog.select().where(AuditLog.action == "quote_check").exists()


def test_the_quote_check_in_a_real_browser(page, people):
    browser_login(page)
    page.click("nav >> text=报价查询")
    page.fill("input[name=q]", people["known"])
    page.click("button:has-text('查询')")
    result = page.locator("#quote-result")
    result.locator("text=王五").wait_for()
    assert "建议,仅供参考" in result.inner_text()
    assert "q=" in page.url  # pushed, so the result survives a reload
    page.fill("input[name=q]", people["listed"])
    page.press("input[name=q]", "Enter")
    result.locator("text=赵黑").wait_for()
    assert "拒保" in result.inner_text()
