"""The blacklist guard in policy imports: new policies of blacklisted customers (an entry for the
customer or their ID number, one shared by HQ, or the blacklist segment) are listed and rejected
like invalid rows; --allow-blacklisted lets them through with one audit entry per file."""

import csv
import datetime as dt

from inscrm.models import AuditLog, BlacklistEntry, Customer, CustomerRef, Policy
from tests.importfiles import (
    CUSTOMER_HEADER,
    POLICY_HEADER,
    customer_rows,
    policy_rows,
    write_csv,
)
from tests.imports.test_import_web import upload, wait_for

HEADER = POLICY_HEADER + ["insurer"]


def setup_customers(runner, app, tmp_path):
    """C0…C5 imported; C1 has an entry, C2's ID number is shared by HQ, C3 is in the blacklist
    segment by the claims rule, C4's entry is lifted."""
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(6))
    assert runner("import", str(path)).exit_code == 0
    with app.app_context():
        people = {ref: Customer.get_by_id(cid) for ref, cid in CustomerRef.select(
            CustomerRef.ref, CustomerRef.customer).tuples()}
        day = dt.date(2025, 10, 1)
        BlacklistEntry.create(customer=people["C1"], reason="fraud", unit="理赔部",
                              reported_on=day, active=True)
        BlacklistEntry.create(id_number=people["C2"].id_number, reason="hard_to_negotiate",
                              unit="总公司", reported_on=day, active=True)
        Customer.update(segment="blacklist").where(Customer.id == people["C3"].id).execute()
        BlacklistEntry.create(customer=people["C4"], reason="fraud", reported_on=day,
                              active=False)
    return people


def rows(insurer_for=()):
    return [row + ["平安财险" if row[0] in insurer_for else ""]
            for row in policy_rows(6, customers=6)]


def import_policies(runner, app, tmp_path, *options):
    """The customers set up, then the six policies imported with these options (must pass)."""
    setup_customers(runner, app, tmp_path)
    path = write_csv(tmp_path / "policies.csv", HEADER, rows())
    result = runner("import", str(path), *options)
    assert result.exit_code == 0, result.output
    return path, result


def overrides(app):
    with app.app_context():
        return list(AuditLog.select().where(AuditLog.action == "blacklist_override"))


def test_blacklisted_rows_refuse_the_file_and_are_named(runner, app, tmp_path):
    setup_customers(runner, app, tmp_path)
    path = write_csv(tmp_path / "policies.csv", HEADER, rows(insurer_for={"P5"}))
    result = runner("import", str(path))
    assert result.exit_code == 1
    assert "blocked by the blacklist: 3 rows, rejected" in result.output
    assert "--allow-blacklisted" in result.output
    for row, ref in ((3, "C1"), (4, "C2"), (5, "C3")):
        assert f"policies.csv row {row}, column customer_ref, value '{ref}':" in result.output
    assert "Fraud tendency" in result.output and "claims rule" in result.output
    with app.app_context():
        assert Policy.select().count() == 0
    with (tmp_path / "policies.csv.errors.csv").open(encoding="utf-8-sig") as f:
        report = list(csv.DictReader(f))
    assert [(r["row"], r["column"], r["value"]) for r in report] == [
        ("3", "customer_ref", "C1"), ("4", "customer_ref", "C2"), ("5", "customer_ref", "C3")]
    assert "is on the blacklist" in report[1]["problem"]
    assert overrides(app) == []


def test_skip_invalid_sets_them_aside(runner, app, tmp_path):
    _, result = import_policies(runner, app, tmp_path, "--skip-invalid")
    assert "3 inserted" in result.output and "3 blocked by the blacklist" in result.output
    with app.app_context():
        assert sorted(p for (p,) in Policy.select(Policy.policy_no).tuples()) == [
            "P0", "P4", "P5"]
    with (tmp_path / "policies.csv.rejected.csv").open(encoding="utf-8-sig") as f:
        rejected = list(csv.DictReader(f))
    assert [r["policy_no"] for r in rejected] == ["P1", "P2", "P3"]
    assert all(r["reason"].startswith("column customer_ref") for r in rejected)
    assert overrides(app) == []


def test_allow_blacklisted_imports_them_with_one_audit_entry(runner, app, tmp_path):
    path, result = import_policies(runner, app, tmp_path, "--allow-blacklisted")
    assert "6 inserted" in result.output
    assert "3 rows, let through by --allow-blacklisted" in result.output
    [audit] = overrides(app)
    assert audit.target == "file:policies.csv"
    assert audit.details["policy_nos"] == ["P1", "P2", "P3"]
    assert audit.details["customer_refs"] == ["C1", "C2", "C3"]
    again = runner("import", str(path))  # existing policies: no new business, no guard
    assert again.exit_code == 0, again.output
    assert "blocked" not in again.output and "6 unchanged" in again.output
    assert len(overrides(app)) == 1


def test_upload_page_lists_blocked_rows_and_the_checkbox_overrides(client, runner, app,
                                                                   tmp_path):
    from tests.helpers import login

    setup_customers(runner, app, tmp_path)
    login(client)
    page = client.get("/imports/").get_data(as_text=True)
    assert 'name="allow_blacklisted"' in page
    path = write_csv(tmp_path / "policies.csv", HEADER, rows())
    _, html = wait_for(client, upload(client, path).get_data(as_text=True))
    assert "被黑名单拦截" in html and 'class="blocked"' in html
    assert html.count("<li>第 ") >= 3 and "P2 · C2" in html
    with app.app_context():
        assert Policy.select().count() == 0
    job_id, html = wait_for(client, upload(client, path, htmx=False,
                                           allow_blacklisted="1").get_data(as_text=True))
    assert "已按您的放行导入" in html
    with app.app_context():
        assert Policy.select().count() == 6
    [audit] = overrides(app)
    assert audit.username == "admin" and audit.details["policy_nos"] == ["P1", "P2", "P3"]
    full = client.get(f"/imports/jobs/{job_id}").get_data(as_text=True)
    assert "<html" in full and "P3 · C3" in full


def test_refusals_cover_every_way_onto_the_blacklist(ctx):
    from inscrm.imports.blacklisted import refusals
    from tests.helpers import make_customer, resident_id

    day = dt.date(2025, 10, 1)
    clean, named, shared, twin, segment, lifted = (make_customer() for _ in range(6))
    BlacklistEntry.create(customer=named, reason="fraud", reported_on=day, active=True)
    BlacklistEntry.create(id_number=shared.id_number, reason="other", reported_on=day,
                          active=True)
    other_row = make_customer(id_number=twin.id_number)  # the same person entered twice
    BlacklistEntry.create(customer=other_row, reason="catastrophe", reported_on=day, active=True)
    Customer.update(segment="blacklist").where(Customer.id == segment.id).execute()
    BlacklistEntry.create(customer=lifted, reason="fraud", reported_on=day, active=False)
    BlacklistEntry.create(id_number=resident_id("19700101"), reason="fraud", reported_on=day,
                          active=True)  # someone who is no customer here
    found = refusals({c.id for c in (clean, named, shared, twin, segment, lifted)})
    assert set(found) == {named.id, shared.id, twin.id, segment.id}
    assert found[twin.id].params["reason"] == "catastrophe"
    assert found[segment.id].entry is None
