"""The downloadable template: one XLSX per kind with the headers in Chinese and English, an
example row, drop-down lists on the enum columns, and a sheet that lists every code."""

import io

from inscrm.cells import xlsx_row
from inscrm.imports.template import BOOLEANS, ENUMS, KINDS, parse_bool

ROWS_WITH_LISTS = 5000  # rows below the header that get the drop-down lists


def template_workbook(kind_name):
    """The template for one kind as XLSX bytes."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    kind = KINDS[kind_name]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = kind.name
    sheet.append(xlsx_row(sheet, [column.header for column in kind.columns]))
    sheet.append(xlsx_row(sheet, [column.example for column in kind.columns]))
    bold, required = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for position, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font = bold
        if column.required:
            cell.fill = required
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(14, len(column.header) * 1.6)
        words = _choices(column)
        if words:
            check = DataValidation(type="list", formula1='"' + ",".join(words) + '"',
                                   allow_blank=not column.required)
            check.add(f"{letter}2:{letter}{ROWS_WITH_LISTS + 1}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet("说明 help")
    help_sheet.append(xlsx_row(help_sheet, ["列 column", "中文", "必填 required",
                                            "取值 codes (中文 = code)"]))
    for column in kind.columns:
        codes = ""
        if column.enum:
            codes = ", ".join(f"{words[0]} = {code}" for code, words in ENUMS[column.enum].items())
        elif column.parse is parse_bool:
            codes = "是 / 否 (1 / 0)"
        help_sheet.append(xlsx_row(help_sheet, [column.name, column.zh,
                                                "是" if column.required else "", codes]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _choices(column):
    """The words offered in the drop-down: the Chinese word of each code."""
    if column.enum:
        return [words[0] for words in ENUMS[column.enum].values()]
    if column.parse is parse_bool:
        return [BOOLEANS[True][1], BOOLEANS[False][1]]
    return []
