"""The blacklist guard in the policy form: a new policy of ours for a blacklisted customer is
refused with the reason at the top of the form; a manager's written override lets it through
and the audit log shows it; agents cannot override; competitor and existing policies pass."""

import datetime as dt

import pytest

from inscrm.customers import records
from inscrm.forms import Rejected
from inscrm.models import AuditLog, BlacklistEntry, Policy
from tests.helpers import login, make_customer, make_policy, make_user, post

HX = {"HX-Request": "true"}


def policy_data(**overrides):
    data = {"policy_no": "PG2026001", "product": "交强险", "channel": "direct",
            "premium": "1,200.00", "start_date": "2026-01-01", "end_date": "2026-12-31"}
    data.update(overrides)
    return data


def blacklisted(**customer):
    person = make_customer(name="王黑", **customer)
    BlacklistEntry.create(customer=person, reason="fraud", unit="理赔部",
                          reported_on=dt.date(2025, 11, 3), active=True)
    return person


def overrides():
    return list(AuditLog.select().where(AuditLog.action == "blacklist_override"))


def as_user(client, role):
    name = "boss" if role == "manager" else "agent1"
    user = make_user(name, role=role)
    login(client, name, "password-1")
    return user


def test_save_policy_refuses_then_lets_a_managers_override_through(ctx):
    person = blacklisted()
    manager, agent = make_user(role="manager"), make_user(role="agent")
    with pytest.raises(Rejected) as refused:
        records.save_policy(person, policy_data(), user=manager)
    assert set(refused.value.errors) == {records.BLOCKED}
    with pytest.raises(Rejected) as by_agent:
        records.save_policy(person, policy_data(override_reason="老客户续保"), user=agent)
    assert "override_reason" in by_agent.value.errors
    with pytest.raises(Rejected) as too_short:
        records.save_policy(person, policy_data(override_reason="ok"), user=manager)
    assert "override_reason" in too_short.value.errors
    assert Policy.select().count() == 0 and overrides() == []
    policy = records.save_policy(person, policy_data(override_reason="总经理批准续保"),
                                 user=manager, ip="10.0.0.9")
    assert policy.customer_id == person.id
    [audit] = overrides()
    assert audit.user_id == manager.id and audit.ip == "10.0.0.9"
    assert audit.details["policy_no"] == "PG2026001"
    assert audit.details["override_reason"] == "总经理批准续保"
    assert audit.target == f"customer:{person.uid}"


def test_competitor_and_existing_policies_skip_the_guard(ctx):
    person = blacklisted()
    agent = make_user(role="agent")
    competitor = records.save_policy(person, policy_data(insurer="平安财险"), user=agent)
    assert competitor.insurer == "平安财险"
    ours = make_policy(person)
    records.save_policy(person, policy_data(policy_no=ours.policy_no, premium="999"), ours,
                        user=agent)
    assert str(Policy.get_by_id(ours.id).premium) == "999.00"
    assert overrides() == []


@pytest.mark.parametrize("htmx", [False, True])
def test_the_form_shows_the_refusal_and_a_manager_overrides(app, client, htmx):
    with app.app_context():
        person = blacklisted()
        as_user(client, "manager")
    path = f"/customers/{person.id}/policy/new"
    page = client.get(path, headers=HX if htmx else {}).get_data(as_text=True)
    assert ("<html" in page) != htmx
    assert 'id="blacklist-refusal"' in page and 'name="override_reason"' in page
    refused = post(client, path, policy_data(), htmx=htmx)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert ("<html" in html) != htmx
    top = html[html.index('id="blacklist-refusal"'):html.index('name="policy_no"')]
    assert "王黑" in top and "恶意骗赔倾向" in top and "2025-11-03" in top
    assert 'name="override_reason"' in html
    with app.app_context():
        assert Policy.select().count() == 0
    short = post(client, path, policy_data(override_reason="ok"), htmx=htmx)
    assert short.status_code == 400 and 'id="error-override_reason"' in short.get_data(
        as_text=True)
    saved = post(client, path, policy_data(override_reason="经理核实后同意承保"), htmx=htmx)
    assert saved.status_code == 303
    assert (saved.headers.get("HX-Redirect") is not None) == htmx
    with app.app_context():
        policy = Policy.get(Policy.policy_no == "PG2026001")
        [audit] = overrides()
        assert audit.username == "boss" and audit.details["policy_no"] == policy.policy_no
        assert audit.details["override_reason"] == "经理核实后同意承保"


@pytest.mark.parametrize("htmx", [False, True])
def test_an_agent_is_refused_and_cannot_override(app, client, htmx):
    with app.app_context():
        person = blacklisted(manager=as_user(client, "agent"))
    path = f"/customers/{person.id}/policy/new"
    page = client.get(path, headers=HX if htmx else {}).get_data(as_text=True)
    assert 'id="blacklist-refusal"' in page and 'name="override_reason"' not in page
    for data in (policy_data(), policy_data(override_reason="我觉得可以承保")):
        refused = post(client, path, data, htmx=htmx)
        assert refused.status_code == 400
        html = refused.get_data(as_text=True)
        assert "只有经理可以放行黑名单客户" in html and "须经理书面说明理由" in html
    with app.app_context():
        assert Policy.select().count() == 0 and overrides() == []


def test_a_clean_customer_shows_no_refusal(app, client):
    with app.app_context():
        person = make_customer()
    login(client)
    page = client.get(f"/customers/{person.id}/policy/new").get_data(as_text=True)
    assert 'id="blacklist-refusal"' not in page and 'name="override_reason"' not in page
    assert post(client, f"/customers/{person.id}/policy/new", policy_data()).status_code == 303
