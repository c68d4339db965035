"""On a new installation or after an import, the first round of tasks is spread over the days it
may take instead of arriving back-dated: no service-plan, renewal or win-back task is overdue
the day it is made, and a plan's first round is spread over the plan's interval."""

import collections
import datetime as dt

from inscrm.demo import generate
from inscrm.models import Activity, Customer, CustomerRef, Meta, Task
from inscrm.segments import engine
from inscrm.work import service_plans, tasks
from tests.helpers import make_customer

D = dt.date
TODAY = D(2026, 3, 10)


def uid_at(offset, serial=0):
    """A uid whose place in a spread of 90 days is `offset`."""
    return f"0190a000-0000-7000-8{serial:03x}-{offset:012x}"


def arrived(day=TODAY, **fields):
    """A key customer that came in on `day` (with the installation, when it is TODAY)."""
    return make_customer(segment="key", created_at=dt.datetime.combine(day, dt.time(8)),
                         **fields)


def service_tasks():
    return list(Task.select().where(Task.kind == "service").order_by(Task.id))


def test_next_due():
    first = (TODAY, 40)  # the first round started today; this customer's place is day 40
    assert service_plans.next_due(None, 90, TODAY) == (TODAY, TODAY)
    assert service_plans.next_due(None, 90, TODAY, first) == (TODAY + dt.timedelta(days=40),) * 2
    year_ago = TODAY - dt.timedelta(days=365)
    assert service_plans.next_due(year_ago, 90, TODAY) == (year_ago + dt.timedelta(days=90),
                                                          TODAY)
    assert service_plans.next_due(year_ago, 90, TODAY, first)[1] == TODAY + dt.timedelta(days=40)
    recent = TODAY - dt.timedelta(days=20)  # due in 70 days anyway: the plan's own rhythm
    assert service_plans.next_due(recent, 90, TODAY, first) == (recent + dt.timedelta(days=90),) * 2
    # a first round that started 50 days ago, a place already passed: due today
    old_start = (TODAY - dt.timedelta(days=50), 10)
    assert service_plans.next_due(None, 90, TODAY, old_start) == (TODAY, TODAY)


def test_a_new_installation_spreads_the_first_visits_over_the_plans_interval(ctx):
    customers = [arrived(uid=uid_at(n)) for n in range(90)]
    made = {}
    for offset in range(0, 120):  # every day's pass for four months
        day = TODAY + dt.timedelta(days=offset)
        service_plans.generate_service_tasks(day)
        for task in service_tasks():
            made.setdefault(task.customer_id, (task.created_at, task.due_date, day))
    assert set(made) == {c.id for c in customers}  # everyone once in the round
    due = {customer_id: due for customer_id, (_at, due, _day) in made.items()}
    assert sorted(due.values()) == [TODAY + dt.timedelta(days=n) for n in range(90)]
    for _at, due_date, day in made.values():
        assert day <= due_date <= day + dt.timedelta(days=14)  # within the lead days, never late
    assert Meta.get_value(service_plans.PLANS_STARTED) == TODAY.isoformat()


def test_contacts_of_long_ago_do_not_make_the_first_round_overdue(ctx):
    old = arrived(uid=uid_at(5))
    Activity.create(customer=old, kind="visit", date=TODAY - dt.timedelta(days=400))
    recent = arrived(uid=uid_at(80))
    Activity.create(customer=recent, kind="visit", date=TODAY - dt.timedelta(days=85))
    service_plans.generate_service_tasks(TODAY)
    due = {t.customer_id: t.due_date for t in service_tasks()}
    assert due == {old.id: TODAY + dt.timedelta(days=5),  # its place in the round
                   recent.id: TODAY + dt.timedelta(days=5)}  # its own rhythm: 85 + 5


def test_an_import_later_spreads_its_customers_from_the_day_they_came(ctx):
    service_plans.generate_service_tasks(TODAY)  # the plans start here
    later = TODAY + dt.timedelta(days=30)
    imported = arrived(later, uid=uid_at(3))
    CustomerRef.create(customer=imported, source="core", ref="C0001")
    by_hand = arrived(later, uid=uid_at(3, serial=1))
    service_plans.generate_service_tasks(later)
    due = {t.customer_id: t.due_date for t in service_tasks()}
    assert due == {imported.id: later + dt.timedelta(days=3), by_hand.id: later}


def test_the_demo_starts_with_no_rule_task_overdue(ctx):
    generate(400, seed=3, today=TODAY)
    engine.classify_all(as_of=TODAY)
    tasks.generate_tasks(TODAY)
    service_plans.generate_service_tasks(TODAY)
    open_tasks = Task.select().where(Task.status == "open")
    late = collections.Counter(t.kind for t in open_tasks if t.due_date < TODAY)
    # only follow-ups an account manager promised for a day that has passed
    assert set(late) <= {"follow_up"}
    kinds = collections.Counter(t.kind for t in open_tasks)
    assert kinds["renewal"] > 0 and kinds["service"] > 0
    # the renewal reminders whose day passed are spread, not all due on the first day
    renewals = [t for t in open_tasks if t.kind == "renewal"]
    assert sum(t.due_date == TODAY for t in renewals) < len(renewals) / 2
    assert Customer.select().count() == 400
