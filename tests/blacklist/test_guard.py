"""The blacklist guard: a new policy for a blacklisted person is stopped unless a manager
overrides it with a written reason, and the override is audited."""

import datetime as dt

import pytest

from inscrm.blacklist import guard
from inscrm.models import AuditLog, BlacklistEntry, Customer
from inscrm.validators import Invalid
from tests.helpers import make_customer, make_user, resident_id

DAY = dt.date(2026, 1, 5)


def report(customer=None, id_number=None, reason="fraud", active=True, on=DAY, **kw):
    return BlacklistEntry.create(customer=customer, id_number=id_number, reason=reason,
                                 unit="理赔部", reported_on=on, active=active, **kw)


def test_a_clean_customer_passes_and_nothing_is_audited(ctx):
    customer = make_customer(segment="standard")
    report(make_customer())  # someone else
    assert guard.blacklist_hit(customer) is None
    assert guard.check_new_policy(customer, make_user(role="agent")) is None
    assert not AuditLog.select().where(AuditLog.action == "blacklist_override").exists()


def test_an_entry_for_the_customer_stops_the_policy_with_its_reason(ctx):
    customer = make_customer(name="张三")
    entry = report(customer, reason="hard_to_negotiate")
    assert guard.blacklist_hit(customer) == entry
    with pytest.raises(guard.Blocked) as stopped:
        guard.check_new_policy(customer, make_user(role="agent"))
    assert stopped.value.entry == entry
    assert "张三" in str(stopped.value) and "hard_to_negotiate" in str(stopped.value)
    assert isinstance(stopped.value, Invalid)  # an import rejects it like any invalid row
    worded = guard.describe(stopped.value, lambda s: s)
    assert "Hard to negotiate after a loss" in worded and "2026-01-05" in worded


def test_entries_shared_by_hq_or_made_for_another_row_with_the_same_id_number(ctx):
    number = resident_id("19750601")
    here = make_customer(id_number=number)
    shared = report(None, id_number=number, on=DAY)  # from HQ: no customer row here
    assert guard.blacklist_hit(here) == shared
    twin = make_customer(id_number=number)  # the same person entered twice
    newer = report(twin, on=DAY + dt.timedelta(days=3))
    assert guard.blacklist_hit(here) == newer
    assert [e.id for e in guard.entries_for_id_number(number)] == [newer.id, shared.id]


def test_lifted_and_tombstoned_entries_do_not_count(ctx):
    customer = make_customer()
    report(customer, active=False)
    report(customer, deleted=True)
    assert guard.blacklist_hit(customer) is None
    assert guard.refusal(customer) is None


def test_a_customer_without_an_id_number_matches_only_their_own_entries(ctx):
    nameless = make_customer(id_type=None, id_number=None)
    report(None, id_number=None)  # an entry with neither customer nor number
    assert guard.blacklist_hit(nameless) is None


def test_the_claims_rule_segment_stops_the_policy_too(ctx):
    customer = make_customer(segment="blacklist")
    with pytest.raises(guard.Blocked) as stopped:
        guard.check_new_policy(customer, make_user(role="agent"))
    assert stopped.value.entry is None and "claims rule" in str(stopped.value)


def test_only_a_manager_with_a_written_reason_may_override(ctx):
    customer = make_customer()
    entry = report(customer)
    agent, manager = make_user(role="agent"), make_user(role="manager")
    with pytest.raises(Invalid, match="Only a branch manager"):
        guard.check_new_policy(customer, agent, override_reason="客户已还清欠款")
    with pytest.raises(guard.Blocked):
        guard.check_new_policy(customer, manager, override_reason="   ")
    with pytest.raises(Invalid, match="at least 4"):
        guard.check_new_policy(customer, manager, override_reason="同意")
    assert not AuditLog.select().where(AuditLog.action == "blacklist_override").exists()

    audit = guard.check_new_policy(customer, manager, override_reason=" 经核实已结案，同意承保 ",
                                   ip="127.0.0.1", policy_no="P-2026-1")
    assert audit.action == "blacklist_override" and audit.username == manager.username
    assert audit.target == f"customer:{customer.uid}" and audit.ip == "127.0.0.1"
    assert audit.details == {"entry": entry.uid, "blacklist_reason": "fraud",
                             "override_reason": "经核实已结案，同意承保", "policy_no": "P-2026-1"}
    admin = make_user(role="admin")
    assert guard.check_new_policy(customer, admin, override_reason="总经理批准") is not None


def test_an_override_is_undone_with_the_transaction_that_writes_the_policy(ctx):
    from inscrm.models import db

    customer = make_customer()
    report(customer)
    manager = make_user(role="manager")
    with pytest.raises(RuntimeError), db.atomic():
        guard.check_new_policy(customer, manager, override_reason="经理同意承保")
        raise RuntimeError("the policy could not be saved")
    assert not AuditLog.select().where(AuditLog.action == "blacklist_override").exists()


def test_blacklisted_id_numbers_for_an_import_in_set_queries(ctx):
    direct, via_row, clean = (resident_id("19600101"), resident_id("19610101"),
                              resident_id("19620101"))
    shared = report(None, id_number=direct)
    old = report(make_customer(id_number=via_row), on=DAY - dt.timedelta(days=30))
    new = report(Customer.get(Customer.id_number == via_row), reason="catastrophe")
    report(None, id_number=clean, active=False)
    found = guard.blacklisted_id_numbers([direct, via_row, clean, "", None] + [f"X{n}" for n in
                                                                               range(1200)])
    assert found == {direct: shared, via_row: new}
    assert found[via_row] != old
