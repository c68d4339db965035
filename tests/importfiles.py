"""Writing import files for the tests: CSV in any encoding, XLSX with real date cells."""

import csv
import io

from tests.helpers import resident_id

CUSTOMER_HEADER = ["customer_ref", "kind", "name", "id_number", "phone", "township", "source"]
POLICY_HEADER = ["policy_no", "customer_ref", "product", "premium", "start_date", "end_date",
                 "renewal_of", "plate"]


def write_csv(path, header, rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path, header, rows):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def customer_rows(count, prefix="C", serial=0, source="core_system"):
    """Valid individual customers C0…: the same ID numbers for the same `serial` start."""
    return [[f"{prefix}{i}", "individual", f"客户{i}", resident_id(serial=serial + i),
             f"1380000{serial + i:04d}", "新丰镇", source] for i in range(count)]


def policy_rows(count, prefix="P", customer_prefix="C", year=2024, customers=None):
    """One policy a customer: P0 for C0…, a year's cover from `year`-01-01."""
    return [[f"{prefix}{i}", f"{customer_prefix}{i % (customers or count)}", "商业车险",
             "1,000.50", f"{year}-01-01", f"{year}-12-31", "", ""] for i in range(count)]
