"""Hostile import files, built byte by byte with zipfile: zip bombs, entities, a gigabyte cell, a
row of too many cells, more rows than a sheet holds. Each is refused in one clear line before it
can take the PC's memory; CSV has the same limits; the error report stays bounded."""

import subprocess
import sys
import textwrap
import zipfile

import pytest

from inscrm.imports import load, zipcheck
from inscrm.imports.readers import MAX_CELL, MAX_ROWS, FileProblem, open_table
from inscrm.models import Customer
from tests.importfiles import CUSTOMER_HEADER, customer_rows, write_csv

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>'),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
        '<sheets><sheet name="customers" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>'),
}


def text_cells(values, row):
    return "".join(f'<c r="{chr(65 + i)}{row}" t="inlineStr"><is><t>{v}</t></is></c>'
                   for i, v in enumerate(values))


def rows_xml(rows, first=1):
    return "".join(f'<row r="{n}">{text_cells(cells, n)}</row>'
                   for n, cells in enumerate(rows, start=first))


def workbook(path, sheet_rows="", shared=(), stored=False, dtd=""):
    """An XLSX of one sheet: `sheet_rows` (XML text, or an iterable of byte chunks) between the
    sheetData tags, `shared` the shared strings' XML (likewise)."""
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", method) as book:
        for name, text in PARTS.items():
            book.writestr(name, text)
        for name, start, body, end in (
                ("xl/worksheets/sheet1.xml", f'{dtd}<worksheet xmlns="{MAIN}"><sheetData>',
                 sheet_rows, "</sheetData></worksheet>"),
                ("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">', shared, "</sst>")):
            with book.open(name, "w", force_zip64=True) as member:
                member.write(('<?xml version="1.0" encoding="UTF-8"?>' + start).encode())
                for chunk in [body] if isinstance(body, str) else body:
                    member.write(chunk.encode() if isinstance(chunk, str) else chunk)
                member.write(end.encode())
    return path


def refusal(path):
    with pytest.raises(FileProblem) as problem:
        table = open_table(path)
        try:
            for _ in table.rows():
                pass
        finally:
            table.close()
    return str(problem.value)


def test_a_workbook_built_by_hand_imports(runner, app, tmp_path):
    path = workbook(tmp_path / "hand.xlsx", rows_xml([CUSTOMER_HEADER, *customer_rows(2)]))
    result = runner("import", str(path))
    assert result.exit_code == 0 and "2 inserted" in result.output, result.output


def test_a_shared_strings_bomb_is_refused_before_it_is_unpacked(app, tmp_path):
    """200 MB of shared strings in a file of a few hundred KB: refused by its declared size,
    with the whole command line staying small in memory."""
    entry = b"<si><t>" + b"A" * 100 + b"</t></si>"
    bomb = workbook(tmp_path / "bomb.xlsx", rows_xml([CUSTOMER_HEADER]),
                    shared=(entry * 10_000 for _ in range(200 * 1024 * 1024 // len(entry)
                                                         // 10_000)))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    # The peak of the child's own memory (VmHWM): getrusage's maxrss would start from the
    # peak of the test process that started it, which exec carries over.
    child = textwrap.dedent(f"""
        import re
        from pathlib import Path
        from inscrm.cli import main
        try:
            main(["import", {str(bomb)!r}, "--data-dir", {app.config["DATA_DIR"]!r}])
        except SystemExit as exc:
            code = exc.code
        status = Path("/proc/self/status").read_text()
        print("peak", re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1), code)
    """)
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          timeout=300)
    assert "bomb.xlsx is not a workbook that can be imported safely" in done.stderr
    assert "zip bomb" in done.stderr and "Traceback" not in done.stderr
    _, kilobytes, code = done.stdout.split()
    assert code == "1" and int(kilobytes) < 300 * 1024, done.stdout
    with app.app_context():
        assert Customer.select().count() == 0


def test_a_member_that_inflates_a_hundredfold_is_a_bomb(tmp_path):
    row = f'<row><c t="inlineStr"><is><t>{"0" * 200}</t></is></c></row>'
    path = workbook(tmp_path / "dense.xlsx", rows_xml([CUSTOMER_HEADER]) + row * 20_000)
    assert "zip bomb" in refusal(path)


def test_members_are_limited_by_their_unpacked_size(tmp_path, monkeypatch):
    monkeypatch.setattr(zipcheck, "MAX_SHEET", 1024 * 1024)
    rows = customer_rows(20_000)
    path = workbook(tmp_path / "big.xlsx", rows_xml([CUSTOMER_HEADER, *rows]), stored=True)
    assert "holds a sheet too large to import" in refusal(path)


def test_xml_entities_are_refused(tmp_path):
    laughs = ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;">]>')
    path = workbook(tmp_path / "laughs.xlsx", rows_xml([CUSTOMER_HEADER]), dtd=laughs)
    assert "declares XML entities" in refusal(path)


def test_cells_longer_than_the_limit_are_refused_as_in_csv(tmp_path):
    huge = workbook(tmp_path / "huge.xlsx", [rows_xml([CUSTOMER_HEADER]), '<row r="2"><c r="A2" '
                    't="inlineStr"><is><t>', b"x" * (3 * 1024 * 1024), "</t></is></c></row>"],
                    stored=True)
    assert "huge.xlsx has a cell or tag of more than 1 MB" in refusal(huge)
    long_row = customer_rows(1)[0]
    long_row[2] = "名" * (MAX_CELL + 1)
    message = f"row 2 has a cell longer than {MAX_CELL} characters"
    book = workbook(tmp_path / "long.xlsx", rows_xml([CUSTOMER_HEADER, long_row]), stored=True)
    assert f"long.xlsx {message}" in refusal(book)
    csv_file = write_csv(tmp_path / "long.csv", CUSTOMER_HEADER, [long_row])
    assert f"long.csv {message}" in refusal(csv_file)


def test_a_row_of_too_many_cells_is_refused(tmp_path):
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(zipcheck.MAX_ROW_CELLS + 10))
    path = workbook(tmp_path / "wide.xlsx", rows_xml([CUSTOMER_HEADER]) + f"<row>{cells}</row>",
                    stored=True)
    assert f"has a row of more than {zipcheck.MAX_ROW_CELLS} cells" in refusal(path)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(CUSTOMER_HEADER) + "\n" + "1," * 300 + "1\n" + "x," * 600_000)
    assert "wide.csv row 2 has 301 cells; an import file has at most 100 columns" in refusal(wide)
    assert "wide.csv line 2 is longer than 1000000 characters" in refusal(
        _without_line(wide, 2))


def _without_line(path, number):
    lines = path.read_text().split("\n")
    del lines[number - 1]
    path.write_text("\n".join(lines))
    return path


def test_more_rows_than_a_sheet_holds_are_refused(tmp_path):
    beyond = MAX_ROWS + 2  # the header is row 1
    path = workbook(tmp_path / "tall.xlsx", rows_xml([CUSTOMER_HEADER])
                    + rows_xml([customer_rows(1)[0]], first=beyond))
    assert f"tall.xlsx has more than {MAX_ROWS} rows" in refusal(path)
    tall = tmp_path / "tall.csv"
    with tall.open("w") as f:
        f.write(",".join(CUSTOMER_HEADER) + "\n" + "1\n" * (MAX_ROWS + 1))
    assert f"tall.csv has more than {MAX_ROWS} rows" in refusal(tall)


def test_a_nul_byte_far_down_a_csv_is_refused(runner, app, tmp_path):
    rows = customer_rows(2000)
    rows[1500][2] = "张\x00三"
    path = write_csv(tmp_path / "nul.csv", CUSTOMER_HEADER, rows)
    assert path.read_bytes().index(b"\x00") > 64 * 1024
    result = runner("import", str(path))
    assert result.exit_code == 1 and "nul.csv line 1502 holds a NUL byte" in result.output
    with app.app_context():
        assert Customer.select().count() == 0


def test_the_error_report_is_bounded(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(load, "REPORTED", 5)
    rows = customer_rows(12)
    for row in rows:
        row[1] = "alien"
    path = write_csv(tmp_path / "bad.csv", CUSTOMER_HEADER, rows)
    result = runner("import", str(path))
    assert result.exit_code == 1 and "12 of 12 rows have problems" in result.output
    assert "the first 5 rows with problems are in" in result.output
    report = (tmp_path / "bad.csv.errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(report) == 1 + 5 + 1
    assert report[-1].endswith("… and 7 more rows with problems, not listed here: fix the rows "
                               "above and import the file again\"")
