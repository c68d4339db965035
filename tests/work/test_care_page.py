"""The care list page (full and htmx) and its CSV download."""

import csv
import datetime as dt
import io

from inscrm.models import AuditLog
from tests.helpers import login, make_customer, make_user, post, resident_id


def test_the_page_lists_the_range_and_the_fragment_swaps(client, app):
    with app.app_context():
        make_customer(name="张三", segment="key", id_number=resident_id("19801231", serial=11))
        make_customer(name="周八", segment="standard",
                      id_number=resident_id("19801231", serial=12))
    login(client)
    query = {"from": "2026-12-20", "to": "2027-01-10"}
    full = client.get("/care", query_string=query).get_data(as_text=True)
    assert "<html" in full and "关怀" in full
    assert "张三" in full and "周八" not in full
    assert "尊敬的张三先生:祝您生日快乐" in full.replace("：", ":")
    assert "2026-12-31" in full
    fragment = client.get("/care", query_string=query, headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="care-list"')
    assert "张三" in body and "/care.csv?from=2026-12-20&amp;to=2027-01-10" in body


def test_the_default_range_is_the_next_30_days(client, app):
    today = dt.date.today()
    birthday = today + dt.timedelta(days=29)
    with app.app_context():
        make_customer(name="近日", segment="quality", birth_date=birthday.replace(year=1980)
                      if not (birthday.month == 2 and birthday.day == 29)
                      else dt.date(1980, 2, 29))
    login(client)
    body = client.get("/care").get_data(as_text=True)
    assert "近日" in body and birthday.isoformat() in body


def test_a_bad_range_is_a_400_with_the_reason(client):
    login(client)
    for query in ({"from": "2027-01-02", "to": "2027-01-01"}, {"from": "2027-13-01"}):
        response = client.get("/care", query_string=query, headers={"HX-Request": "true"})
        assert response.status_code == 400 and "error-box" in response.get_data(as_text=True)
    assert post(client, "/care.csv?from=x").status_code == 400


def test_the_csv_download_is_audited(client, app):
    with app.app_context():
        make_customer(name="张三", segment="key", id_number=resident_id("19801231", serial=11),
                      phone="13900000001")
    login(client)
    assert client.get("/care.csv?from=2026-12-30&to=2027-01-01").status_code == 405  # POST only
    response = post(client, "/care.csv?from=2026-12-30&to=2027-01-01")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "care-2026-12-30-2027-01-01.csv" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[1][:4] == ["张三", "13900000001", "生日", "2026-12-31"]
    assert rows[1][4].endswith("——嘉兴南湖支公司")
    with app.app_context():
        entry = AuditLog.get(AuditLog.action == "care_export")
        assert entry.username == "admin" and entry.details["rows"] == 1


def test_an_agent_sees_only_their_customers(client, app):
    with app.app_context():
        agent = make_user("agent9", role="agent", password="agent-pass-9")
        make_customer(name="我的", segment="key", manager=agent,
                      id_number=resident_id("19801231", serial=31))
        make_customer(name="别人的", segment="key", id_number=resident_id("19801231", serial=32))
    login(client, "agent9", "agent-pass-9")
    body = client.get("/care", query_string={"from": "2026-12-31", "to": "2026-12-31"}).get_data(
        as_text=True)
    assert "我的" in body and "别人的" not in body


def test_the_care_list_in_a_real_browser(page, app):
    from tests.conftest import browser_login

    with app.app_context():
        make_customer(name="张三", segment="key", id_number=resident_id("19801231", serial=11))
    browser_login(page)
    page.click("nav >> text=关怀")
    page.fill("input[name=from]", "2026-12-30")
    page.fill("input[name=to]", "2027-01-02")
    page.click("button:has-text('显示')")
    # the default period may already show 张三: wait for the swap that pushes the asked period
    page.wait_for_function("() => location.search.includes('from=2026-12-30')")
    page.locator("#care-list").get_by_role("cell", name="张三", exact=True).wait_for()
    assert "2026-12-31" in page.locator("#care-list").inner_text()
    assert "from=2026-12-30" in page.url
    with page.expect_download() as download:
        page.click("text=下载短信群发用的 CSV")
    assert download.value.suggested_filename == "care-2026-12-30-2027-01-02.csv"
