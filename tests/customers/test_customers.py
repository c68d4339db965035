"""The customer list and the customer 360 page: pages and htmx fragments, scope, escaping."""

import datetime as dt
import re

import pytest

from inscrm.models import Activity, AuditLog, Customer, SegmentChange, Task
from tests.helpers import (
    login,
    make_claim,
    make_customer,
    make_policy,
    make_township,
    make_user,
    post,
)

HX = {"HX-Request": "true"}
SECTIONS = ("policies", "claims", "vehicles", "activities", "tasks", "segments")


def get(client, path, htmx=False):
    response = client.get(path, headers=HX if htmx else {})
    return response, response.get_data(as_text=True)


def test_list_page_and_fragment(app, client):
    with app.app_context():
        make_customer(name="张三丰")
        make_customer(name="李四")
    login(client)
    response, text = get(client, "/customers?q=张")
    assert response.status_code == 200 and "<html" in text and "张三丰" in text
    assert "李四" not in text
    response, body = get(client, "/customers?q=张", htmx=True)
    assert response.status_code == 200 and "<html" not in body and 'id="results"' in body
    assert "张三丰" in body and "HX-Request" in response.headers["Vary"]
    assert "1 customers match." in body or "1 位客户" in body


def test_next_page_is_rows_for_htmx_and_a_page_without(app, client):
    with app.app_context():
        for n in range(55):
            make_customer(name=f"钱{n:02d}")
    login(client)
    _, first = get(client, "/customers?q=钱", htmx=True)
    assert "钱49" in first and "钱50" not in first
    more = re.search(r'<tr class="more" hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    response, rows = get(client, more, htmx=True)
    assert response.status_code == 200 and rows.lstrip().startswith("<tr")
    assert "钱50" in rows and "钱54" in rows and "钱49" not in rows and 'class="more"' not in rows
    response, page = get(client, more)
    assert "<html" in page and "钱50" in page and "钱10" not in page


def test_customer_360_full_page_and_header_fragment(app, client):
    with app.app_context():
        town = make_township(name="凤桥镇")
        reason = {"msg": "annual premium %(premium)s ≥ %(threshold)s",
                  "params": {"premium": "¥62,400.00", "threshold": "¥50,000.00"}}
        customer = make_customer(name="周建华", township=town, address="嘉兴市南湖区凤桥镇1号",
                                 segment="key", segment_date=dt.date(2025, 6, 30),
                                 segment_reason=reason)
    login(client)
    response, page = get(client, f"/customers/{customer.id}")
    assert response.status_code == 200 and "<html" in page
    assert "周建华" in page and "凤桥镇" in page and "seg-key" in page and "2025-06-30" in page
    assert "¥62,400.00" in page
    assert customer.id_number not in page and customer.id_number[-4:] in page  # masked
    for name in SECTIONS:
        assert f'id="section-{name}"' in page
    response, header = get(client, f"/customers/{customer.id}", htmx=True)
    assert response.status_code == 200 and "<html" not in header and "周建华" in header
    assert 'id="customer-header"' in header


@pytest.fixture
def full_customer(app):
    with app.app_context():
        customer = make_customer(name="吴大海")
        old = make_policy(customer, start=dt.date(2024, 1, 1), premium="3000.00",
                          policy_no="P-OLD-1")
        today = dt.date.today()
        current = make_policy(customer, start=today - dt.timedelta(days=30), premium="5000.00",
                              policy_no="P-NOW-2", renewal_of=old)
        make_policy(customer, start=today, premium="9999.00", policy_no="P-RIVAL-3",
                    insurer="平安")
        make_claim(current, paid="1000.00", reserve="500.00", claim_no="C-1")
        make_claim(current, paid="800.00", status="declined", claim_no="C-2")
        Activity.create(customer=customer, kind="visit", outcome="quoted", notes="谈续保",
                        date=dt.date(2025, 3, 1))
        Task.create(customer=customer, kind="renewal", title="续保 P-NOW-2", due_date=today)
        Task.create(customer=customer, kind="other", title="已完成的任务", due_date=today,
                    status="done")
        SegmentChange.create(customer=customer, from_segment="prospect", to_segment="standard",
                             flow="growth", changed_on=dt.date(2025, 1, 2))
        return customer.id


def test_every_section_as_fragment_and_as_page(client, full_customer):
    login(client)
    expected = {
        "policies": ["P-OLD-1", "P-NOW-2", "P-RIVAL-3", "平安", "in-force", "¥8,000.00"],
        "claims": ["C-1", "C-2", "¥1,500.00", "18.8%"],  # 1,500 / 8,000 (competitor's not ours)
        "vehicles": ["section-vehicles"],
        "activities": ["谈续保", "2025-03-01", 'name="next_action_date"'],
        "tasks": ["续保 P-NOW-2"],
        "segments": ["2025-01-02", "seg-standard"],
    }
    for name, needles in expected.items():
        response, fragment = get(client, f"/customers/{full_customer}/{name}", htmx=True)
        assert response.status_code == 200 and "<html" not in fragment, name
        assert fragment.lstrip().startswith(f'<section class="card section" id="section-{name}"') \
            or f'id="section-{name}"' in fragment, name
        for needle in needles:
            assert needle in fragment, (name, needle)
        response, page = get(client, f"/customers/{full_customer}/{name}")
        assert response.status_code == 200 and "<html" in page and needles[0] in page
    _, tasks = get(client, f"/customers/{full_customer}/tasks", htmx=True)
    assert "已完成的任务" not in tasks
    _, policies = get(client, f"/customers/{full_customer}/policies", htmx=True)
    renewal_row = re.search(r"P-NOW-2.*?</tr>", policies, re.S).group(0)
    assert "P-OLD-1" in renewal_row  # the renewal chain


def test_an_agent_opening_another_agents_customer_gets_403(app, client):
    with app.app_context():
        make_user("agent-a", role="agent")
        other = make_user("agent-b", role="agent")
        theirs = make_customer(name="别人的客户", manager=other)
        policy = make_policy(theirs)
    login(client, "agent-a", "password-1")
    for path in (f"/customers/{theirs.id}", f"/customers/{theirs.id}/policies",
                 f"/customers/{theirs.id}/edit", f"/customers/{theirs.id}/policy/new",
                 f"/policy/{policy.id}/edit"):
        assert client.get(path).status_code == 403, path
        assert client.get(path, headers=HX).status_code == 403, path
    assert post(client, f"/customers/{theirs.id}/activities", {"kind": "call"}).status_code == 403
    assert post(client, f"/policy/{policy.id}/edit", {"policy_no": "X"}).status_code == 403
    _, listing = get(client, "/customers?q=别人")
    assert "别人的客户" not in listing
    assert client.get("/customers/999999").status_code == 404


def test_a_script_as_a_name_is_shown_escaped(app, client):
    with app.app_context():
        customer = make_customer(name="<script>alert(1)</script>")
    login(client)
    for path in (f"/customers/{customer.id}", "/customers?q=script", "/customers"):
        _, text = get(client, path)
        assert "<script>alert(1)</script>" not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


def test_full_id_number_for_allowed_roles_only_and_audited(app, client):
    with app.app_context():
        make_user("claims1", role="claims")
        agent = make_user("agent1", role="agent")
        customer = make_customer(name="郑十", manager=agent)
    login(client, "claims1", "password-1")
    _, page = get(client, f"/customers/{customer.id}")
    assert customer.id_number not in page and "显示完整号码" in page
    response = post(client, f"/customers/{customer.id}/id-number", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and customer.id_number in body and "<html" not in body
    response = post(client, f"/customers/{customer.id}/id-number")
    assert response.status_code == 200 and "<html" in response.get_data(as_text=True)
    with app.app_context():
        entries = AuditLog.select().where(AuditLog.action == "view_full_id")
        assert entries.count() == 2
        assert entries.first().target == f"customer:{customer.uid}"
        assert entries.first().username == "claims1"

    as_agent = app.test_client()  # the customer's own account manager may not
    login(as_agent, "agent1", "password-1")
    _, page = get(as_agent, f"/customers/{customer.id}")
    assert customer.id_number not in page and 'id="id-number"' in page
    assert "hx-post" not in page.split('id="id-number"')[1].split("</span>")[0]
    assert post(as_agent, f"/customers/{customer.id}/id-number").status_code == 403
    with app.app_context():
        assert AuditLog.select().where(AuditLog.action == "view_full_id").count() == 2


def test_sorting_by_premium_and_last_contact(app, client):
    with app.app_context():
        for name, premium, contact in (("甲", 100, "2025-01-01"), ("乙", 900, None),
                                       ("丙", 500, "2025-05-01")):
            c = make_customer(name=name)
            Customer.update(annual_premium=premium, last_contact_date=contact).where(
                Customer.id == c.id).execute()
    login(client)
    _, body = get(client, "/customers?sort=premium", htmx=True)
    assert body.index("乙") < body.index("丙") < body.index("甲")
    _, body = get(client, "/customers?sort=contact", htmx=True)
    assert body.index("丙") < body.index("甲") < body.index("乙")


def test_start_page_links_to_the_customers(client):
    login(client)
    _, home = get(client, "/")
    assert 'href="/customers"' in home


def test_claims_section_shows_incurred_and_the_loss_ratio(app, client):
    with app.app_context():
        customer = make_customer()
        policy = make_policy(customer, start=dt.date.today() - dt.timedelta(days=100),
                             premium="1000.00")
        make_policy(customer, premium="5000.00", insurer="某财险")  # a competitor's: not counted
        make_claim(policy, paid="200.00", reserve="100.00")
        make_claim(policy, paid="500.00", status="declined")  # counts zero
    login(client)
    _, page = get(client, f"/customers/{customer.id}/claims", htmx=True)
    assert "¥300.00" in page and "¥1,000.00" in page
    assert "30.0%" in page
