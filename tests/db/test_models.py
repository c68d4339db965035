import datetime as dt
import uuid
from decimal import Decimal

import pytest
from peewee import IntegrityError

from inscrm.db.ids import uuid7
from inscrm.db.stamps import stamp
from inscrm.models import (
    SYNCED_MODELS,
    AuditLog,
    Customer,
    Policy,
    SyncClock,
    User,
    db,
    money_sum,
)
from tests.helpers import (
    make_claim,
    make_customer,
    make_policy,
    make_township,
    make_user,
    trigger_names,
)


def test_uuid7_is_version_7_and_time_ordered():
    first, second = uuid7(), uuid7()
    assert uuid.UUID(first).version == 7
    assert first[:13] <= second[:13]  # the millisecond prefix never goes back


def test_every_write_is_stamped_with_origin_version_and_sequence(ctx):
    customer = make_customer(name="李娜")
    customer = Customer.get_by_id(customer.id)
    assert customer.origin == "JX01"
    assert customer.seq == SyncClock.get().seq
    assert customer.version.endswith("-JX01")
    before = customer.version, customer.seq

    Customer.update(phone="13900000000").where(Customer.id == customer.id).execute()
    after = Customer.get_by_id(customer.id)
    assert after.seq > before[1]
    assert after.version > before[0]


def test_bulk_writes_can_stamp_themselves(ctx):
    fields = stamp()
    with db.atomic():
        Customer.insert_many(
            [{"name": f"批量{i}", **fields} for i in range(3)]
        ).execute()
    rows = list(Customer.select().where(Customer.name.startswith("批量")))
    assert {r.seq for r in rows} == {fields["seq"]}
    assert all(len(r.uid) == 36 for r in rows)
    assert len({r.uid for r in rows}) == 3


def test_synced_rows_are_never_deleted_only_tombstoned(ctx):
    customer = make_customer()
    with pytest.raises(IntegrityError, match="never deleted"):
        customer.delete_instance()
    customer.deleted = True
    customer.save()
    assert not Customer.live().where(Customer.id == customer.id).exists()


def test_every_synced_table_has_sync_columns_and_triggers(ctx, engine):
    triggers = trigger_names()
    kinds = {"sqlite": ("stamp_insert", "stamp_update", "no_delete"),
             "postgresql": ("stamp_insert", "stamp_update", "no_delete", "no_truncate")}[engine]
    for model in SYNCED_MODELS:
        table = model._meta.table_name
        columns = {c.name for c in db.get_columns(table)}
        assert {"uid", "origin", "version", "seq", "deleted"} <= columns, table
        assert {f"{table}_{kind}" for kind in kinds} <= triggers


def test_money_is_decimal_and_sums_exactly(ctx):
    customer = make_customer()
    for premium in ("0.10", "0.20", "49999.70"):
        make_policy(customer, premium=premium)
    total = Policy.select(money_sum(Policy.premium)).scalar()
    assert total == Decimal("50000.00")  # summed as integer cents, read back as Decimal
    assert Policy.get().premium == Decimal("0.10")


def test_dates_are_dates(ctx):
    policy = make_policy(make_customer(), start=dt.date(2024, 2, 29))
    assert Policy.get_by_id(policy.id).start_date == dt.date(2024, 2, 29)


def test_claim_incurred_ignores_declined_and_withdrawn(ctx):
    policy = make_policy(make_customer())
    assert make_claim(policy, paid="100.00", reserve="50.50").incurred == Decimal("150.50")
    assert make_claim(policy, paid="100.00", status="declined").incurred == 0
    assert make_claim(policy, paid="100.00", status="withdrawn").incurred == 0


def test_policy_expiring_lists_only_ours_not_cancelled(ctx):
    customer = make_customer()
    ours = make_policy(customer, start=dt.date(2025, 1, 1))
    make_policy(customer, start=dt.date(2025, 1, 1), insurer="某财险")
    make_policy(customer, start=dt.date(2025, 1, 1), cancelled=True)
    found = list(Policy.expiring(dt.date(2025, 12, 1), dt.date(2025, 12, 31)))
    assert found == [ours]


def test_agent_sees_own_customers_and_unassigned_ones_of_own_towns(ctx):
    agent, other = make_user(role="agent"), make_user(role="agent")
    town, other_town = make_township(manager=agent), make_township(manager=other)
    own = make_customer(manager=agent)
    unassigned_in_town = make_customer(township=town)
    assigned_elsewhere_in_town = make_customer(township=town, manager=other)
    foreign = make_customer(township=other_town)
    visible = set(Customer.visible_to(agent))
    assert visible == {own, unassigned_in_town}
    assert assigned_elsewhere_in_town not in visible and foreign not in visible
    manager = make_user(role="manager")
    assert len(Customer.visible_to(manager)) == 4


def test_audit_record_keeps_user_and_details(ctx):
    admin = User.get(User.username == "admin")
    AuditLog.record("export", admin, target="customers", rows=12)
    entry = AuditLog.select().order_by(AuditLog.id.desc()).get()
    assert (entry.username, entry.action, entry.details) == ("admin", "export", {"rows": 12})
