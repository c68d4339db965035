"""What files the importer reads (GBK, BOM, XLSX with date cells) and which it refuses in one
clear line (empty, binary, truncated, 10,000 columns, wrong delimiter)."""

import datetime as dt
from decimal import Decimal

import pytest

from inscrm.imports.readers import FileProblem, open_table
from inscrm.imports.template import KINDS, detect_kind, header_name
from inscrm.models import Customer, Policy
from tests.helpers import resident_id
from tests.importfiles import (
    CUSTOMER_HEADER,
    customer_rows,
    write_csv,
    write_xlsx,
)

CHINESE_HEADER = ["客户编号", "客户类型", "客户名称", "证件号码", "联系电话", "乡镇", "来源"]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_chinese_headers_in_gbk_and_utf8_with_or_without_bom(runner, app, tmp_path, encoding):
    rows = customer_rows(3)
    rows[0][1], rows[0][6] = "个人", "排摸"
    path = write_csv(tmp_path / "customers.csv", CHINESE_HEADER, rows, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = runner("import", str(path))
    assert result.exit_code == 0, result.output
    assert "customers — 3 inserted" in result.output
    with app.app_context():
        first = Customer.get(Customer.name == "客户0")
        assert first.kind == "individual" and first.source == "canvass"
        assert first.township.name == "新丰镇"


def test_a_gbk_file_whose_chinese_starts_far_down(runner, app, tmp_path):
    rows = [[f"A{i}", "individual", f"Customer {i}", "", "", "", ""] for i in range(3000)]
    rows.append(["Z1", "个人", "最后一位", "", "", "新丰镇", "黄页"])
    path = write_csv(tmp_path / "late.csv", CUSTOMER_HEADER, rows, encoding="gb18030")
    assert path.read_bytes()[:70_000].isascii()
    result = runner("import", str(path))
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert Customer.get(Customer.name == "最后一位").source == "yellow_pages"


def test_excel_unicode_text_utf16_with_tabs(tmp_path):
    path = write_csv(tmp_path / "unicode.txt", CHINESE_HEADER, customer_rows(2), encoding="utf-16",
                     delimiter="\t")
    table = open_table(path)
    assert table.headers == CHINESE_HEADER
    assert [cells[2] for _, cells in table.rows()] == ["客户0", "客户1"]
    table.close()


def test_semicolons_and_tabs_are_read_too(tmp_path):
    for delimiter in (";", "\t"):
        path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customer_rows(1),
                         delimiter=delimiter)
        table = open_table(path)
        assert table.headers == CUSTOMER_HEADER
        assert next(table.rows())[1][2] == "客户0"
        table.close()


def test_xlsx_with_date_cells_numbers_and_template_headers(runner, app, tmp_path):
    customers = write_xlsx(tmp_path / "customers.xlsx",
                           [KINDS["customers"].column(n).header for n in
                            ("customer_ref", "kind", "name", "id_number", "phone")],
                           [["C1", "单位", "嘉兴某某有限公司", "91330402MA2B3C4D5X", 13812345678],
                            ["C2", "个人", "王五", resident_id(serial=3), None]])
    bad_uscc = runner("import", str(customers))
    assert bad_uscc.exit_code == 1
    assert "row 2, column id_number, value '91330402MA2B3C4D5X'" in bad_uscc.output
    from inscrm.validators import uscc_check_char

    uscc = "91330402MA2B3C4D5" + uscc_check_char("91330402MA2B3C4D5")
    write_xlsx(customers, ["客户编号 customer_ref *", "客户类型", "name", "证件号码", "phone"],
               [["C1", "单位", "嘉兴某某有限公司", uscc, 13812345678]])
    assert runner("import", str(customers)).exit_code == 0
    policies = write_xlsx(tmp_path / "policies.xlsx",
                          ["保单号", "客户编号", "保费", "起保日期", "终保日期", "退保"],
                          [["P1", "C1", 1234.5, dt.datetime(2025, 3, 1), dt.date(2026, 2, 28),
                            "否"]])
    result = runner("import", str(policies))
    assert result.exit_code == 0, result.output
    with app.app_context():
        customer = Customer.get(Customer.name == "嘉兴某某有限公司")
        assert customer.phone == "13812345678" and customer.id_type == "uscc"
        policy = Policy.get(Policy.policy_no == "P1")
        assert policy.start_date == dt.date(2025, 3, 1)
        assert policy.end_date == dt.date(2026, 2, 28)
        assert policy.premium == Decimal("1234.50") and not policy.cancelled


def one_line(result):
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_files_that_are_not_tables_get_one_clear_line(runner, app, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty.csv is empty." in one_line(runner("import", str(empty)))

    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 40)
    assert "photo.csv is not a table: it is a binary file." in one_line(
        runner("import", str(binary)))

    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(10_000)) + "\n" + "1," * 9_999 + "1\n")
    assert "wide.csv has 10000 columns" in one_line(runner("import", str(wide)))

    piped = write_csv(tmp_path / "piped.csv", CUSTOMER_HEADER, customer_rows(2), delimiter="|")
    line = one_line(runner("import", str(piped)))
    assert "piped.csv: the header row names no kind of the import template" in line
    assert "comma-separated" in line

    good = write_xlsx(tmp_path / "good.xlsx", CUSTOMER_HEADER, customer_rows(200))
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "truncated.xlsx is not a readable XLSX workbook (damaged or truncated)." in one_line(
        runner("import", str(truncated)))

    wide_book = write_xlsx(tmp_path / "wide.xlsx", [f"c{i}" for i in range(10_000)], [])
    assert "wide.xlsx has 10000 columns" in one_line(runner("import", str(wide_book)))

    headers_only = write_csv(tmp_path / "headers.csv", ["a", "b"], [])
    assert "headers.csv: the header row names no kind" in one_line(
        runner("import", str(headers_only)))

    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert "old Excel (.xls)" in one_line(runner("import", str(old)))
    with app.app_context():
        assert Customer.select().count() == 0


def test_a_broken_zip_member_mid_sheet_is_one_line(tmp_path):
    import zipfile

    good = write_xlsx(tmp_path / "good.xlsx", CUSTOMER_HEADER, customer_rows(3000))
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]  # the sheet's XML stops mid-row
            target.writestr(item, data)
    with pytest.raises(FileProblem) as problem:
        table = open_table(damaged)
        for _ in table.rows():
            pass
    assert "damaged or truncated" in str(problem.value)


def test_header_names_and_kind_detection():
    customers = KINDS["customers"]
    assert header_name("客户编号", customers) == "customer_ref"
    assert header_name(" Customer_Ref ", customers) == "customer_ref"
    assert header_name("客户编号 customer_ref *", customers) == "customer_ref"
    assert header_name("客户编号（customer_ref）", customers) == "customer_ref"
    assert header_name("favourite colour", customers) is None
    assert detect_kind(CUSTOMER_HEADER) == "customers"
    assert detect_kind(["保单号", "客户编号", "保费", "起保日期", "终保日期"]) == "policies"
    assert detect_kind(["claim_no", "policy_no", "loss_date"]) == "claims"
    assert detect_kind(["客户编号", "日期", "方式"]) == "activities"
    assert detect_kind(["customer_ref", "reason", "date"]) == "blacklist"
    assert detect_kind(["customer_ref", "date"]) is None
