"""Merging two records of one customer: everything moves, the other becomes a tombstone."""

import datetime as dt

import pytest

from inscrm.customers.edit import merge_customers
from inscrm.models import (
    Activity,
    AuditLog,
    Claim,
    Customer,
    CustomerRef,
    Policy,
    Task,
    Vehicle,
)
from inscrm.validators import Invalid
from tests.helpers import login, make_claim, make_customer, make_policy, make_user, post

HX = {"HX-Request": "true"}


@pytest.fixture
def pair(app):
    with app.app_context():
        keep = make_customer(name="沈一", phone="13911112222", email=None)
        gone = make_customer(name="沈一 (重复)", phone="13933334444", email="shen@example.com",
                             address="嘉兴市秀洲区")
        policy = make_policy(gone, policy_no="P-MERGE-1")
        make_claim(policy, claim_no="C-MERGE-1")
        Vehicle.create(customer=gone, plate="浙F55555")
        Activity.create(customer=gone, kind="call", date=dt.date(2025, 7, 1))
        Task.create(customer=gone, kind="follow_up", due_date=dt.date(2025, 8, 1))
        CustomerRef.create(customer=gone, source="core", ref="K-1")
        make_policy(make_customer(name="客户经由中介"), intermediary=gone)
        return keep.id, gone.id


def test_merge_moves_everything_and_leaves_a_tombstone(ctx, pair):
    keep, gone = Customer.get_by_id(pair[0]), Customer.get_by_id(pair[1])
    seq_before = Policy.get(Policy.policy_no == "P-MERGE-1").seq
    merge_customers(keep, gone)
    for model in (Policy, Claim, Vehicle, Activity, Task, CustomerRef):
        assert model.select().where(model.customer == gone.id).count() == 0, model
        assert model.select().where(model.customer == keep.id).count() >= 1, model
    assert Policy.select().where(Policy.intermediary == keep.id).count() == 1
    tomb = Customer.get_by_id(gone.id)
    assert tomb.deleted and tomb.merged_into_id == keep.id
    survivor = Customer.get_by_id(keep.id)
    assert survivor.email == "shen@example.com" and survivor.address == "嘉兴市秀洲区"
    assert survivor.phone == "13911112222"  # its own values are kept
    assert survivor.last_contact_date == dt.date(2025, 7, 1)
    entry = AuditLog.get(AuditLog.action == "customer_merged")
    assert entry.target == f"customer:{keep.uid}" and entry.details["merged"] == gone.uid
    # synced rows moved by the merge carry a new change stamp, so sync carries the merge
    assert Policy.get(Policy.policy_no == "P-MERGE-1").seq > seq_before
    with pytest.raises(Invalid):
        merge_customers(keep, tomb)
    with pytest.raises(Invalid):
        merge_customers(keep, keep)


def test_an_earlier_tombstone_follows_to_the_new_survivor(ctx):
    a, b, c = make_customer(name="甲"), make_customer(name="乙"), make_customer(name="丙")
    merge_customers(b, a)
    merge_customers(c, Customer.get_by_id(b.id))
    assert Customer.get_by_id(a.id).merged_into_id == c.id


def test_the_merged_record_leaves_search(ctx, pair):
    from inscrm.customers import search
    from inscrm.models import User

    merge_customers(Customer.get_by_id(pair[0]), Customer.get_by_id(pair[1]))
    page = search.search(User.get(User.username == "admin"), search.Query(text="沈一"))
    assert [c.id for c in page.customers] == [pair[0]]


def test_merge_page_side_by_side_and_the_merge(app, client, pair):
    keep, gone = pair
    with app.app_context():
        make_user("boss", role="manager")
    login(client, "boss", "password-1")
    path = f"/customers/merge?a={keep}&b={gone}"
    page = client.get(path).get_data(as_text=True)
    assert "<html" in page and "沈一 (重复)" in page and 'name="keep"' in page
    fragment = client.get(path, headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="merge"' in fragment
    found = client.get(f"/customers/merge?a={keep}&q=沈一", headers=HX).get_data(as_text=True)
    assert f"b={gone}" in found
    response = post(client, path, {"keep": "b"})
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/customers/{gone}")
    with app.app_context():
        assert Customer.get_by_id(keep).merged_into_id == gone
    assert client.get(f"/customers/{keep}").status_code == 404
    again = post(client, f"/customers/merge?a={gone}&b={gone}", {"keep": "a"})
    assert again.status_code == 400


def test_only_managers_merge(app, client, pair):
    with app.app_context():
        make_user("agent9", role="agent")
        Customer.update(manager=None).execute()
    login(client, "agent9", "password-1")
    assert client.get(f"/customers/merge?a={pair[0]}&b={pair[1]}").status_code == 403
    assert post(client, f"/customers/merge?a={pair[0]}&b={pair[1]}", {}).status_code == 403
    with app.app_context():
        assert not Customer.get_by_id(pair[1]).deleted
