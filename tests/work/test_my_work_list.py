"""My work as a list people can keep up with: filters by kind, segment and due date, sorting,
pages by keyset, many tasks done or moved at once, a moved task leaving its section at once,
and "done" undone."""


import pytest

from inscrm.models import AuditLog, Meta, Task
from inscrm.work import worklist
from inscrm.work.tasks import GENERATED_ON
from tests.conftest import browser_login
from tests.helpers import login, make_customer, make_user, post
from tests.work.test_work_views import HX, TODAY, day


@pytest.fixture
def desk(app):
    """An account manager with tasks of every kind and section, for a key and a standard
    customer; and a colleague's task."""
    with app.app_context():
        wang = make_user("wang", name="王经理")
        li = make_user("li", name="李经理")
        key = make_customer(name="甲重要", manager=wang, segment="key")
        plain = make_customer(name="乙标准", manager=wang, segment="standard")
        made = {}
        for title, customer, kind, offset in (
                ("renew-late", key, "renewal", -5), ("call-late", plain, "follow_up", -2),
                ("visit-today", key, "service", 0), ("renew-week", plain, "renewal", 3),
                ("later-one", plain, "follow_up", 12)):
            made[title] = Task.create(assignee=wang, customer=customer, kind=kind, title=title,
                                      due_date=day(offset)).id
        made["theirs"] = Task.create(assignee=li, customer=make_customer(manager=li),
                                     kind="follow_up", title="theirs", due_date=day(-1)).id
        Meta.set_value(GENERATED_ON, TODAY.isoformat())
    return made


def section_of(page, title):
    """The id of the section a task's title is listed in."""
    at = page.index(title)
    return page[page.rindex('id="section-', 0, at):].split('"')[1]


def test_filters_by_kind_segment_and_due(client, desk):
    login(client, "wang", "password-1")
    renewals = client.get("/work/?kind=renewal").get_data(as_text=True)
    assert "renew-late" in renewals and "renew-week" in renewals and "call-late" not in renewals
    key = client.get("/work/?segment=key").get_data(as_text=True)
    assert "renew-late" in key and "visit-today" in key and "renew-week" not in key
    overdue = client.get("/work/?due=overdue", headers=HX).get_data(as_text=True)
    assert "renew-late" in overdue and "call-late" in overdue and "visit-today" not in overdue
    assert 'id="section-today"' not in overdue and "<html" not in overdue
    assert section_of(client.get("/work/").get_data(as_text=True), "later-one") \
        == "section-later"
    for bad in ("kind=x", "segment=vip", "due=never", "sort=premium"):
        assert client.get(f"/work/?{bad}").status_code == 400


def test_sorted_by_customer_with_keyset_pages(client, app, desk):
    with app.app_context():
        wang = Task.get_by_id(desk["renew-late"]).assignee
        for n in range(worklist.PAGE + 3):
            Task.create(assignee=wang, kind="other", title=f"many-{n:02d}", due_date=day(-9),
                        customer=make_customer(name=f"丙{n:02d}", manager=wang))
    login(client, "wang", "password-1")
    page = client.get("/work/?due=overdue&sort=customer").get_data(as_text=True)
    # by name in pinyin order (丙 bing < 甲 jia < 乙 yi; by code point 乙 would come first)
    assert page.index("丙00") < page.index("丙29") and "丙30" not in page and "甲重要" not in page
    more = page[page.index('class="more'):]
    link = more.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "sort=customer" in link and "after_key=" in link
    rest = client.get(link, headers=HX).get_data(as_text=True)
    assert rest.index("丙30") < rest.index("丙32") < rest.index("甲重要") < rest.index("乙标准")
    assert "丙29" not in rest and "<html" not in rest
    assert client.get("/work/section/overdue?sort=due&after_key=junk&after_id=1"
                      ).status_code == 400


def test_bulk_done_and_reschedule_only_my_open_tasks(client, app, desk):
    login(client, "wang", "password-1")
    response = post(client, "/work/bulk?kind=renewal", {
        "action": "done", "task": [desk["renew-late"], desk["renew-week"], desk["theirs"]]},
        htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="my-work"') and "renew-late" in body  # done today
    moved = post(client, "/work/bulk", {"action": "reschedule", "due_date": day(7).isoformat(),
                                        "task": [desk["call-late"], desk["visit-today"]]})
    assert moved.status_code == 303
    with app.app_context():
        states = {t.title: (t.status, t.due_date) for t in Task.select()}
    assert states["renew-late"][0] == states["renew-week"][0] == "done"
    assert states["theirs"] == ("open", day(-1))  # another's task is left alone
    assert states["call-late"] == states["visit-today"] == ("open", day(7))
    past = post(client, "/work/bulk", {"action": "reschedule", "due_date": day(-1).isoformat(),
                                       "task": [desk["later-one"]]}, htmx=True)
    assert past.status_code == 400 and 'role="alert"' in past.get_data(as_text=True)
    nothing = post(client, "/work/bulk", {"action": "done"}, htmx=True)
    assert nothing.status_code == 400 and "请先勾选任务" in nothing.get_data(as_text=True)
    assert post(client, "/work/bulk", {"action": "burn", "task": [1]}).status_code == 400


def test_a_rescheduled_task_makes_my_work_read_its_sections_again(client, desk):
    login(client, "wang", "password-1")
    response = post(client, f"/work/task/{desk['renew-late']}/reschedule",
                    {"due_date": day(2).isoformat(), "mode": "mine"}, htmx=True)
    assert response.headers["HX-Trigger"] == "work-changed"
    page = client.get("/work/").get_data(as_text=True)
    assert 'hx-trigger="work-changed from:body"' in page
    assert section_of(page, "renew-late") == "section-week"


def test_undo_a_task_marked_done_by_mistake(client, app, desk):
    login(client, "wang", "password-1")
    task_id = desk["visit-today"]
    row = post(client, f"/work/task/{task_id}/done", {"mode": "mine"}, htmx=True)
    assert "撤销" in row.get_data(as_text=True)
    assert section_of(client.get("/work/").get_data(as_text=True), "visit-today") \
        == "section-done"
    again = post(client, f"/work/task/{task_id}/reopen", {"mode": "mine"}, htmx=True)
    assert again.status_code == 200 and "status-open" in again.get_data(as_text=True)
    with app.app_context():
        task = Task.get_by_id(task_id)
        assert (task.status, task.done_at) == ("open", None)
        assert AuditLog.get(AuditLog.action == "task_reopened").target == f"task:{task.uid}"
        Task.update(status="done", note="Renewed").where(Task.id == task_id).execute()
    by_rule = post(client, f"/work/task/{task_id}/reopen", {"mode": "mine"}, htmx=True)
    assert by_rule.status_code == 400  # a rule closed it: it would only close it again
    assert post(client, f"/work/task/{desk['theirs']}/reopen").status_code == 403


def test_an_account_manager_keeps_up_in_the_browser(app, page, desk):
    browser_login(page, "wang", "password-1")
    page.goto("/work/")
    overdue = page.locator("#section-overdue + table")
    assert overdue.locator("tr.task").count() == 2
    # a rescheduled overdue task leaves the overdue section at once
    row = page.locator(f"#task-{desk['call-late']}")
    row.locator("summary", has_text="改期").click()
    row.locator("input[name=due_date]").fill(day(1).isoformat())
    row.locator("details:has(summary:has-text('改期')) button").click()
    page.wait_for_function("() => document.querySelectorAll('#section-overdue + table tr.task')"
                           ".length == 1")
    assert page.locator(f"#section-week + table #task-{desk['call-late']}").count() == 1
    # only the renewals, two ticked and done at once
    page.select_option("select[name=kind]", "renewal")
    page.wait_for_function("() => location.search.includes('kind=renewal')")
    page.wait_for_function("() => !document.body.innerText.includes('later-one')")
    for title in ("renew-late", "renew-week"):
        page.locator("tr.task", has_text=title).locator("input[name=task]").check()
    page.click("#bulk-work button[value=done]")
    page.wait_for_selector(".done-today tr.task >> text=renew-week")
    # one of them was a mistake: undo
    page.locator(".done-today tr.task", has_text="renew-week").locator("button.undo").click()
    page.wait_for_selector(f"#task-{desk['renew-week']}.status-open")
    with app.app_context():
        states = {t.title: t.status for t in Task.select()}
    assert states["renew-late"] == "done" and states["renew-week"] == "open"
