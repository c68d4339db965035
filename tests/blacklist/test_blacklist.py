"""The blacklist workflow: report, lift, exempt, key designation, the yearly quota."""

import datetime as dt

import pytest

from inscrm.blacklist import workflow
from inscrm.models import AuditLog, BlacklistEntry, Customer
from inscrm.validators import Invalid
from tests.helpers import make_claim, make_customer, make_policy, make_user

TODAY = dt.date.today()


def fresh(customer):
    return Customer.get_by_id(customer.id)


def policy_in_force(customer, premium="1000.00"):
    return make_policy(customer, start=TODAY - dt.timedelta(days=10), premium=premium)


def test_report_blacklists_in_the_same_transaction_and_audits(ctx):
    claims = make_user(role="claims")
    customer = make_customer()
    policy_in_force(customer)
    entry = workflow.report(customer, "hard_to_negotiate", "南湖营业部", "多次纠缠", claims)
    assert fresh(customer).segment == "blacklist"
    assert entry.id_number == customer.id_number and entry.reporter_id == claims.id
    audit = AuditLog.select().where(AuditLog.action == "blacklist_reported").get()
    assert audit.target == f"customer:{customer.uid}" and audit.details["unit"] == "南湖营业部"


@pytest.mark.parametrize("reason, unit", [("spite", "南湖"), ("fraud", "  ")])
def test_report_refuses_bad_input_and_changes_nothing(ctx, reason, unit):
    customer = make_customer()
    with pytest.raises(Invalid):
        workflow.report(customer, reason, unit)
    assert BlacklistEntry.select().count() == 0
    assert not AuditLog.select().where(AuditLog.action == "blacklist_reported").exists()


def test_lift_reinstates_and_needs_a_reason(ctx):
    manager = make_user(role="manager")
    customer = make_customer()
    policy_in_force(customer)
    entry = workflow.report(customer, "fraud", "南湖营业部")
    with pytest.raises(Invalid):
        workflow.lift(entry, " ", manager)
    workflow.lift(entry, "复核无欺诈", manager)
    row = BlacklistEntry.get_by_id(entry.id)
    assert (row.active, row.lifted_by_id, row.lifted_on) == (False, manager.id, TODAY)
    assert fresh(customer).segment == "standard"
    assert fresh(customer).segment_changes.count() >= 2
    with pytest.raises(Invalid):
        workflow.lift(row, "again", manager)


def test_lifting_a_shared_entry_reinstates_every_customer_with_that_id_number(ctx):
    customer = make_customer()
    entry = BlacklistEntry.create(id_number=customer.id_number, reason="other", unit="总部",
                                  reported_on=TODAY)
    workflow.designate_key(customer, None, "刷新")  # re-evaluates
    assert fresh(customer).segment == "blacklist"
    workflow.lift(entry, "误报")
    assert fresh(customer).segment == "floating"


def test_exemption_suspends_the_claims_rule_until_its_date(ctx):
    customer = make_customer()
    policy = policy_in_force(customer)
    for days in (1, 2, 3):
        make_claim(policy, loss_date=TODAY - dt.timedelta(days=days), paid="1000.00")
    workflow.designate_key(customer, None, "刷新")
    assert fresh(customer).segment == "blacklist"
    workflow.exempt(customer, TODAY, "重要项目协商中")
    assert (fresh(customer).segment, fresh(customer).exempt_until) == ("standard", TODAY)
    with pytest.raises(Invalid):
        workflow.exempt(customer, TODAY - dt.timedelta(days=1), "过期")
    workflow.exempt(customer, None, "结束豁免")
    assert fresh(customer).segment == "blacklist"
    assert AuditLog.select().where(AuditLog.action == "blacklist_exemption").count() == 2


def test_key_designation_by_hand(ctx):
    customer = make_customer(kind="corporate")
    policy_in_force(customer)
    with pytest.raises(Invalid):
        workflow.designate_key(customer, "famous", "名企")
    workflow.designate_key(customer, "big_project", "市重点工程")
    row = fresh(customer)
    assert (row.segment, row.key_designation) == ("key", "big_project")
    assert row.key_reason == "市重点工程"
    workflow.designate_key(customer, "", "项目结束")
    assert fresh(customer).segment == "standard"


def test_quota_counts_entries_per_unit_and_year(ctx):
    for i in range(6):
        BlacklistEntry.create(customer=make_customer(), reason="fraud", unit="南湖营业部",
                              reported_on=dt.date(2025, 1 + i, 1))
    BlacklistEntry.create(customer=make_customer(), reason="fraud", unit="南湖营业部",
                          reported_on=dt.date(2024, 12, 31))
    BlacklistEntry.create(customer=make_customer(), reason="other", unit="海盐支公司",
                          reported_on=dt.date(2025, 3, 1))
    assert workflow.quota(2025) == [
        ("南湖营业部", 6, 5), ("嘉兴南湖支公司", 0, 5), ("海盐支公司", 1, 5)]
