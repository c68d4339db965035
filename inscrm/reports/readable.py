"""Files staff read, beside the ones that import back: headers and code words in the reader's
language (个人, 身份证, 优质客户), dates as dates and money as money, each column as wide as its
content needs, the header row frozen and filtered.

A table is a list of `Column`s and a stream of rows (one value per column, codes as stored).
`write` gives an XLSX (openpyxl's write-only mode, so a large list does not sit in memory) or a
CSV (UTF-8 with a BOM and CRLF, what Excel and WPS in China open); every text cell goes through
`inscrm.cells.safe_text`, so no name becomes a formula.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from inscrm.cells import safe_text
from inscrm.formatting import date as date_text
from inscrm.labels import label

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
RATIO_FORMAT = "0.0%"
KINDS = ("text", "code", "date", "money", "number", "ratio", "yes_no")


@dataclass(frozen=True)
class Column:
    """One column: its header (a msgid), what its values are, and for a code the label kind
    whose words it shows; `width` in characters (a CJK character counts two)."""

    header: str
    kind: str = "text"
    labels: str = ""
    width: int = 12


def _words(translate):
    yes, no = translate("Yes"), translate("No")
    return {True: yes, False: no}  # bool(value) picks one


def cell_value(column, value, translate, yes_no=None):
    """What a reader sees in a cell: the code's word, a date, a Decimal; safe text."""
    if value is None or value == "":
        return None
    if column.kind == "code":
        return safe_text(translate(label(column.labels, value)))
    if column.kind == "yes_no":
        return (yes_no or _words(translate))[bool(value)]
    if column.kind == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if column.kind in ("money", "ratio"):
        return Decimal(str(value))
    if column.kind == "number":
        return value
    return safe_text(str(value))


def display_width(text):
    """How wide a text reads in a spreadsheet, in characters (CJK characters are double)."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def write(target, fmt, columns, rows, translate):
    """Write the table to a binary stream as `xlsx` or `csv`; how many rows."""
    if fmt == "xlsx":
        return _xlsx(target, columns, rows, translate)
    return _csv(target, columns, rows, translate)


def _csv(stream, columns, rows, translate):
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([translate(c.header) for c in columns])
    words, count = _words(translate), 0
    for row in rows:
        cells = [cell_value(c, v, translate, words) for c, v in zip(columns, row, strict=True)]
        writer.writerow(["" if v is None else _csv_text(c, v) for c, v in
                         zip(columns, cells, strict=True)])
        count += 1
    text.flush()
    text.detach()
    return count


def _csv_text(column, value):
    if column.kind == "date":
        return date_text(value)
    if column.kind == "money":
        return f"{value:.2f}"
    return value


def _xlsx(stream, columns, rows, translate):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    headers = [translate(c.header) for c in columns]
    for index, (column, header) in enumerate(zip(columns, headers, strict=True), start=1):
        width = max(column.width, display_width(header) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    head = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
        head.append(cell)
    sheet.append(head)
    formats = {"money": MONEY_FORMAT, "date": DATE_FORMAT, "ratio": RATIO_FORMAT}
    words, count = _words(translate), 0
    for row in rows:
        cells = []
        for column, value in zip(columns, row, strict=True):
            cell = WriteOnlyCell(sheet, value=cell_value(column, value, translate, words))
            if column.kind in formats:
                cell.number_format = formats[column.kind]
            cells.append(cell)
        sheet.append(cells)
        count += 1
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    book.save(stream)
    return count
