"""My work, the team queue, the task actions and the visit list, as full pages and htmx."""

import datetime as dt

import pytest

from inscrm.models import Activity, AuditLog, Meta, Task
from inscrm.work.tasks import GENERATED_ON
from tests.helpers import login, make_customer, make_policy, make_user, post

TODAY = dt.date.today()
HX = {"HX-Request": "true"}


def day(offset):
    return TODAY + dt.timedelta(days=offset)


@pytest.fixture
def team(app):
    """Two account managers and a manager; tasks overdue, today and this week for each agent."""
    with app.app_context():
        people = {
            "wang": make_user("wang", name="王经理", password="password-1"),
            "li": make_user("li", name="李经理", password="password-1"),
            "boss": make_user("boss", role="manager", password="password-1"),
        }
        made = {}
        for name in ("wang", "li"):
            customer = make_customer(name=f"{name}的客户", manager=people[name],
                                     address="南湖区建设街道1号", phone="13800000001")
            for label, offset in (("late", -3), ("today", 0), ("week", 4), ("later", 20)):
                made[f"{name}-{label}"] = Task.create(
                    assignee=people[name], customer=customer, kind="follow_up",
                    title=f"{name}-{label}", due_date=day(offset)).id
        Meta.set_value(GENERATED_ON, TODAY.isoformat())  # the day's pass already ran
    return people, made


def test_my_work_shows_only_my_tasks_in_sections(client, team):
    login(client, "wang", "password-1")
    page = client.get("/work/").get_data(as_text=True)
    assert "wang-late" in page and "wang-today" in page and "wang-week" in page
    assert page.index("wang-week") < page.index('id="section-later"') < page.index("wang-later")
    assert "li-" not in page  # another agent's tasks
    assert "<html" in page and 'id="section-overdue"' in page
    fragment = client.get("/work/", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="my-work"' in fragment and "wang-today" in fragment


def test_done_by_htmx_returns_the_row_and_by_form_redirects(client, team, app):
    people, made = team
    login(client, "wang", "password-1")
    response = post(client, f"/work/task/{made['wang-today']}/done", {"mode": "mine"}, htmx=True)
    assert response.status_code == 200
    row = response.get_data(as_text=True)
    assert row.lstrip().startswith(f'<tr id="task-{made["wang-today"]}"')
    assert "status-done" in row and "<html" not in row
    response = post(client, f"/work/task/{made['wang-week']}/done")
    assert response.status_code == 302 and response.location.endswith("/work/")
    with app.app_context():
        assert Task.get_by_id(made["wang-today"]).status == "done"
        assert Task.get_by_id(made["wang-week"]).done_at is not None


def test_an_agent_cannot_touch_anothers_task(client, team, app):
    _people, made = team
    login(client, "wang", "password-1")
    assert post(client, f"/work/task/{made['li-today']}/done", htmx=True).status_code == 403
    assert post(client, f"/work/task/{made['li-today']}/done").status_code == 403
    with app.app_context():
        assert Task.get_by_id(made["li-today"]).status == "open"


def test_reschedule(client, team, app):
    _people, made = team
    login(client, "wang", "password-1")
    task_id = made["wang-late"]
    response = post(client, f"/work/task/{task_id}/reschedule",
                    {"due_date": day(2).isoformat()}, htmx=True)
    assert response.status_code == 200 and day(2).isoformat() in response.get_data(as_text=True)
    past = post(client, f"/work/task/{task_id}/reschedule", {"due_date": day(-1).isoformat()},
                htmx=True)
    assert past.status_code == 400 and 'role="alert"' in past.get_data(as_text=True)
    assert post(client, f"/work/task/{task_id}/reschedule", {"due_date": "2025-02-30"}
                ).status_code == 400
    with app.app_context():
        assert Task.get_by_id(task_id).due_date == day(2)


def test_log_contact_records_the_activity_closes_the_task_and_makes_the_follow_up(
        client, team, app):
    people, made = team
    login(client, "wang", "password-1")
    task_id = made["wang-today"]
    response = post(client, f"/work/task/{task_id}/contact", {
        "kind": "visit", "outcome": "quoted", "notes": "报价 3200 元", "done": "1",
        "next_action_date": day(5).isoformat(), "mode": "mine"}, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        activity = Activity.get()
        assert (activity.kind, activity.outcome, activity.user_id) == ("visit", "quoted",
                                                                         people["wang"].id)
        assert activity.customer.last_contact_date == TODAY
        assert Task.get_by_id(task_id).status == "done"
        follow = Task.get(Task.kind == "follow_up", Task.rule == "follow_up_rule")
        assert (follow.due_date, follow.assignee_id) == (day(5), people["wang"].id)
    bad = post(client, f"/work/task/{made['wang-week']}/contact", {"kind": "fax"}, htmx=True)
    assert bad.status_code == 400
    with app.app_context():
        assert Activity.select().count() == 1


def test_more_pages_by_keyset(client, app, team):
    people, _made = team
    with app.app_context():
        customer = make_customer(manager=people["wang"])
        for i in range(35):
            Task.create(assignee=people["wang"], customer=customer, title=f"bulk-{i:02d}",
                        due_date=day(-10))
    login(client, "wang", "password-1")
    page = client.get("/work/").get_data(as_text=True)
    # a page holds 30 rows: bulk-00 … bulk-29
    assert "bulk-29" in page and "bulk-30" not in page and 'hx-trigger="revealed"' in page
    with app.app_context():
        last = Task.get(Task.title == "bulk-29")
    args = f"after_key={last.due_date.isoformat()}&after_id={last.id}"
    rows = client.get(f"/work/section/overdue?{args}", headers=HX).get_data(as_text=True)
    assert "bulk-30" in rows and "bulk-29" not in rows and "wang-late" in rows
    assert "<html" not in rows
    full = client.get(f"/work/section/overdue?{args}").get_data(as_text=True)
    assert "<html" in full and "bulk-34" in full
    assert client.get("/work/section/nope").status_code == 404


def test_team_queue_is_for_managers_and_reassigns(client, team, app):
    people, made = team
    login(client, "wang", "password-1")
    assert client.get("/work/team").status_code == 403
    login(client, "boss", "password-1")
    page = client.get("/work/team").get_data(as_text=True)
    assert "wang-late" in page and "li-late" in page and "王经理" in page
    only_li = client.get(f"/work/team?assignee={people['li'].id}", headers=HX)
    text = only_li.get_data(as_text=True)
    assert "li-late" in text and "wang-late" not in text and "<html" not in text
    response = post(client, f"/work/task/{made['wang-late']}/reassign",
                    {"assignee": people["li"].id, "mode": "team"}, htmx=True)
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    response = post(client, "/work/team/reassign",
                    {"assignee": people["li"].id, "task": [made["wang-today"], made["wang-week"]]})
    assert response.status_code == 302
    with app.app_context():
        moved = Task.select().where(Task.id.in_(
            [made["wang-late"], made["wang-today"], made["wang-week"]]))
        assert {t.assignee_id for t in moved} == {people["li"].id}
        assert AuditLog.select().where(AuditLog.action == "tasks_reassigned").count() == 2
    assert post(client, "/work/team/reassign", {"assignee": people["li"].id}).status_code == 400
    assert post(client, f"/work/task/{made['li-late']}/reassign", {"assignee": "x"}
                ).status_code == 400


def test_visit_list_prints_a_days_tasks_with_addresses_and_phones(client, team):
    login(client, "wang", "password-1")
    page = client.get("/work/visits").get_data(as_text=True)
    assert "南湖区建设街道1号" in page and "13800000001" in page
    assert "wang-today" in page and "wang-late" not in page and "wang-week" not in page
    with_overdue = client.get("/work/visits?overdue=1").get_data(as_text=True)
    assert "wang-late" in with_overdue and "wang-today" in with_overdue
    assert "wang-today" in client.get(f"/work/visits?user={team[0]['li'].id}").get_data(
        as_text=True)  # an agent cannot print another's list: their own comes instead
    later = client.get(f"/work/visits?date={day(4).isoformat()}").get_data(as_text=True)
    assert "wang-week" in later and "wang-today" not in later
    assert client.get("/work/visits?date=junk").status_code == 400


def test_my_work_runs_the_days_pass_once(client, app):
    with app.app_context():
        agent = make_user("zhao", password="password-1")
        customer = make_customer(manager=agent, segment="standard")
        make_policy(customer, start=day(-360), days=370)  # ends in 10 days
    login(client, "zhao", "password-1")
    page = client.get("/work/").get_data(as_text=True)
    with app.app_context():
        assert Task.select().where(Task.kind == "renewal").count() == 1
        assert Meta.get_value(GENERATED_ON) == TODAY.isoformat()
    assert "续保" in page


def test_team_queue_pages_by_keyset_with_its_filters(client, app, team):
    people, _made = team
    with app.app_context():
        customer = make_customer(manager=people["li"])
        for i in range(35):
            Task.create(assignee=people["li"], customer=customer, kind="win_back",
                        title=f"wb-{i:02d}", due_date=day(-9))
    login(client, "boss", "password-1")
    page = client.get("/work/team?kind=win_back").get_data(as_text=True)
    assert "wb-29" in page and "wb-30" not in page and "wang-late" not in page
    with app.app_context():
        last = Task.get(Task.title == "wb-29")
    rows = client.get(f"/work/team?kind=win_back&after_key={last.due_date}&after_id={last.id}",
                      headers=HX).get_data(as_text=True)
    assert "wb-30" in rows and "wb-34" in rows and "wb-29" not in rows
    assert "Open tasks per person" not in rows and "每人未完成任务" not in rows  # rows only
    assert client.get("/work/team?kind=nope").status_code == 400


def test_manager_prints_a_persons_visit_list(client, team):
    people, _made = team
    login(client, "boss", "password-1")
    assert f"/work/visits?user={people['li'].id}" in client.get("/work/team").get_data(
        as_text=True)
    page = client.get(f"/work/visits?user={people['li'].id}").get_data(as_text=True)
    assert "li-today" in page and "李经理" in page and "wang-today" not in page
    assert client.get("/work/visits?user=99999").status_code == 404


def test_plain_form_posts_without_htmx_redirect_back(client, team, app):
    people, made = team
    login(client, "wang", "password-1")
    response = post(client, f"/work/task/{made['wang-week']}/contact",
                    {"kind": "call", "outcome": "none", "mode": "mine"})
    assert response.status_code == 302 and response.location.endswith("/work/")
    response = post(client, f"/work/task/{made['wang-late']}/reschedule",
                    {"due_date": day(1).isoformat(), "mode": "mine"})
    assert response.status_code == 302
    login(client, "boss", "password-1")
    response = post(client, f"/work/task/{made['wang-today']}/reassign",
                    {"assignee": people["li"].id, "mode": "team"})
    assert response.status_code == 302 and response.location.endswith("/work/team")
    with app.app_context():
        assert Task.get_by_id(made["wang-week"]).status == "open"  # "done" was not ticked
        assert Task.get_by_id(made["wang-late"]).due_date == day(1)
        assert Task.get_by_id(made["wang-today"]).assignee_id == people["li"].id
