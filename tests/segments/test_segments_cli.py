"""`inscrm classify [--as-of]`, evaluation as of a past date, and the daily run at start-up."""

import datetime as dt

from inscrm import create_app
from inscrm.models import Activity, BlacklistEntry, Customer, Meta, SegmentChange
from inscrm.segments import engine
from tests.helpers import make_claim, make_customer, make_policy

D = dt.date(2025, 6, 30)
LATER = D + dt.timedelta(days=1)


def test_classify_prints_counts_and_time(app, runner):
    with app.app_context():
        make_policy(make_customer(), start=dt.date(2025, 1, 1), premium="60000.00")
        make_customer()
    result = runner("classify", "--as-of", "2025-06-30")
    assert result.exit_code == 0, result.output
    lines = dict(line.split("\t") for line in result.output.splitlines() if "\t" in line)
    assert (lines["key"], lines["floating"], lines["total"]) == ("1", "1", "2")
    assert "classified as of 2025-06-30 in" in result.output
    with app.app_context():
        assert Meta.get_value(engine.LAST_FULL_RUN) == "2025-06-30"
        # the command is the run: no start-up run as of today before it
        assert not SegmentChange.select().where(
            SegmentChange.changed_on != dt.date(2025, 6, 30)).exists()


def test_classify_refuses_a_bad_date(app, runner):
    result = runner("classify", "--as-of", "30/06/2025")
    assert result.exit_code == 2
    assert "--as-of" in result.output and "Traceback" not in result.output


def test_as_of_ignores_everything_dated_later(app, runner):
    with app.app_context():
        customer = make_customer()
        policy = make_policy(customer, start=dt.date(2025, 1, 1), premium="1000.00")
        make_policy(customer, start=LATER, premium="90000.00")  # would make a key customer
        for day in (1, 2, 3):  # losses before D, reported after: unknown on D
            make_claim(policy, loss_date=dt.date(2025, 6, day), report_date=LATER,
                       paid="9000.00")
        make_claim(policy, loss_date=LATER, paid="9000.00")
        Activity.create(customer=make_customer(), outcome="interested", date=LATER)
        BlacklistEntry.create(customer=customer, reason="fraud", unit="南湖",
                              reported_on=LATER)
    assert runner("classify", "--as-of", D.isoformat()).exit_code == 0
    with app.app_context():
        row = Customer.get_by_id(customer.id)
        assert (row.segment, row.annual_premium, row.segment_date) == ("standard", 1000, D)
        assert Customer.select().where(Customer.segment == "prospect").count() == 0
    runner("classify", "--as-of", LATER.isoformat())
    with app.app_context():
        assert Customer.get_by_id(customer.id).segment == "blacklist"
        assert Customer.select().where(Customer.segment == "prospect").count() == 1


def test_start_up_runs_a_full_evaluation_when_the_last_is_older_than_today(app):
    with app.app_context():
        customer = make_customer()
        make_policy(customer, start=dt.date.today(), premium="500.00")
        Meta.set_value(engine.LAST_FULL_RUN, (dt.date.today() - dt.timedelta(days=1)))
    create_app({"TESTING": True, "DATA_DIR": app.config["DATA_DIR"], "STARTUP_TASKS": True})
    with app.app_context():
        assert Customer.get_by_id(customer.id).segment == "standard"
        assert engine.last_full_run() == dt.date.today()


def test_start_up_skips_the_run_when_today_is_done(app):
    with app.app_context():
        engine.classify_all()
        customer = make_customer()
        make_policy(customer, start=dt.date.today(), premium="500.00")
    create_app({"TESTING": True, "DATA_DIR": app.config["DATA_DIR"], "STARTUP_TASKS": True})
    with app.app_context():
        assert Customer.get_by_id(customer.id).segment == "floating"


def test_start_up_runs_again_when_the_rules_changed_since_the_last_run(app):
    from inscrm.segments import rules

    with app.app_context():
        customer = make_customer()
        make_policy(customer, start=dt.date.today(), premium="20000.00")
        engine.classify_all()
        assert not engine.due_for_full_run()
        rules.save({"key_annual_premium": "20000.00"})  # as a bundle from HQ would
        assert engine.due_for_full_run()
    create_app({"TESTING": True, "DATA_DIR": app.config["DATA_DIR"], "STARTUP_TASKS": True})
    with app.app_context():
        assert Customer.get_by_id(customer.id).segment == "key"
        assert not engine.due_for_full_run()
