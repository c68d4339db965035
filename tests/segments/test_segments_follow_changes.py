"""A customer's segment follows every write path: the policy form, a contact, an import."""

import datetime as dt

from inscrm.customers.records import save_policy
from inscrm.imports.load import import_file
from inscrm.models import Customer, SegmentChange, User
from inscrm.segments import engine
from inscrm.work import contacts
from tests.helpers import make_customer
from tests.importfiles import CUSTOMER_HEADER, POLICY_HEADER, customer_rows, write_csv

TODAY = dt.date.today()


def test_a_policy_entered_in_the_form_makes_a_key_customer(ctx):
    customer = make_customer()
    engine.reclassify(customer.id)  # known to us, never insured: floating
    start = TODAY - dt.timedelta(days=10)
    save_policy(customer, {
        "policy_no": "PFORM0001", "product": "企业财产险", "premium": "62,400.00",
        "start_date": start.isoformat(), "end_date": (start + dt.timedelta(days=364)).isoformat(),
    })
    customer = Customer.get_by_id(customer.id)
    assert customer.segment == "key"
    assert customer.segment_reason["params"]["premium"] == "¥62,400.00"
    change = SegmentChange.get(SegmentChange.customer == customer.id,
                               SegmentChange.to_segment == "key")
    assert change.flow == "growth"  # floating → key


def test_an_interested_contact_makes_a_prospect(ctx):
    customer = make_customer()
    admin = User.get(User.username == "admin")
    contacts.save_contact(customer, {"kind": "visit", "outcome": "interested", "notes": "有意向"},
                          admin)
    customer = Customer.get_by_id(customer.id)
    assert customer.segment == "prospect"
    assert customer.last_contact_date == TODAY


def test_imported_customers_are_evaluated(ctx, tmp_path):
    write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(2))
    start = TODAY - dt.timedelta(days=30)
    end = start + dt.timedelta(days=364)
    write_csv(tmp_path / "policies.csv", POLICY_HEADER, [
        ["PIMP1", "C0", "交强险", "950.00", start.isoformat(), end.isoformat(), "", ""],
    ])
    backups = ctx.config["BACKUPS"]
    assert import_file(tmp_path / "customers.csv", backups).imported
    assert import_file(tmp_path / "policies.csv", backups).imported
    found = dict(Customer.live(Customer.name, Customer.segment).tuples())
    assert found == {"客户0": "standard", "客户1": "floating"}


def test_a_contact_logged_from_my_work_re_evaluates_the_customer(ctx):
    from inscrm.models import Task

    agent = User.get(User.username == "admin")
    customer = make_customer(manager=agent)
    engine.reclassify(customer.id)
    task = Task.create(assignee=agent, customer=customer, kind="other", title="回访",
                       due_date=TODAY)
    contacts.log_task_contact(task, {"kind": "call", "outcome": "quoted", "notes": "报价 3,200 元",
                                      "done": "1"}, agent)
    customer = Customer.get_by_id(customer.id)
    assert (customer.segment, customer.last_contact_date) == ("prospect", TODAY)


def test_the_evaluation_date_moves_with_each_full_run(ctx):
    customer = make_customer()
    engine.classify(TODAY - dt.timedelta(days=3))
    customer = Customer.get_by_id(customer.id)
    assert engine.evaluated_on(customer) == TODAY - dt.timedelta(days=3)
    engine.classify_all(TODAY)  # nothing changed for this customer, so nothing written…
    customer = Customer.get_by_id(customer.id)
    assert customer.segment_date == TODAY - dt.timedelta(days=3)
    assert engine.evaluated_on(customer) == TODAY  # …but it was evaluated today
