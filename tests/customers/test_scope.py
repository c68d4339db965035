"""What each role may learn and change of a customer: the ID number masked in the edit form,
duplicates outside one's scope not named, tasks of a customer moved away no longer worked,
the quote check's view of another agent's customer, and the read-only roles (analyst; claims
staff, who record claims) refused every customer, policy, vehicle and contact write."""

import datetime as dt

import pytest

from inscrm.models import Activity, AuditLog, Claim, Customer, Policy, Task, Vehicle
from tests.helpers import login, make_customer, make_policy, make_user, post, resident_id

TODAY = dt.date.today()
HX = {"HX-Request": "true"}


@pytest.fixture
def people(app):
    """Two account managers, a manager, an analyst and a claims clerk; each agent a customer
    with a policy, a vehicle, a contact and an open task due today."""
    with app.app_context():
        users = {role: make_user(role, role=role) for role in ("manager", "analyst", "claims")}
        users["agent"] = make_user("agent", role="agent")
        users["other"] = make_user("other", role="agent")
        ids = {}
        for who in ("agent", "other"):
            customer = make_customer(name=f"{who}的客户", manager=users[who],
                                     phone=f"1390000000{len(ids)}")
            policy = make_policy(customer)
            vehicle = Vehicle.create(customer=customer, plate=f"浙F1234{len(ids)}")
            activity = Activity.create(customer=customer, user=users[who], date=TODAY,
                                       kind="call", notes="")
            task = Task.create(assignee=users[who], customer=customer, kind="other",
                               title=f"{who}-回访", due_date=TODAY)
            ids[who] = {"customer": customer.id, "policy": policy.id, "vehicle": vehicle.id,
                        "activity": activity.id, "task": task.id,
                        "id_number": customer.id_number, "phone": customer.phone,
                        "plate": vehicle.plate}
    return ids


def as_(app, username):
    client = app.test_client()
    login(client, username, "password-1")
    return client


def customer_form(customer_id, client, **changes):
    """The edit form's fields as the page fills them, with `changes`."""
    import re

    page = client.get(f"/customers/{customer_id}/edit").get_data(as_text=True)
    data = dict(re.findall(r'<input name="([a-z_0-9]+)"(?: type="[a-z]+")? value="([^"]*)"', page))
    data.update({"kind": "individual", "source": "walk_in", "credit": "unknown",
                 "id_type": "resident_id"})
    data.update(changes)
    return data


@pytest.mark.parametrize("username", ["agent", "manager", "admin"])
def test_the_edit_form_masks_the_id_number_and_keeps_it(app, people, username):
    client = app.test_client()
    login(client, *((username, "password-1") if username != "admin" else ()))
    mine = people["agent"]
    page = client.get(f"/customers/{mine['customer']}/edit").get_data(as_text=True)
    assert mine["id_number"] not in page
    masked = mine["id_number"][:6] + "********" + mine["id_number"][-4:]
    assert f'value="{masked}"' in page
    response = post(client, f"/customers/{mine['customer']}/edit",
                    customer_form(mine["customer"], client, name="改过的名字"))
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        saved = Customer.get_by_id(mine["customer"])
        assert saved.name == "改过的名字" and saved.id_number == mine["id_number"]
    new_number = resident_id("19770707", 321)
    response = post(client, f"/customers/{mine['customer']}/edit",
                    customer_form(mine["customer"], client, id_number=new_number))
    assert response.status_code == 303
    with app.app_context():
        assert Customer.get_by_id(mine["customer"]).id_number == new_number


def test_the_full_id_number_is_revealed_only_by_the_audited_post(app, people):
    mine = people["agent"]
    manager = as_(app, "manager")
    body = post(manager, f"/customers/{mine['customer']}/id-number", htmx=True).get_data(
        as_text=True)
    assert mine["id_number"] in body
    with app.app_context():
        entry = AuditLog.get(AuditLog.action == "view_full_id")
        assert entry.username == "manager"
    agent = as_(app, "agent")
    assert post(agent, f"/customers/{mine['customer']}/id-number").status_code == 403


@pytest.mark.parametrize("field", ["id_number", "phone", "plate"])
def test_a_duplicate_outside_the_agents_scope_is_not_named(app, people, field):
    theirs = people["other"]
    data = {"kind": "individual", "name": "新客户", "id_type": "resident_id",
            "source": "walk_in", "credit": "unknown", field: theirs[field]}
    agent = as_(app, "agent")
    body = post(agent, "/customers/new", data).get_data(as_text=True)
    assert "other的客户" not in body and f"/customers/{theirs['customer']}" not in body
    assert "不是您的客户" in body and "支公司经理" in body
    manager = as_(app, "manager")  # the branch manager sees the whole branch: named, linked
    body = post(manager, "/customers/new", data).get_data(as_text=True)
    assert "other的客户" in body and f"/customers/{theirs['customer']}" in body
    with app.app_context():
        assert Customer.select().where(Customer.name == "新客户").count() == 0


def test_tasks_of_a_customer_moved_away_are_no_longer_the_agents(app, people):
    mine = people["agent"]
    with app.app_context():
        other = Customer.get_by_id(people["other"]["customer"]).manager_id
        Customer.update(manager=other).where(Customer.id == mine["customer"]).execute()
    agent = as_(app, "agent")
    assert "agent-回访" not in agent.get("/work/").get_data(as_text=True)
    assert "agent-回访" not in agent.get("/work/visits").get_data(as_text=True)
    for action in ("done", "reschedule", "contact"):
        response = post(agent, f"/work/task/{mine['task']}/{action}",
                        {"due_date": TODAY.isoformat(), "kind": "call", "outcome": "reached"})
        assert response.status_code == 403, action
    post(agent, "/work/bulk", {"action": "done", "task": str(mine["task"])})
    with app.app_context():
        assert Task.get_by_id(mine["task"]).status == "open"
    manager = as_(app, "manager")  # the manager still sees it, to give it to the new one
    assert "agent-回访" in manager.get("/work/team").get_data(as_text=True)


def test_the_quote_check_tells_an_agent_known_segment_and_advice_only(app, people):
    theirs = people["other"]
    with app.app_context():
        policy = Policy.get_by_id(theirs["policy"])
        policy.premium = 98765
        policy.save()
    agent = as_(app, "agent")
    for query in (theirs["id_number"], theirs["plate"]):
        body = agent.get(f"/quote?q={query}", headers=HX).get_data(as_text=True)
        assert "其他客户经理的客户" in body and 'class="badge seg-' in body
        assert 'class="card advice' in body
        for secret in ("other的客户", "98,765", ">other<", f"/customers/{theirs['customer']}"):
            assert secret not in body, (query, secret)
    mine = people["agent"]
    body = agent.get(f"/quote?q={mine['id_number']}", headers=HX).get_data(as_text=True)
    assert "agent的客户" in body and "其他客户经理的客户" not in body
    manager = as_(app, "manager")
    body = manager.get(f"/quote?q={theirs['id_number']}", headers=HX).get_data(as_text=True)
    assert "other的客户" in body and "98,765" in body


def _writes(ids):
    c = ids["customer"]
    return {
        "customer new": "/customers/new",
        "customer edit": f"/customers/{c}/edit",
        "policy new": f"/customers/{c}/policy/new",
        "policy edit": f"/policy/{ids['policy']}/edit",
        "vehicle new": f"/customers/{c}/vehicle/new",
        "vehicle edit": f"/vehicle/{ids['vehicle']}/edit",
        "contact": f"/customers/{c}/activities",
        "contact edit": f"/activities/{ids['activity']}/edit",
    }


@pytest.mark.parametrize("role", ["analyst", "claims"])
def test_the_read_only_roles_are_refused_every_write(app, people, role):
    client = as_(app, role)
    ids = people["agent"]
    with app.app_context():
        before = {m.__name__: m.select().count() for m in (Customer, Policy, Vehicle, Activity)}
    for name, path in _writes(ids).items():
        if not path.endswith("/activities"):
            assert client.get(path).status_code == 403, name
        response = post(client, path, {"name": "改", "policy_no": "X1", "premium": "1",
                                       "start_date": "2025-01-01", "plate": "浙F99999",
                                       "date": TODAY.isoformat(), "kind": "call"})
        assert response.status_code == 403, name
    assert client.get(f"/customers/{ids['customer']}").status_code == 200  # reading stays
    with app.app_context():
        assert before == {m.__name__: m.select().count()
                          for m in (Customer, Policy, Vehicle, Activity)}


def test_claims_staff_record_claims_and_the_analyst_does_not(app, people):
    ids = people["agent"]
    data = {"claim_no": "CL-1", "policy": str(ids["policy"]), "loss_date": "2025-03-01",
            "paid": "10.00", "reserve": "0", "status": "open"}
    path = f"/customers/{ids['customer']}/claim/new"
    assert post(as_(app, "analyst"), path, data).status_code == 403
    assert post(as_(app, "agent"), path, data).status_code == 403
    assert post(as_(app, "claims"), path, data).status_code == 303
    with app.app_context():
        assert Claim.select().count() == 1


@pytest.mark.parametrize("role, offered, not_offered", [
    ("analyst", (), ("/policy/new", "/claim/new", "/vehicle/new", "/edit", "quick-log")),
    ("claims", ("/claim/new",), ("/policy/new", "/vehicle/new", "quick-log")),
    ("agent", ("/policy/new", "/vehicle/new", "quick-log"), ("/claim/new",)),
])
def test_the_360_page_offers_only_what_the_role_may_write(client, app, role, offered,
                                                         not_offered):
    with app.app_context():
        user = make_user(f"u-{role}", role=role)
        customer_id = make_customer(manager=user).id
    login(client, f"u-{role}", "password-1")
    page = "".join(client.get(f"/customers/{customer_id}{section}").get_data(as_text=True)
                   for section in ("", "/activities", "/policies", "/claims", "/vehicles"))
    for part in offered:
        assert part in page, part
    for part in not_offered:
        assert part not in page, part
