"""No file the program writes carries a live formula: customers and renewals (CSV and XLSX), the
import error report and rejected rows, the templates. (An export that imports back as it was,
formula-like name included: test_export's round trip.)"""

import csv
import datetime as dt
import io
import zipfile

import openpyxl

from inscrm.imports.template import KINDS
from inscrm.imports.workbook import template_workbook
from tests.helpers import login, make_customer, make_policy, post
from tests.importfiles import CUSTOMER_HEADER, write_csv

LINK = '=HYPERLINK("http://x.example","click")'
HOSTILE = {"name": LINK, "address": "+1+cmd|' /C calc'!A0", "industry": "@SUM(1+1)",
           "phone": "-2+3"}


def csv_cells(data):
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
            for cell in row]


def no_formula_in(data):
    """An XLSX whose sheets hold no formula and whose formula-like text is quoted text."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in book.read(name) and b"<f " not in book.read(name), name
    texts = []
    for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                texts.append(cell.value)
    return texts


def test_customer_exports_neutralise_formulas(runner, app, tmp_path):
    with app.app_context():
        make_customer(**HOSTILE)
    out = tmp_path / "c.csv"
    assert runner("export", "customers", "--out", str(out)).exit_code == 0
    cells = csv_cells(out.read_bytes())
    for value in HOSTILE.values():
        assert "'" + value in cells and value not in cells
    out = tmp_path / "c.xlsx"
    assert runner("export", "customers", "--out", str(out)).exit_code == 0
    texts = no_formula_in(out.read_bytes())
    assert LINK in texts  # the text itself, shown as typed


def test_renewal_exports_neutralise_formulas(client, app):
    with app.app_context():
        make_policy(make_customer(name=LINK), start=dt.date(2025, 1, 1), product="=1+1")
    login(client)
    for fmt in ("csv", "xlsx"):
        response = post(client, f"/exports/renewals.{fmt}?from=2025-12-01&to=2025-12-31")
        data = response.get_data()
        response.close()
        if fmt == "csv":
            assert "'" + LINK in csv_cells(data) and "'=1+1" in csv_cells(data)
        else:
            assert {LINK, "=1+1"} <= set(no_formula_in(data))


def test_import_reports_neutralise_formulas(runner, tmp_path):
    bad = [["C1", "individual", LINK, "330402198001010000", "13800000001", "新丰镇", "=cmd"]]
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, bad)
    result = runner("import", str(path))
    assert result.exit_code == 1
    report = csv_cells((tmp_path / "c.csv.errors.csv").read_bytes())
    assert "'=cmd" in report and "=cmd" not in report
    runner("import", str(path), "--skip-invalid")
    rejected = csv_cells((tmp_path / "c.csv.rejected.csv").read_bytes())
    assert "'" + LINK in rejected and LINK not in rejected


def test_templates_hold_no_formula():
    for kind in KINDS:
        no_formula_in(template_workbook(kind))

