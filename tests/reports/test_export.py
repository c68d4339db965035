"""Exports: Excel/WPS-ready CSV, XLSX, masking, filters and scope, audit, and the round trip."""

import csv
import datetime as dt
import io

import openpyxl

from inscrm.models import AuditLog, Customer, Policy, SegmentChange
from inscrm.reports.exports import CUSTOMER_COLUMNS
from tests.conftest import Runner
from tests.helpers import login, make_customer, make_policy, make_township, make_user, post
from tests.importfiles import CUSTOMER_HEADER, POLICY_HEADER, customer_rows, policy_rows, write_csv

REASON = {"msg": "annual premium %(premium)s ≥ %(threshold)s",
          "params": {"premium": "¥62,400.00", "threshold": "¥50,000.00"}}


def download(client, url):
    """(status, headers, body) of a download, the response closed (it streams a temp file).
    Downloads are audited, so they are POSTs with the CSRF token."""
    response = post(client, url)
    try:
        return response.status_code, response.headers, response.get_data()
    finally:
        response.close()


def read_csv_bytes(data):
    assert data.startswith(b"\xef\xbb\xbf"), "Excel and WPS need the BOM"
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_cli_customer_export_masks_by_default_and_audits(runner, app, tmp_path):
    with app.app_context():
        customer = make_customer(name="张三", segment="key", segment_reason=REASON)
        number = customer.id_number
    out = tmp_path / "customers.csv"
    result = runner("export", "customers", "--out", str(out))
    assert result.exit_code == 0 and "1 rows written" in result.output
    rows = read_csv_bytes(out.read_bytes())
    assert rows[0] == list(CUSTOMER_COLUMNS)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["name"] == "张三" and record["segment"] == "key"
    assert record["id_number"] == number[:6] + "********" + number[-4:]
    assert record["segment_reason"] == "annual premium ¥62,400.00 ≥ ¥50,000.00"
    runner("export", "customers", "--out", str(out), "--full-id-numbers")
    assert read_csv_bytes(out.read_bytes())[1][4] == number
    with app.app_context():
        audits = [a.details for a in AuditLog.select().where(AuditLog.action == "export")]
        assert [a["full_id_numbers"] for a in audits] == [False, True]
    bad = runner("export", "customers", "--out", str(tmp_path / "x.pdf"))
    assert bad.exit_code == 1 and "ends in .csv or .xlsx" in bad.output


def test_round_trip_export_then_import_into_an_empty_data_directory(runner, app, tmp_path):
    rows = customer_rows(12)
    rows[3][6] = "dealer"
    rows[5][2] = '=HYPERLINK("http://x.example","click")'  # written neutralised, read back as is
    runner("import", str(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows)))
    runner("import", str(write_csv(tmp_path / "p.csv", POLICY_HEADER, policy_rows(12))))
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"export.{fmt}"
        assert runner("export", "customers", "--out", str(out),
                      "--full-id-numbers").exit_code == 0
        empty = Runner(tmp_path / f"empty-{fmt}", database_url="")  # a new branch
        empty("init", "--site", "JX09", "--site-name", "空", "--admin-password", "pw-123456")
        result = empty("import", str(out))
        assert result.exit_code == 0, result.output
        assert "12 inserted" in result.output

        def table(data_dir, url=None):
            from inscrm import create_app

            other = create_app({"TESTING": True, "DATA_DIR": str(data_dir),
                                "DATABASE_URL": url, "STARTUP_TASKS": False})
            with other.app_context():
                fields = (Customer.kind, Customer.name, Customer.id_type, Customer.id_number,
                          Customer.phone, Customer.source, Customer.credit)
                return sorted(Customer.select(*fields).tuples())

        assert table(tmp_path / f"empty-{fmt}", "") == table(tmp_path / "data")


def test_xlsx_export_has_dates_as_dates(runner, app, tmp_path):
    with app.app_context():
        make_customer(name="李四", segment_date=dt.date(2025, 6, 30))
    out = tmp_path / "c.xlsx"
    assert runner("export", "customers", "--out", str(out)).exit_code == 0
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    value = sheet.cell(row=2, column=header.index("segment_date") + 1).value
    assert value.date() == dt.date(2025, 6, 30)


def test_web_export_applies_filters_scope_and_masking(client, app):
    with app.app_context():
        agent = make_user("agent3", "agent", password="agent-pass-3")
        mine = make_customer(name="我的客户", manager=agent, segment="key")
        make_customer(name="我的普通客户", manager=agent, segment="standard")
        make_customer(name="别人的客户", segment="key")
        full = mine.id_number
    login(client, "agent3", "agent-pass-3")
    status, headers, body = download(client, "/exports/customers.csv?segment=key")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    rows = read_csv_bytes(body)
    assert [r[2] for r in rows[1:]] == ["我的客户"]
    assert rows[1][4] != full and rows[1][4].endswith(full[-4:])
    assert download(client, "/exports/customers.csv?township=abc")[0] == 400
    assert download(client, "/exports/customers.pdf")[0] == 404
    admin = app.test_client()
    login(admin)
    rows = read_csv_bytes(download(admin, "/exports/customers.csv?segment=key")[2])
    assert sorted(r[2] for r in rows[1:]) == ["别人的客户", "我的客户"]
    assert full in [r[4] for r in rows]
    with app.app_context():
        entries = AuditLog.select().where(AuditLog.action == "export").order_by(AuditLog.id)
        assert [(e.username, e.details["rows"]) for e in entries] == [("agent3", 1),
                                                                      ("admin", 2)]
        assert entries[0].details["filters"] == {"segment": "key"}


def test_renewals_and_migration_exports(client, app, runner, tmp_path):
    with app.app_context():
        town = make_township("新丰镇")
        customer = make_customer(name="续保客户", township=town)
        make_policy(customer, start=dt.date(2025, 1, 1), policy_no="DUE1")
        make_policy(customer, start=dt.date(2024, 1, 1), policy_no="OLD1")
        make_policy(customer, start=dt.date(2025, 1, 1), policy_no="GONE", cancelled=True)
        for segment, flow in (("prospect", "mining"), ("prospect", "mining"),
                              ("standard", "growth")):
            SegmentChange.create(customer=make_customer(), from_segment="floating",
                                 to_segment=segment, flow=flow, changed_on=dt.date(2025, 3, 1))
        assert Policy.select().count() == 3
    out = tmp_path / "renewals.csv"
    result = runner("export", "renewals", "--out", str(out), "--from", "2025-12-01",
                    "--to", "2025-12-31")
    assert result.exit_code == 0, result.output
    rows = read_csv_bytes(out.read_bytes())
    assert [r[0] for r in rows[1:]] == ["DUE1"] and rows[1][2] == "续保客户"
    no_period = runner("export", "renewals", "--out", str(out))
    assert no_period.exit_code == 1 and "needs a period" in no_period.output
    login(client)
    url = "/exports/migration.csv?from=2025-01-01&to=2025-12-31"
    rows = read_csv_bytes(download(client, url)[2])
    assert rows == [["from_segment", "to_segment", "flow", "customers"],
                    ["floating", "prospect", "mining", "2"],
                    ["floating", "standard", "growth", "1"]]
    assert download(client, "/exports/migration.csv?from=x&to=y")[0] == 400
    xlsx = download(client, "/exports/renewals.xlsx?from=2025-12-01&to=2025-12-31")[2]
    assert openpyxl.load_workbook(io.BytesIO(xlsx)).active["A2"].value == "DUE1"
