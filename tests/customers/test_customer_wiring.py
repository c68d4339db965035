"""The seams of the customer pages: the segments area's badge and history on the 360 page, the
segment actions by role, the blacklist entries, the quote check, the list's export and the start
page's segment links."""

import datetime as dt
import re

import pytest

from inscrm.blacklist import workflow
from inscrm.models import SEGMENTS, AuditLog, BlacklistEntry, SegmentChange, User
from tests.helpers import login, make_customer, make_policy, make_user
from tests.reports.test_export import download, read_csv_bytes

HX = {"HX-Request": "true"}
REASON = {"msg": "annual premium %(premium)s ≥ %(threshold)s",
          "params": {"premium": "¥62,400.00", "threshold": "¥50,000.00"}}


def get(client, path, htmx=False):
    response = client.get(path, headers=HX if htmx else {})
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture
def staff(app):
    with app.app_context():
        for name, role in (("boss", "manager"), ("claimer", "claims"), ("agent", "agent")):
            make_user(name, role=role)


def as_user(app, name):
    client = app.test_client()
    if name == "admin":
        login(client)
    else:
        login(client, name, "password-1")
    return client


def test_one_badge_and_one_history_on_the_360_page(app, client):
    with app.app_context():
        customer = make_customer(name="周建华", segment="key", segment_reason=REASON,
                                 segment_date=dt.date(2025, 6, 30))
        SegmentChange.create(customer=customer, from_segment="standard", to_segment="key",
                             flow="value_growth", changed_on=dt.date(2025, 6, 30),
                             annual_premium=62400, reason=REASON)
    login(client)
    for htmx in (False, True):
        header = get(client, f"/customers/{customer.id}", htmx)
        assert f'id="segment-badge-{customer.id}"' in header
        assert 'id="customer-segment"' not in header
        assert "评估于 2025-06-30" in header and "¥62,400.00 ≥ ¥50,000.00" in header
        history = get(client, f"/customers/{customer.id}/segments", htmx)
        assert 'id="section-segments"' in history and 'id="segment-history"' in history
        assert "效益增长" in history and "¥62,400.00" in history
        assert ("<html" in history) != htmx
    with app.app_context():
        empty = make_customer(name="无变动").id
    assert "暂无细分变化。" in get(client, f"/customers/{empty}/segments", True)


@pytest.mark.parametrize("who, report, decide", [
    ("admin", True, True), ("boss", True, True), ("claimer", True, False),
    ("agent", False, False),
])
def test_segment_actions_by_role(app, staff, who, report, decide):
    with app.app_context():
        customer = make_customer(name="钱多多", manager=make_user_lookup("agent"))
    client = as_user(app, who)
    report_url = f"/blacklist/report?customer={customer.id}"
    key_url = f"/segments/customer/{customer.id}/key"
    exempt_url = f"/segments/customer/{customer.id}/exempt"
    for htmx in (False, True):
        text = get(client, f"/customers/{customer.id}/segments", htmx)
        assert (report_url in text) == report
        assert (key_url in text) == decide and (exempt_url in text) == decide
    # every link shown leads to a page the role may open, which links back to the customer
    for url, shown in ((report_url, report), (key_url, decide), (exempt_url, decide)):
        if shown:
            assert f'href="/customers/{customer.id}"' in get(client, url, htmx=True), url


def make_user_lookup(username):
    return User.get(User.username == username)


def test_active_blacklist_entries_with_a_lift_link_for_managers(app, staff):
    with app.app_context():
        customer = make_customer(name="黑名单甲")
        claims = make_user_lookup("claimer")
        entry = workflow.report(customer, "fraud", "理赔部", "伪造单据", claims)
        lifted = workflow.report(customer, "other", "理赔部", "已撤销的记录", claims)
        workflow.lift(lifted, "误报", make_user_lookup("boss"))
        # an entry shared by HQ for the same ID number, with no customer of ours
        BlacklistEntry.create(customer=None, id_number=customer.id_number, name="黑名单甲",
                              reason="catastrophe", unit="其他支公司",
                              reported_on=dt.date(2025, 1, 5), evidence="共享记录")
        other = make_customer(name="清白乙")
    boss, claimer = as_user(app, "boss"), as_user(app, "claimer")
    for htmx in (False, True):
        text = get(boss, f"/customers/{customer.id}/segments", htmx)
        assert 'id="customer-blacklist"' in text and "伪造单据" in text and "共享记录" in text
        assert "已撤销的记录" not in text
        assert f"/blacklist/{entry.id}/lift" in text and f"/blacklist/{lifted.id}/lift" not in text
        text = get(claimer, f"/customers/{customer.id}/segments", htmx)
        assert "伪造单据" in text and "/lift" not in text
    assert 'id="customer-blacklist"' not in get(boss, f"/customers/{other.id}/segments")
    assert boss.get(f"/blacklist/{entry.id}/lift").status_code == 200


def test_quote_check_from_the_360_page_keeps_the_number_masked(app, staff):
    with app.app_context():
        agent = make_user_lookup("agent")
        customer = make_customer(name="报价丙", manager=agent)
        nameless = make_customer(name="无证件", manager=agent, id_type="", id_number=None)
        theirs = make_customer(name="别人的", manager=make_user("agent-x"))
    client = as_user(app, "agent")
    link = f"/quote?customer={customer.id}"
    page = get(client, f"/customers/{customer.id}")
    assert link in page and customer.id_number not in page
    assert "/quote?customer=" not in get(client, f"/customers/{nameless.id}")
    for htmx in (False, True):
        text = get(client, link, htmx)
        assert "报价丙" in text and customer.id_number not in text
        assert customer.id_number[-4:] in text and ("<html" in text) != htmx
    with app.app_context():
        checks = AuditLog.select().where(AuditLog.action == "quote_check")
        assert checks.count() == 2
    assert client.get(f"/quote?customer={theirs.id}").status_code == 403


# --- the list's export -------------------------------------------------------------------------


def export_names(client, url):
    status, _headers, body = download(client, url)
    assert status == 200, url
    return sorted(row[2] for row in read_csv_bytes(body)[1:])


def list_names(client, url):
    text = get(client, url, htmx=True)
    return sorted(re.findall(r'<a href="/customers/\d+">([^<]+)</a>', text))


@pytest.fixture
def listed(app):
    with app.app_context():
        agent = make_user("lister", role="agent")
        make_customer(name="张三", phone="13900000001", segment="key", manager=agent)
        make_customer(name="张三丰", phone="13900000002", segment="standard", manager=agent)
        owner = make_customer(name="李大", phone="13700000003", segment="key", manager=agent)
        make_policy(owner, policy_no="PDAA20250001")
        make_customer(name="王五", phone="13900000004", segment="key")  # not the agent's
        make_customer(name="Acme Trading", phone="13600000005", segment="key", manager=agent)


@pytest.mark.parametrize("args", [
    "", "q=张", "q=张三&segment=key", "q=139", "q=PDAA2025", "q=acme", "segment=key",
    "q=13", "q=张三丰&kind=individual",
])
@pytest.mark.parametrize("who", ["admin", "lister"])
def test_the_export_of_a_filtered_list_has_exactly_its_rows(app, listed, args, who):
    client = as_user(app, who)
    listing = list_names(client, f"/customers?{args}")
    button = re.search(r'action="(/exports/customers\.csv[^"]*)"',
                       get(client, f"/customers?{args}", htmx=True))
    if args == "q=13":  # too short to search: a hint, no rows and nothing to export
        assert listing == [] and button is None
        assert export_names(client, "/exports/customers.csv?q=13") == []
        return
    url = button.group(1).replace("&amp;", "&")
    assert listing and export_names(client, url) == listing


def test_export_buttons_on_the_list_page_and_fragment(app, listed):
    client = as_user(app, "admin")
    for htmx in (False, True):
        text = get(client, "/customers?q=张&segment=key", htmx)
        assert 'id="customer-export"' in text
        assert "/exports/customers.xlsx?q=%E5%BC%A0&amp;segment=key" in text
        assert "/exports/customers.csv?q=%E5%BC%A0&amp;segment=key" in text
    status, _headers, body = download(client, "/exports/customers.xlsx?q=张&segment=key")
    assert status == 200 and body[:2] == b"PK"


def test_policy_number_search_is_exported_as_listed(app, listed):
    client = as_user(app, "admin")
    assert export_names(client, "/exports/customers.csv?q=PDAA2025") == ["李大"]


# --- the start page ----------------------------------------------------------------------------


def test_start_page_segment_counts_link_to_the_filtered_list(app, listed):
    client = as_user(app, "admin")
    home = get(client, "/")
    for segment in SEGMENTS:
        assert f'href="/customers?segment={segment}"' in home
    row = re.search(r'href="/customers\?segment=key">(\d+)</a>', home)
    assert int(row.group(1)) == 4
    assert len(list_names(client, "/customers?segment=key")) == 4
    agent_home = get(as_user(app, "lister"), "/")
    assert re.search(r'href="/customers\?segment=key">(\d+)</a>', agent_home).group(1) == "3"
    assert len(list_names(as_user(app, "lister"), "/customers?segment=key")) == 3
