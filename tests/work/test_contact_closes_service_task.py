"""A logged contact closes the customer's open service-plan task in the same transaction: from
the 360 page's quick form, from "log contact" in my work, and in a real browser."""

import datetime as dt

import pytest

from inscrm.models import Activity, Customer, Meta, Task
from inscrm.segments import engine
from inscrm.work import contacts, service_plans
from inscrm.work.tasks import GENERATED_ON
from tests.conftest import browser_login
from tests.helpers import login, make_customer, make_policy, make_user, post

TODAY = dt.date.today()
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def plans_ran_before(app):
    """The service plans have run here before, so a customer entered today is due at once
    (not spread as the first round of a new installation)."""
    with app.app_context():
        Meta.set_value(service_plans.PLANS_STARTED,
                       (TODAY - dt.timedelta(days=1)).isoformat())


def key_customer(manager, name):
    """A real key customer (annual premium 62,400 in force), as the rules classify it."""
    customer = make_customer(name=name, manager=manager)
    make_policy(customer, start=TODAY - dt.timedelta(days=30), premium="62400.00")
    engine.reclassify(customer.id)
    return Customer.get_by_id(customer.id)


@pytest.fixture
def due_visit(app):
    """Account manager 李 with a key customer whose visit is due today, and its task."""
    with app.app_context():
        li = make_user("li", name="李经理")
        customer = key_customer(li, "周建华")
        assert customer.segment == "key"
        service_plans.generate_service_tasks(TODAY)
        task = Task.get(Task.customer == customer, Task.kind == "service")
        assert task.status == "open" and task.assignee_id == li.id
        Meta.set_value(GENERATED_ON, TODAY.isoformat())  # the day's pass already ran
        return customer.id, task.id


def status(app, task_id):
    with app.app_context():
        return Task.get_by_id(task_id).status


def test_the_per_customer_pass_closes_only_that_customers_task(ctx):
    agent = make_user()
    first, second = key_customer(agent, "甲"), key_customer(agent, "乙")
    service_plans.generate_service_tasks(TODAY)
    for customer in (first, second):
        Activity.create(customer=customer, kind="visit", date=TODAY)
    assert service_plans.close_contacted_service_tasks(customer_ids=[first.id]) == 1
    states = {t.customer_id: t.status for t in Task.select().where(Task.kind == "service")}
    assert states == {first.id: "done", second.id: "open"}
    assert service_plans.close_contacted_service_tasks(customer_ids=[]) == 0
    assert service_plans.close_contacted_service_tasks() == 1  # everyone: the second one


def test_save_contact_closes_the_task_only_for_a_fitting_contact(ctx):
    agent = make_user()
    customer = key_customer(agent, "丙")
    service_plans.generate_service_tasks(TODAY)
    contacts.save_contact(customer, {"kind": "call", "outcome": "none"}, agent)
    assert Task.get(Task.customer == customer, Task.kind == "service").status == "open"
    contacts.save_contact(customer, {"kind": "visit", "outcome": "none"}, agent)
    task = Task.get(Task.customer == customer, Task.kind == "service")
    assert task.status == "done" and task.done_at is not None


@pytest.mark.parametrize("htmx", [True, False])
def test_logging_the_visit_on_the_360_page_clears_it_from_my_work(app, client, due_visit, htmx):
    customer_id, task_id = due_visit
    login(client, "li", "password-1")
    assert f'id="task-{task_id}"' in client.get("/work/").get_data(as_text=True)
    tasks = client.get(f"/customers/{customer_id}/tasks", headers=HX).get_data(as_text=True)
    assert "上门拜访" in tasks and 'hx-trigger="contact-logged from:body"' in tasks

    response = post(client, f"/customers/{customer_id}/activities",
                    {"kind": "visit", "outcome": "none", "notes": "上门拜访，谈续保"}, htmx=htmx)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "上门拜访，谈续保" in text
    assert ("<html" in text) != htmx
    assert response.headers["HX-Trigger"] == "contact-logged"  # the tasks section reloads
    assert status(app, task_id) == "done"

    for headers in (HX, {}):
        tasks = client.get(f"/customers/{customer_id}/tasks", headers=headers)
        assert "上门拜访" not in tasks.get_data(as_text=True)
        work = client.get("/work/", headers=headers).get_data(as_text=True)
        still_open, done_today = work.split('id="section-done"')
        assert f'id="task-{task_id}"' not in still_open and f'id="task-{task_id}"' in done_today


def test_a_rejected_contact_leaves_the_task_open(app, client, due_visit):
    customer_id, task_id = due_visit
    login(client, "li", "password-1")
    response = post(client, f"/customers/{customer_id}/activities",
                    {"kind": "visit", "date": "2026-13-45"}, htmx=True)
    assert response.status_code == 400 and "HX-Trigger" not in response.headers
    assert status(app, task_id) == "open"


def test_log_contact_in_my_work_on_another_task_closes_the_service_task(app, client, due_visit):
    customer_id, task_id = due_visit
    with app.app_context():
        follow_up = Task.create(customer=customer_id, assignee=Customer.get_by_id(
            customer_id).manager, kind="follow_up", title="回访", due_date=TODAY).id
    login(client, "li", "password-1")
    response = post(client, f"/work/task/{follow_up}/contact",
                    {"kind": "call", "outcome": "none", "mode": "mine"}, htmx=True)
    assert response.status_code == 200
    assert status(app, task_id) == "open"  # a call does not fulfil a visit plan
    response = post(client, f"/work/task/{follow_up}/contact",
                    {"kind": "visit", "outcome": "none", "mode": "mine"})
    assert response.status_code == 302
    assert status(app, task_id) == "done" and status(app, follow_up) == "open"
    work = client.get("/work/").get_data(as_text=True)
    assert f'id="task-{task_id}"' not in work.split('id="section-done"')[0]


def test_in_the_browser_the_visit_logged_on_the_360_page_is_done_on_my_work(page, due_visit):
    customer_id, task_id = due_visit
    browser_login(page, "li", "password-1")
    page.goto("/work/")
    page.wait_for_selector(f"#task-{task_id}")
    page.goto(f"/customers/{customer_id}")
    page.wait_for_selector("#section-tasks:has-text('上门拜访')")
    page.select_option("#section-activities select[name=kind]", "visit")
    page.fill("#section-activities textarea[name=notes]", "上门拜访，送年度保障方案")
    page.click("#section-activities button.primary")
    page.wait_for_selector("#section-activities:has-text('送年度保障方案')")
    page.wait_for_selector("#section-tasks:has-text('无未完成任务。')")
    page.goto("/work/")
    page.wait_for_selector("#my-work")
    assert page.locator(f"#task-{task_id}").count() == 1  # now under "done today"
    assert page.locator(f".done-today #task-{task_id}.status-done").count() == 1
