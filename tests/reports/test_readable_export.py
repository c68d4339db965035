"""Excel files staff can read, beside the ones that import back: Chinese headers and code words,
dates as dates, money as money, widths, a frozen and filtered header row, district and town."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from flask_babel import gettext

from inscrm.models import AuditLog
from inscrm.reports import readable
from inscrm.reports.readable import Column
from tests.conftest import browser_login
from tests.helpers import login, make_customer, make_township, make_user, resident_id
from tests.reports.test_export import download


def plain(message):
    return message


def test_cells_say_what_they_hold():
    columns = (Column("When", "date"), Column("Premium", "money"), Column("Segment", "code",
               "segment"), Column("Name"), Column("Renewed", "yes_no"), Column("Ratio", "ratio"))
    out = io.BytesIO()
    count = readable.write(out, "xlsx", columns, iter([
        (dt.date(2026, 1, 2), Decimal("12345.60"), "quality", "=1+1", True, Decimal("0.125")),
        (None, None, None, None, False, None),
    ]), plain)
    assert count == 2
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    when, premium, segment, name, renewed, ratio = (sheet.cell(row=2, column=n)
                                                    for n in range(1, 7))
    assert when.value == dt.datetime(2026, 1, 2) and when.number_format == "yyyy-mm-dd"
    assert premium.value == pytest.approx(12345.6) and premium.number_format == "#,##0.00"
    assert segment.value == "Quality" and name.value == "'=1+1" and renewed.value == "Yes"
    assert ratio.number_format == "0.0%"
    assert [c.value for c in sheet[3]] == [None, None, None, None, "No", None]
    assert readable.display_width("优质客户") == 8 and readable.display_width("ab") == 2


def test_the_csv_is_for_excel_in_china():
    out = io.BytesIO()
    readable.write(out, "csv", (Column("Day", "date"), Column("Premium", "money")),
                   iter([(dt.date(2026, 1, 2), Decimal("5"))]), plain)
    assert out.getvalue() == "\ufeffDay,Premium\r\n2026-01-02,5.00\r\n".encode()


@pytest.fixture
def branch(app):
    with app.app_context():
        wang = make_user("wang", name="王经理")
        make_user("boss", role="manager")
        town = make_township("新丰镇", district="南湖区")
        make_customer(name="张三", kind="individual", id_type="resident_id",
                      id_number=resident_id("19800101", 7), township=town, manager=wang,
                      segment="quality", segment_date=dt.date(2026, 1, 5),
                      annual_premium="12345.60", last_contact_date=dt.date(2026, 2, 1),
                      segment_reason={"msg": "Annual premium %(premium)s ≥ %(threshold)s",
                                      "params": {"premium": "¥62,400.00",
                                                 "threshold": "¥50,000.00"}})
        make_customer(name="=HYPERLINK(\"http://x\")", kind="corporate", id_type="uscc",
                      id_number="91330402MA2B12345X", segment="floating", manager=wang)


def workbook(client, url):
    status, headers, body = download(client, url)
    assert status == 200, body[:300]
    return openpyxl.load_workbook(io.BytesIO(body)), headers


def test_the_customer_list_as_staff_read_it(client, app, branch):
    login(client, "boss", "password-1")
    book, headers = workbook(client, "/exports/customer-list.xlsx")
    assert headers["Content-Disposition"].startswith("attachment")
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:5] == ("客户编号", "客户名称", "客户类型", "证件类型", "证件号码")
    assert {"区县", "乡镇", "客户经理", "客户类别", "年保费", "最近联系"} <= set(header)
    zhang = dict(zip(header, next(r for r in rows[1:] if r[1] == "张三"), strict=True))
    assert (zhang["客户类型"], zhang["证件类型"]) == ("个人", "身份证")
    assert (zhang["区县"], zhang["乡镇"], zhang["客户经理"]) == ("南湖区", "新丰镇", "王经理")
    assert zhang["客户类别"] == "优质客户" and zhang["原因"].startswith("年保费 ¥62,400.00")
    assert zhang["最近联系"] == dt.datetime(2026, 2, 1)
    assert zhang["证件号码"] == resident_id("19800101", 7)  # a manager sees it in full
    premium_column = header.index("年保费") + 1
    cell = sheet.cell(row=rows.index(next(r for r in rows if r[1] == "张三")) + 1,
                      column=premium_column)
    assert cell.value == pytest.approx(12345.6) and cell.number_format == "#,##0.00"
    assert "'=HYPERLINK" in {r[1][:11] for r in rows[1:]}
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:S{len(rows)}"
    assert sheet.column_dimensions["B"].width >= 24 and sheet.column_dimensions["G"].width >= 30
    with app.app_context():
        entry = AuditLog.get(AuditLog.target == "export:customer_list")
        assert entry.details["rows"] == 2 and entry.details["full_id_numbers"] is True


def test_an_agent_reads_masked_id_numbers_of_the_filtered_list(client, branch):
    login(client, "wang", "password-1")
    book, _headers = workbook(client, "/exports/customer-list.xlsx?segment=quality")
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "张三" and "*" in rows[1][4]
    status, _headers, body = download(client, "/exports/customer-list.csv?q=张三")
    assert status == 200 and body.startswith(b"\xef\xbb\xbf") and "张三".encode() in body
    assert download(client, "/exports/customer-list.pdf")[0] == 404
    assert download(client, "/exports/customer-list.xlsx?township=abc")[0] == 400


def test_the_list_page_offers_the_file_to_read_in_the_browser(page, branch):
    browser_login(page, "boss", "password-1")
    page.goto("/customers?segment=quality")
    with page.expect_download() as done:
        page.click("#export-readable")
    sheet = openpyxl.load_workbook(io.BytesIO(done.value.path().read_bytes())).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["张三"]
    assert gettext  # the words come from the catalogue the pages use
