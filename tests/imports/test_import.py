"""Importing the standard template through the real CLI: upserts, matching, validation."""

import csv
import datetime as dt
from decimal import Decimal

from inscrm import pinyin
from inscrm.models import (
    Activity,
    AuditLog,
    BlacklistEntry,
    Claim,
    Customer,
    CustomerRef,
    Policy,
    Vehicle,
)
from tests.helpers import make_customer, resident_id
from tests.importfiles import (
    CUSTOMER_HEADER,
    POLICY_HEADER,
    customer_rows,
    policy_rows,
    write_csv,
)

SYNCED = (Customer, CustomerRef, Policy, Vehicle, Claim, Activity, BlacklistEntry)


def snapshot(app):
    """Every imported row with its change stamp: equal snapshots mean nothing was written."""
    with app.app_context():
        return {m.__name__: sorted(m.select(m.id, m.seq, m.version).tuples()) for m in SYNCED}


def test_customers_then_policies_and_reimport_changes_nothing(runner, app, tmp_path, engine):
    customers = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(30))
    policies = write_csv(tmp_path / "policies.csv", POLICY_HEADER, policy_rows(60, customers=30))
    first = runner("import", str(customers))
    assert first.exit_code == 0, first.output
    assert "30 inserted" in first.output
    assert runner("import", str(policies)).exit_code == 0
    before = snapshot(app)
    assert len(before["Customer"]) == 30 and len(before["Policy"]) == 60
    for path in (customers, policies):
        again = runner("import", str(path))
        assert again.exit_code == 0, again.output
        assert "0 inserted, 0 updated" in again.output and "unchanged" in again.output
    assert snapshot(app) == before
    with app.app_context():
        policy = Policy.get(Policy.policy_no == "P31")
        assert policy.premium == Decimal("1000.50") and policy.customer.name == "客户1"
        assert policy.start_date == dt.date(2024, 1, 1)
        assert AuditLog.select().where(AuditLog.action == "import").count() == 4
    # a backup file before each import on SQLite; on PostgreSQL the transaction is the backup
    backups = list((tmp_path / "data" / "backups").glob("*-import.db"))
    assert len(backups) == (4 if engine == "sqlite" else 0)


def test_an_updated_file_updates_only_the_changed_rows(runner, app, tmp_path):
    rows = customer_rows(5)
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)
    runner("import", str(path))
    before = snapshot(app)
    rows[2][2] = "新名字"
    result = runner("import", str(write_csv(path, CUSTOMER_HEADER, rows)))
    assert "0 inserted, 1 updated, 4 unchanged" in result.output, result.output
    after = snapshot(app)
    changed = set(after["Customer"]) - set(before["Customer"])
    assert len(changed) == 1
    with app.app_context():
        customer = Customer.get(Customer.id == changed.pop()[0])
        assert customer.name == "新名字"
        assert customer.name_key == pinyin.sort_key("新名字")  # it sorts by its new name


def test_a_new_core_system_keeps_one_customer_and_a_continuous_history(runner, app, tmp_path):
    old = write_csv(tmp_path / "old.csv", CUSTOMER_HEADER, customer_rows(3, prefix="K"))
    new = write_csv(tmp_path / "new.csv", CUSTOMER_HEADER, customer_rows(3, prefix="NEW-"))
    old_policies = write_csv(tmp_path / "old_p.csv", POLICY_HEADER,
                             policy_rows(3, prefix="OLD", customer_prefix="K", year=2023))
    new_policies = write_csv(tmp_path / "new_p.csv", POLICY_HEADER,
                             policy_rows(3, prefix="2024-", customer_prefix="NEW-", year=2024))
    assert runner("import", str(old)).exit_code == 0
    assert runner("import", str(old_policies)).exit_code == 0
    result = runner("import", str(new), "--source", "core2")
    assert "0 inserted" in result.output and "3 matched by ID number" in result.output
    assert runner("import", str(new_policies), "--source", "core2").exit_code == 0
    with app.app_context():
        assert Customer.select().count() == 3
        for customer in Customer.select():
            refs = {(r.source, r.ref[:3]) for r in customer.refs}
            assert refs == {("core", "K" + r.ref[1:2]) for r in customer.refs
                            if r.source == "core"} | {("core2", "NEW")}
            cover = sorted((p.start_date, p.end_date, p.source) for p in customer.policies)
            assert [c[2] for c in cover] == ["core", "core2"]
            # the next policy starts the day after the previous ends: tenure runs on
            assert (cover[1][0] - cover[0][1]).days == 1
    again = runner("import", str(new), "--source", "core2")
    assert "0 matched" in again.output and "3 unchanged" in again.output


def test_every_validation_error_is_reported_and_nothing_is_imported(runner, app, tmp_path):
    runner("import", str(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customer_rows(2))))
    bad_id = resident_id(serial=7)[:-1] + ("0" if resident_id(serial=7)[-1] != "0" else "1")
    customers = customer_rows(6, prefix="B", serial=100)
    customers[1][3] = bad_id  # row 3
    customers[2][1] = "alien"  # row 4: unknown enum value
    customers[3][2] = ""  # row 5: required name missing
    customers[4][0] = "B0"  # row 6: the same reference twice
    customers[5][4] = "12345"  # row 7: not a phone
    result = runner("import", str(write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER,
                                            customers)))
    assert result.exit_code == 1
    out = result.output
    assert f"customers.csv row 3, column id_number, value '{bad_id}': The check digit" in out
    assert "row 4, column kind, value 'alien': Unknown value alien" in out
    assert "row 5, column name: This column is required." in out
    assert "row 6, column customer_ref, value 'B0': The same customer_ref is on row 2" in out
    assert "row 7, column phone, value '12345'" in out
    assert "nothing imported: 5 of 6 rows have problems" in out

    policies = policy_rows(5, customers=2)
    policies[0][1] = "NOBODY"  # row 2
    policies[1][5] = "2023-12-31"  # row 3: end before start
    policies[2][3] = "-5"  # row 4
    policies[3][4] = "2024-02-30"  # row 5
    policies[4][6] = "P404"  # row 6: renewal of a policy that is nowhere
    path = write_csv(tmp_path / "policies.csv", POLICY_HEADER, policies)
    result = runner("import", str(path))
    assert result.exit_code == 1
    out = result.output
    assert "row 2, column customer_ref, value 'NOBODY': No customer with reference NOBODY" in out
    assert "row 3, column end_date, value '2023-12-31': The end date is before the start" in out
    assert "row 4, column premium, value '-5': An amount cannot be negative." in out
    assert "row 5, column start_date, value '2024-02-30': Not a date" in out
    assert "row 6, column renewal_of, value 'P404': No policy P404" in out
    report = tmp_path / "policies.csv.errors.csv"
    with report.open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["file", "row", "column", "value", "problem"]
    assert [line[1] for line in lines[1:]] == ["2", "3", "4", "5", "6"]
    with app.app_context():
        assert Customer.select().count() == 2 and Policy.select().count() == 0


def test_the_screen_listing_is_capped_but_the_report_has_every_row(runner, tmp_path):
    rows = customer_rows(80)
    for row in rows:
        row[1] = "nobody"
    result = runner("import", str(write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)))
    assert result.exit_code == 1
    assert result.output.count("Unknown value nobody") == 50
    assert "… and 30 more problems" in result.output
    report = (tmp_path / "customers.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert report.count("Unknown value nobody") == 80


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejected(runner, app, tmp_path):
    rows = customer_rows(4)
    rows[1][1] = "alien"
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)
    result = runner("import", str(path), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "3 inserted" in result.output and "1 rejected" in result.output
    with (tmp_path / "customers.csv.rejected.csv").open(encoding="utf-8-sig") as f:
        rejected = list(csv.reader(f))
    assert rejected[0] == ["row", *CUSTOMER_HEADER, "reason"]
    assert rejected[1][:3] == ["3", "C1", "alien"]
    assert "column kind, value 'alien': Unknown value alien" in rejected[1][-1]
    with app.app_context():
        assert Customer.select().count() == 3


def test_prospect_lists_flag_existing_customers_without_overwriting(runner, app, tmp_path):
    with app.app_context():
        by_id = make_customer(name="老客户甲")
        by_phone = make_customer(name="老客户乙", phone="13955556666")
        assert by_phone.phone == "13955556666"
        by_plate = make_customer(name="老客户丙")
        Vehicle.create(customer=by_plate, plate="浙F88888")
        known_id = by_id.id_number
    header = ["customer_ref", "kind", "name", "id_number", "phone", "plate", "source"]
    rows = [
        ["Y1", "个人", "黄页甲", known_id, "", "", "黄页"],
        ["Y2", "个人", "黄页乙", "", "13955556666", "", "yellow_pages"],
        ["Y3", "个人", "黄页丙", "", "", "浙F88888", "yellow_pages"],
        ["Y4", "个人", "新人", resident_id(serial=555), "13911112222", "浙F11111", "yellow_pages"],
    ]
    path = write_csv(tmp_path / "yellow.csv", header, rows)
    result = runner("import", str(path), "--source", "yellow_pages")
    assert result.exit_code == 0, result.output
    assert "1 inserted" in result.output and "3 already existing" in result.output
    assert "row 3: Y2 is already customer" in result.output and "(same phone)" in result.output
    with app.app_context():
        assert Customer.select().count() == 4
        assert Customer.get_by_id(by_id.id).name == "老客户甲"
        assert CustomerRef.get(CustomerRef.ref == "Y3").customer_id == by_plate.id
        assert Customer.get(Customer.name == "新人").source == "yellow_pages"
    before = snapshot(app)
    rows[1][2] = "改了名"
    again = runner("import", str(write_csv(path, header, rows)), "--source", "yellow_pages")
    assert "0 updated, 4 unchanged" in again.output, again.output
    assert snapshot(app) == before


def test_policy_details_renewals_forward_in_the_file_and_vehicles(runner, app, tmp_path):
    runner("import", str(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customer_rows(2))))
    rows = [
        ["P2", "C0", "车险", "1200", "2025-01-01", "2025-12-31", "P1", "浙F12345"],
        ["P1", "C0", "车险", "1000", "2024-01-01", "2024-12-31", "", "浙F12345"],
        ["P9", "C1", "车险", "500", "2024-01-01", "2024-12-31", "", ""],
    ]
    path = write_csv(tmp_path / "p.csv", POLICY_HEADER, rows)
    assert runner("import", str(path)).exit_code == 0
    before = snapshot(app)
    assert "3 unchanged" in runner("import", str(path)).output
    assert snapshot(app) == before
    with app.app_context():
        renewal = Policy.get(Policy.policy_no == "P2")
        assert renewal.renewal_of.policy_no == "P1"
        assert renewal.vehicle.plate == "浙F12345"
        assert Vehicle.select().count() == 1


def test_claims_activities_and_blacklist_upsert(runner, app, tmp_path):
    runner("import", str(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customer_rows(2))))
    runner("import", str(write_csv(tmp_path / "p.csv", POLICY_HEADER, policy_rows(2))))
    files = [
        write_csv(tmp_path / "claims.csv", ["赔案号", "保单号", "出险日期", "已决赔款", "状态"],
                  [["R1", "P0", "2024-03-01", "800", "已决"],
                   ["R2", "P1", "2024-04-01", "0", "拒赔"]]),
        write_csv(tmp_path / "activities.csv",
                  ["客户编号", "日期", "方式", "结果", "经办人", "备注"],
                  [["C0", "2024-05-01", "电话", "有意向", "admin", "续保"],
                   ["C0", "2024-05-01", "电话", "有意向", "admin", "续保"],
                   ["C1", "2024-05-02", "拜访", "", "", ""]]),
        write_csv(tmp_path / "blacklist.csv", ["客户编号", "原因", "上报单位", "日期"],
                  [["C1", "恶意骗赔", "理赔部", "2024-06-01"]]),
    ]
    for path in files:
        result = runner("import", str(path))
        assert result.exit_code == 0, result.output
    before = snapshot(app)
    for path in files:
        assert "0 inserted, 0 updated" in runner("import", str(path)).output
    assert snapshot(app) == before
    with app.app_context():
        claim = Claim.get(Claim.claim_no == "R1")
        assert claim.customer.name == "客户0" and claim.paid == Decimal("800.00")
        assert Claim.get(Claim.claim_no == "R2").status == "declined"
        assert Activity.select().count() == 2
        entry = BlacklistEntry.get()
        assert entry.reason == "fraud" and entry.unit == "理赔部" and entry.id_number
    bad = write_csv(tmp_path / "claims2.csv", ["claim_no", "policy_no", "loss_date",
                                               "report_date"],
                    [["R3", "P404", "2024-03-01", ""], ["R4", "P0", "2024-03-05", "2024-03-01"]])
    out = runner("import", str(bad)).output
    assert "row 2, column policy_no, value 'P404': No policy P404 in source core." in out
    assert "row 3, column report_date" in out and "before the loss date" in out


def test_bad_arguments_get_one_line(runner, tmp_path):
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customer_rows(1))
    wrong = runner("import", str(path), "--kind", "policies")
    assert wrong.exit_code == 1
    assert "lacks the required columns policy_no, premium, start_date, end_date" in wrong.output
    assert runner("import", str(path), "--kind", "cars").exit_code == 2
    missing = runner("import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and "nope.csv cannot be read" in missing.output
