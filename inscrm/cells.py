"""Cells that a spreadsheet cannot read as a formula, for every CSV and XLSX we write.

Excel and WPS treat a cell starting with = + - @ (and a tab or carriage return before them) as a
formula, so a customer named `=HYPERLINK(…)` would become a live link in a manager's export.
Every file the program writes goes through `csv_row` or `xlsx_row`:

- CSV: such text gets a leading apostrophe, which Excel shows as text and keeps out of formulas;
  the importer drops it again (`plain_text`), so an export imports back as it was.
- XLSX: text is always a text cell (never a formula), and text starting like a formula carries
  Excel's own quote prefix, so editing the cell cannot turn it into one either.
"""

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot hold (openpyxl refuses them); written as nothing.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value):
    """Text that would start a formula gets a leading apostrophe; other values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def plain_text(value):
    """A cell as `safe_text` wrote it, read back: the apostrophe before a formula start goes."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def csv_row(row):
    """A row for csv.writer: text neutralised, None as an empty cell."""
    return ["" if value is None else safe_text(value) for value in row]


def xlsx_row(sheet, row):
    """A row for `sheet.append` (write-only or not): text as text cells, never formulas."""
    return [_xlsx_cell(sheet, value) for value in row]


def _xlsx_cell(sheet, value):
    if not isinstance(value, str):
        return value  # numbers, Decimals, dates and None are what they are
    from openpyxl.cell import WriteOnlyCell

    text = _NOT_XML.sub("", value)
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell
