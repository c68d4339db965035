"""Rule tasks appear when due, once, for the right person, and close by themselves."""

import datetime as dt

import pytest

from inscrm.models import Activity, BlacklistEntry, Meta, Policy, SegmentChange, Task
from inscrm.work import contacts, tasks, worklist
from tests.helpers import make_claim, make_customer, make_policy, make_township, make_user

D = dt.date
TODAY = D(2025, 6, 1)


def open_tasks(kind):
    return list(Task.select().where(Task.kind == kind, Task.status == "open")
                .order_by(Task.id))


def expiring(customer, end, **kw):
    return make_policy(customer, start=end - dt.timedelta(days=364), days=364, **kw)


def test_renewal_task_stages_supersede_and_close_when_renewed(ctx):
    agent = make_user("am1")
    customer = make_customer(manager=agent, segment="standard")
    old = expiring(customer, TODAY + dt.timedelta(days=45))
    counts = tasks.generate_tasks(TODAY)
    assert counts["renewal"] == 1
    (task,) = open_tasks("renewal")
    # the 60-day stage was reached on 05-17: the task arrives at its place in the 15 days
    # until the 30-day stage, not overdue
    assert (task.assignee_id, task.policy_id) == (agent.id, old.id)
    assert task.due_date == TODAY + dt.timedelta(days=tasks.spread_offset(old.uid, 15))
    assert task.rule == "renewal_rule" and task.title == old.policy_no
    assert tasks.generate_tasks(TODAY)["renewal"] == 0  # made once
    # 20 days before expiry: the 30-day reminder replaces the 60-day one
    later = TODAY + dt.timedelta(days=25)
    tasks.generate_tasks(later)
    (task30,) = open_tasks("renewal")
    # reached 5 days ago (expiry - 30): spread over the 13 days until the 7-day stage
    assert task30.due_date == later + dt.timedelta(days=tasks.spread_offset(old.uid, 13))
    assert Task.get_by_id(task.id).status == "cancelled"
    # the renewal arrives: the open task closes itself
    make_policy(customer, start=old.end_date + dt.timedelta(days=1), renewal_of=old)
    assert tasks.generate_tasks(later)["closed"] == 1
    assert Task.get_by_id(task30.id).status == "done"
    assert open_tasks("renewal") == []


def test_renewal_task_falls_to_the_towns_manager_and_skips_what_needs_none(ctx):
    town_manager = make_user("am2")
    town = make_township(manager=town_manager)
    unassigned = make_customer(township=town)
    expiring(unassigned, TODAY + dt.timedelta(days=7))
    expiring(make_customer(), TODAY + dt.timedelta(days=61))  # not yet
    expiring(make_customer(), TODAY + dt.timedelta(days=10), cancelled=True)
    expiring(make_customer(), TODAY + dt.timedelta(days=10), insurer="人保")
    expiring(make_customer(segment="blacklist"), TODAY + dt.timedelta(days=10))
    expiring(make_customer(), TODAY - dt.timedelta(days=1))  # already expired
    tasks.generate_tasks(TODAY)
    (task,) = open_tasks("renewal")
    assert task.customer_id == unassigned.id and task.assignee_id == town_manager.id
    assert task.due_date == TODAY  # the 7-day stage: expiry - 7


def test_renewal_task_cancelled_with_its_policy(ctx):
    customer = make_customer(manager=make_user())
    policy = expiring(customer, TODAY + dt.timedelta(days=20))
    tasks.generate_tasks(TODAY)
    Policy.update(cancelled=True).where(Policy.id == policy.id).execute()
    tasks.generate_tasks(TODAY)
    assert [t.status for t in Task.select()] == ["cancelled"]


def test_follow_up_task_from_the_next_action_date(ctx):
    agent, manager = make_user("am3"), make_user("am4")
    customer = make_customer(manager=manager)
    Activity.create(customer=customer, user=agent, date=TODAY, notes="报价后回访",
                    next_action_date=TODAY + dt.timedelta(days=3))
    Activity.create(customer=customer, user=None, date=TODAY,
                    next_action_date=TODAY + dt.timedelta(days=9))
    Activity.create(customer=customer, user=agent, date=D(2025, 1, 1),
                    next_action_date=D(2025, 2, 1))  # long past: no task any more
    Activity.create(customer=customer, user=agent, date=TODAY)  # no next action
    assert tasks.generate_tasks(TODAY)["follow_up"] == 2
    first, second = open_tasks("follow_up")
    assert (first.assignee_id, first.due_date) == (agent.id, D(2025, 6, 4))
    assert first.title == "报价后回访"
    assert second.assignee_id == manager.id  # nobody logged it: the account manager
    assert tasks.generate_tasks(TODAY)["follow_up"] == 0


def test_win_back_task_before_a_prospects_competitor_policy_ends(ctx):
    agent = make_user()
    prospect = make_customer(manager=agent, segment="prospect")
    theirs = expiring(prospect, TODAY + dt.timedelta(days=20), insurer="平安")
    expiring(make_customer(manager=agent, segment="prospect"), TODAY + dt.timedelta(days=31),
             insurer="平安")  # later
    expiring(make_customer(manager=agent, segment="standard"), TODAY + dt.timedelta(days=20),
             insurer="平安")  # already ours
    assert tasks.generate_tasks(TODAY)["win_back"] == 1
    (task,) = open_tasks("win_back")
    assert task.policy_id == theirs.id and task.assignee_id == agent.id
    # 30 days before it ends has passed: at its place in the 20 days until it ends
    assert task.due_date == TODAY + dt.timedelta(days=tasks.spread_offset(theirs.uid, 20))
    assert task.title == f"平安 {theirs.policy_no}"


def test_blacklist_review_tasks_for_claims_staff(ctx):
    claims1, claims2 = make_user("cl1", role="claims"), make_user("cl2", role="claims")
    suspect = make_customer(segment="standard")
    make_claim(make_policy(suspect), fraud_suspected=True)
    listed = make_customer(segment="blacklist")
    make_claim(make_policy(listed), fraud_suspected=True)
    BlacklistEntry.create(customer=listed, reason="fraud", reported_on=TODAY)
    make_claim(make_policy(make_customer()))  # not suspected
    auto = make_customer(segment="blacklist")  # blacklisted by the claims rule
    SegmentChange.create(customer=auto, from_segment="standard", to_segment="blacklist",
                         flow="stripping", changed_on=TODAY - dt.timedelta(days=2))
    assert tasks.generate_tasks(TODAY)["blacklist_review"] == 2
    made = {t.customer_id: t for t in open_tasks("blacklist_review")}
    assert set(made) == {suspect.id, auto.id}
    assert {t.assignee_id for t in made.values()} <= {claims1.id, claims2.id}
    assert made[suspect.id].due_date == TODAY


def test_generate_once_a_day(ctx):
    customer = make_customer(manager=make_user())
    assert tasks.generate_once_a_day(TODAY) is not None
    assert Meta.get_value(tasks.GENERATED_ON) == TODAY.isoformat()
    expiring(customer, TODAY + dt.timedelta(days=10))
    assert tasks.generate_once_a_day(TODAY) is None  # already ran today
    assert open_tasks("renewal") == []
    assert tasks.generate_once_a_day(TODAY + dt.timedelta(days=1))["renewal"] == 1


def test_cli_generate(app, runner):
    with app.app_context():
        customer = make_customer(manager=make_user())
        expiring(customer, D(2025, 7, 1))
    result = runner("tasks", "generate", "--today", "2025-06-01")
    assert result.exit_code == 0, result.output
    assert "renewal=1" in result.output
    again = runner("tasks", "generate", "--today", "2025-06-01")
    assert "renewal=0" in again.output


def test_cli_generate_bad_date(runner):
    from inscrm.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["tasks", "generate", "--today", "2025-13-01", "--data-dir", runner.data_dir])
    assert exit_info.value.code == 2


def test_start_up_makes_the_days_tasks(app):
    from inscrm import create_app

    with app.app_context():
        customer = make_customer(manager=make_user())
        expiring(customer, dt.date.today() + dt.timedelta(days=5))
    create_app({"TESTING": True, "DATA_DIR": app.config["DATA_DIR"], "STARTUP_TASKS": True})
    with app.app_context():
        assert [t.kind for t in Task.select()] == ["renewal"]
        assert Meta.get_value(tasks.GENERATED_ON) == dt.date.today().isoformat()


def test_the_servers_daily_work_closes_a_renewal_task_the_same_day(app):
    from inscrm.desktop import daily

    with app.app_context():
        customer = make_customer(manager=make_user(), segment="standard")
        old = expiring(customer, dt.date.today() + dt.timedelta(days=5))
    daily.daily_work(app)
    with app.app_context():
        make_policy(customer, start=old.end_date + dt.timedelta(days=1), renewal_of=old)
    daily.daily_work(app)  # the same day: the pass already ran, the renewal still closes
    with app.app_context():
        assert [t.status for t in Task.select().where(Task.kind == "renewal")] == ["done"]


def test_refresh_between_daily_passes(ctx):
    agent = make_user()
    customer = make_customer(manager=agent, segment="standard")
    old = expiring(customer, TODAY + dt.timedelta(days=5))
    tasks.generate_tasks(TODAY)
    make_policy(customer, start=old.end_date + dt.timedelta(days=1), renewal_of=old)
    Activity.create(customer=customer, user=agent, date=TODAY,
                    next_action_date=TODAY + dt.timedelta(days=2))
    counts = tasks.refresh(TODAY)
    assert (counts["closed"], counts["follow_up"]) == (1, 1)
    assert tasks.refresh(TODAY) is None  # nothing changed since


def test_data_loaded_after_the_days_pass_gets_its_tasks_the_same_day(app):
    """`inscrm init` + `inscrm demo` + `inscrm serve` on one day: the pass of the empty database
    must not stop the server's pass over the loaded data."""
    from inscrm.desktop import daily

    with app.app_context():
        tasks.generate_once_a_day()  # start-up of a CLI command, before the data
        expiring(make_customer(manager=make_user()), dt.date.today() + dt.timedelta(days=5))
    daily.daily_work(app)
    with app.app_context():
        assert [t.kind for t in Task.select()] == ["renewal"]


def test_a_closed_task_stays_closed(ctx):
    agent = make_user()
    task = Task.create(assignee=agent, customer=make_customer(), due_date=TODAY,
                       status="cancelled")
    worklist.complete(task, agent)
    contacts.log_task_contact(task, {"kind": "call", "done": "1"}, agent, today=TODAY)
    assert Task.get_by_id(task.id).status == "cancelled"
    with pytest.raises(worklist.Invalid):
        worklist.reschedule(task, TODAY, agent, TODAY)
