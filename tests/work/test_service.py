"""Service plans: tasks made from the plans, closed by the contact, and plan compliance."""

import datetime as dt
from decimal import Decimal

import pytest

from inscrm.models import Activity, AuditLog, Customer, Task
from inscrm.segments import rules
from inscrm.validators import Invalid
from inscrm.work import service_plans
from tests.helpers import make_customer, make_township, make_user

TODAY = dt.date(2026, 3, 10)


def contact(customer, kind, date, user=None):
    return Activity.create(customer=customer, user=user, kind=kind, date=date)


def open_tasks():
    return list(Task.select().where(Task.kind == "service", Task.status == "open")
                .order_by(Task.id))


def test_default_plans_visit_key_customers_and_call_quality_ones(ctx):
    assert service_plans.plans() == {"key": {"kind": "visit", "days": 90},
                               "quality": {"kind": "call", "days": 180}}
    assert service_plans.contact_kinds("visit") == ["visit"]
    assert service_plans.contact_kinds("call") == ["call", "service", "visit"]
    assert service_plans.contact_kinds("message") == ["call", "message", "service", "visit"]


def test_tasks_go_to_the_customer_manager_or_else_the_township_manager(ctx):
    li, wang = make_user(name="李经理"), make_user(name="王经理")
    town = make_township(manager=wang)
    key = make_customer(segment="key", manager=li, township=town)
    quality = make_customer(segment="quality", township=town)
    stray = make_customer(segment="key")  # no manager, no township: an unassigned task
    make_customer(segment="standard", manager=li)
    make_customer(segment="blacklist", manager=li)

    counts = service_plans.generate_service_tasks(TODAY)

    assert counts == {"created": 3, "done": 0, "cancelled": 0}
    tasks = {t.customer_id: t for t in open_tasks()}
    assert set(tasks) == {key.id, quality.id, stray.id}
    assert tasks[key.id].assignee_id == li.id
    assert tasks[quality.id].assignee_id == wang.id
    assert tasks[stray.id].assignee_id is None
    assert all(t.due_date == TODAY for t in tasks.values())  # never contacted: due today
    assert tasks[key.id].title == "Home visit"  # a msgid, worded on display
    assert tasks[key.id].rule == "service_plan"
    assert tasks[key.id].origin == "JX01"
    assert tasks[key.id].dedupe_key == f"service:{key.uid}:2026-03-10"
    assert tasks[key.id].seq is not None and tasks[key.id].uid


def test_due_date_follows_the_last_fitting_contact_within_the_lead_days(ctx):
    soon = make_customer(segment="key")
    contact(soon, "visit", TODAY - dt.timedelta(days=80))  # due in 10 days: within 14
    later = make_customer(segment="key")
    contact(later, "visit", TODAY - dt.timedelta(days=60))  # due in 30 days: not yet
    called = make_customer(segment="key")
    contact(called, "call", TODAY - dt.timedelta(days=5))  # a call is no visit
    contact(called, "visit", TODAY - dt.timedelta(days=200))
    gone = make_customer(segment="key")
    Activity.create(customer=gone, kind="visit", date=TODAY, deleted=True)

    service_plans.generate_service_tasks(TODAY)

    due = {t.customer_id: t.due_date for t in open_tasks()}
    assert due == {
        soon.id: TODAY + dt.timedelta(days=10),
        called.id: TODAY,  # due since 110 days, but a task is never due before it is made
        gone.id: TODAY,
    }


def test_no_duplicates_on_a_second_run_or_the_next_day(ctx):
    customer = make_customer(segment="quality")
    service_plans.generate_service_tasks(TODAY)
    assert service_plans.generate_service_tasks(TODAY)["created"] == 0
    assert service_plans.generate_service_tasks(TODAY + dt.timedelta(days=1))["created"] == 0
    assert Task.select().where(Task.customer == customer).count() == 1


def test_the_task_stops_once_the_fitting_contact_is_logged(ctx):
    customer = make_customer(segment="key")
    service_plans.generate_service_tasks(TODAY)
    [task] = open_tasks()

    contact(customer, "call", TODAY)  # a call does not fulfil a visit plan
    assert service_plans.close_contacted_service_tasks() == 0
    assert Task.get_by_id(task.id).status == "open"

    contact(customer, "visit", TODAY)
    assert service_plans.close_contacted_service_tasks() == 1
    closed = Task.get_by_id(task.id)
    assert closed.status == "done" and closed.done_at is not None
    assert closed.seq > task.seq  # the change travels to HQ

    # the next round is due 90 days after the visit, so nothing new today
    assert service_plans.generate_service_tasks(TODAY)["created"] == 0
    later = TODAY + dt.timedelta(days=80)
    assert service_plans.generate_service_tasks(later)["created"] == 1
    [renewed] = open_tasks()
    assert renewed.due_date == TODAY + dt.timedelta(days=90)


def test_a_visit_written_up_after_the_task_counts_even_dated_the_day_before(ctx):
    customer = make_customer(segment="key")
    service_plans.generate_service_tasks(TODAY)
    contact(customer, "visit", TODAY - dt.timedelta(days=1))
    assert service_plans.generate_service_tasks(TODAY) == {"created": 0, "done": 1, "cancelled": 0}


def test_an_old_contact_imported_later_does_not_close_the_task(ctx):
    customer = make_customer(segment="key")
    contact(customer, "visit", TODAY - dt.timedelta(days=100))
    service_plans.generate_service_tasks(TODAY)
    [task] = open_tasks()
    assert task.due_date == TODAY  # the round was due 10 days ago; the task arrives today
    assert task.dedupe_key.endswith((TODAY - dt.timedelta(days=10)).isoformat())
    contact(customer, "visit", TODAY - dt.timedelta(days=300))  # from an import of old contacts
    contact(customer, "visit", TODAY - dt.timedelta(days=100))  # the same day again
    contact(customer, "visit", TODAY - dt.timedelta(days=95))  # newer, still not within 90 days
    assert service_plans.close_contacted_service_tasks() == 0
    contact(customer, "visit", TODAY - dt.timedelta(days=89))  # within the plan's days: closes
    assert service_plans.close_contacted_service_tasks() == 1


def test_a_customer_leaving_the_planned_segments_has_the_task_cancelled(ctx):
    customer = make_customer(segment="quality")
    service_plans.generate_service_tasks(TODAY)
    Customer.update(segment="standard").where(Customer.id == customer.id).execute()
    assert service_plans.generate_service_tasks(TODAY) == {"created": 0, "done": 0, "cancelled": 1}
    assert Task.get(Task.customer == customer).status == "cancelled"


def test_changed_plans_apply_to_the_next_run(ctx):
    customer = make_customer(segment="standard")
    plans = dict(rules.current()["service_plans"], standard={"kind": "message", "days": 365})
    rules.save({"service_plans": plans})
    service_plans.generate_service_tasks(TODAY)
    [task] = open_tasks()
    assert task.customer_id == customer.id and task.title == "Greeting message"
    contact(customer, "service", TODAY)
    assert service_plans.close_contacted_service_tasks() == 1


def test_compliance_per_segment_and_account_manager_with_the_overdue_list(ctx):
    li, wang = make_user(name="李经理"), make_user(name="王经理")
    on_plan = make_customer(segment="key", manager=li, name="甲")
    contact(on_plan, "visit", TODAY - dt.timedelta(days=90))  # exactly on the edge: on plan
    late = make_customer(segment="key", manager=li, name="乙")
    contact(late, "visit", TODAY - dt.timedelta(days=91))
    make_customer(segment="key", manager=wang, name="丙")  # never contacted
    q1 = make_customer(segment="quality", manager=wang, name="丁")
    contact(q1, "call", TODAY - dt.timedelta(days=10))
    make_customer(segment="standard", manager=wang)

    report = service_plans.compliance(TODAY)

    key, quality = report["segments"]
    assert (key["segment"], key["customers"], key["contacted"], key["overdue"]) == ("key", 3, 1, 2)
    assert key["share"] == Decimal("0.3333")
    assert (quality["customers"], quality["contacted"], quality["share"]) == (1, 1, Decimal("1"))
    managers = {row["manager"].name: row for row in report["managers"]}
    assert (managers["李经理"]["customers"], managers["李经理"]["contacted"]) == (2, 1)
    assert managers["李经理"]["share"] == Decimal("0.5000")
    assert (managers["王经理"]["customers"], managers["王经理"]["contacted"]) == (2, 1)
    assert report["overdue_total"] == 2
    assert [(r["name"], r["last"], r["due"]) for r in report["overdue"]] == [
        ("丙", None, None),
        ("乙", TODAY - dt.timedelta(days=91), TODAY - dt.timedelta(days=1)),
    ]
    assert report["overdue"][0]["manager"].id == wang.id

    only_li = service_plans.compliance(TODAY, manager_id=li.id)
    assert [r["name"] for r in only_li["overdue"]] == ["乙"]
    quality = service_plans.compliance(TODAY, segment="quality")
    assert [s["segment"] for s in quality["segments"]] == ["quality"]


def settings_form(**changes):
    form = {}
    for seg in ("key", "quality", "standard", "prospect", "floating", "blacklist"):
        form.update({f"plan_kind_{seg}": "", f"plan_days_{seg}": "", f"action_{seg}": "accept",
                     f"discount_{seg}": ""})
    form.update({"plan_kind_key": "visit", "plan_days_key": "60", "action_key": "accept_discount",
                 "discount_key": "12.5", "action_blacklist": "decline",
                 "refer_loss_ratio": "80", "lead_days": "7"})
    form.update(changes)
    return form


def test_settings_are_parsed_saved_and_audited(ctx):
    admin = make_user(role="admin")
    service_plans.save_settings(settings_form(), admin)
    values = rules.current()
    assert values["service_plans"]["key"] == {"kind": "visit", "days": 60}
    assert values["service_plans"]["quality"] is None
    assert values["quote_recommendations"]["key"] == {"action": "accept_discount",
                                                      "discount_max": "0.125"}
    assert values["quote_recommendations"]["blacklist"] == {"action": "decline"}
    assert values["quote_refer_loss_ratio"] == "0.8"
    assert values["service_task_lead_days"] == 7
    entry = AuditLog.select().where(AuditLog.action == "rules_changed").order_by(
        AuditLog.id.desc()).get()
    assert entry.username == admin.username
    assert entry.details["changes"]["service_task_lead_days"] == [14, 7]


@pytest.mark.parametrize("field, value, words", [
    ("plan_days_key", "0", "Days between contacts"),
    ("plan_days_key", "abc", "Days between contacts"),
    ("plan_kind_key", "fax", "fax"),
    ("action_quality", "maybe", "maybe"),
    ("discount_key", "60", "Largest discount"),
    ("discount_key", "x", "Largest discount"),
    ("refer_loss_ratio", "-5", "Refer above"),
    ("lead_days", "400", "Tasks appear"),
])
def test_bad_settings_are_refused_naming_the_field(ctx, field, value, words):
    before = rules.current()
    with pytest.raises(Invalid) as refused:
        service_plans.save_settings(settings_form(**{field: value}), None)
    assert words in str(refused.value)
    assert rules.current() == before
