"""One path for a logged contact: the 360 page and My work check it and follow it up alike."""

import datetime as dt

import pytest

from inscrm.models import Activity, Customer, Task
from tests.helpers import login, make_customer, make_user, post

TODAY = dt.date.today()
NEXT_WEEK = TODAY + dt.timedelta(days=7)


@pytest.fixture
def agent_task(app):
    """An account manager, one of their customers and a task to call them."""
    with app.app_context():
        agent = make_user("wang", password="password-1")
        customer = make_customer(name="王小明", manager=agent)
        task = Task.create(assignee=agent, customer=customer, kind="other", title="回访",
                           due_date=TODAY)
        return customer.id, task.id


def _from_360_page(client, customer_id, task_id, data):
    return post(client, f"/customers/{customer_id}/activities", data, htmx=True)


def _from_my_work(client, customer_id, task_id, data):
    return post(client, f"/work/task/{task_id}/contact", {**data, "mode": "mine"}, htmx=True)


ENTRIES = pytest.mark.parametrize("log", [_from_360_page, _from_my_work],
                                  ids=["360 page", "my work"])


@ENTRIES
def test_a_next_action_date_makes_its_follow_up_task_at_once(app, client, agent_task, log):
    customer_id, task_id = agent_task
    login(client, "wang", "password-1")
    response = log(client, customer_id, task_id, {
        "kind": "call", "outcome": "interested", "notes": "下周再谈",
        "next_action_date": NEXT_WEEK.isoformat()})
    assert response.status_code == 200
    with app.app_context():
        follow_up = Task.get(Task.kind == "follow_up")
        assert (follow_up.customer_id, follow_up.due_date) == (customer_id, NEXT_WEEK)
        customer = Customer.get_by_id(customer_id)
        assert (customer.last_contact_date, customer.segment) == (TODAY, "prospect")


@ENTRIES
def test_a_next_action_before_the_contact_is_refused_alike(app, client, agent_task, log):
    customer_id, task_id = agent_task
    login(client, "wang", "password-1")
    response = log(client, customer_id, task_id, {
        "kind": "call", "next_action_date": (TODAY - dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    assert "下次跟进日期早于联系日期" in response.get_data(as_text=True)
    with app.app_context():
        assert Activity.select().count() == 0
        assert Task.get_by_id(task_id).status == "open"
