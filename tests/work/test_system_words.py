"""What the system writes into rows as words (a service task's title, the first thresholds' note)
is stored as a msgid and read in the reader's language; older rows in Chinese read the same."""

import datetime as dt

from inscrm.i18n import translator
from inscrm.labels import SERVICE_TITLES, system_note, task_title
from inscrm.models import Task
from tests.helpers import login, make_customer, make_user, post

TODAY = dt.date.today()


def test_a_service_title_is_a_msgid_and_other_titles_are_data():
    assert task_title("service", "Home visit") == "Home visit"
    assert task_title("service", "上门拜访") == "Home visit"  # a row made before
    assert task_title("service", "电话回访") == "Follow-up call"
    assert task_title("follow_up", "上门拜访，谈续保") is None  # the notes of a call: data
    assert task_title("renewal", "P2025000001") is None
    zh = translator("zh")
    assert system_note("defaults", zh) == "默认阈值"
    assert system_note("defaults", translator("en")) == "Default thresholds"
    assert system_note("draft 7", zh) == "草案 7"
    assert system_note("raised the quota", zh) == "raised the quota"  # a person's words


def _service_tasks(app):
    with app.app_context():
        wang = make_user("wang", "agent", password="wang-pass-1")
        made = make_customer(name="新客户", segment="key", manager=wang)
        Task.create(assignee=wang, customer=made, kind="service", due_date=TODAY,
                    title=SERVICE_TITLES["visit"], rule="service_plan")  # as the plans write
        old = make_customer(name="老客户", segment="quality", manager=wang)
        Task.create(assignee=wang, customer=old, kind="service", title="电话回访",
                    due_date=TODAY, rule="service_plan")
        noted = make_customer(name="跟进客户", segment="standard", manager=wang)
        Task.create(assignee=wang, customer=noted, kind="follow_up", title="Home visit notes",
                    due_date=TODAY)
        return made.id


def test_my_work_shows_service_titles_in_chinese_or_english(client, app):
    customer_id = _service_tasks(app)
    login(client, "wang", "wang-pass-1")
    page = client.get("/work/").get_data(as_text=True)
    assert "上门拜访" in page and "电话回访" in page
    assert "Home visit notes" in page  # a person's words stay as written
    assert "Follow-up call" not in page and ">Home visit<" not in page
    tasks = client.get(f"/customers/{customer_id}/tasks").get_data(as_text=True)
    assert "上门拜访" in tasks
    post(client, "/language", {"lang": "en", "next": "/"})
    page = client.get("/work/").get_data(as_text=True)
    assert "Home visit" in page and "Follow-up call" in page
    assert "上门拜访" not in page and "电话回访" not in page
    assert "Home visit" in client.get("/").get_data(as_text=True)  # the home page's day


def test_the_first_thresholds_read_as_defaults_in_the_readers_language(client):
    login(client)
    page = client.get("/settings/rules").get_data(as_text=True)
    assert "<td>默认阈值</td>" in page and "<td>defaults</td>" not in page
    post(client, "/language", {"lang": "en", "next": "/"})
    page = client.get("/settings/rules").get_data(as_text=True)
    assert "<td>Default thresholds</td>" in page
