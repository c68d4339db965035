"""Reading an import file as a table: CSV in whatever Excel or WPS saved (UTF-8, UTF-8 with BOM,
GBK/GB18030; comma, tab or semicolon), or XLSX read as a stream (openpyxl read-only mode).

`open_table(path)` returns a table with its header cells and an iterator of (row number, cells),
cells as stripped strings (Excel date cells as `datetime.date`). A file that is not a table at
all raises `FileProblem` with one clear line.

Whatever the file, memory stays bounded: a line, a cell, a row and the number of rows have
limits (the same for CSV and XLSX), and an XLSX is checked before it is opened
(`inscrm.imports.zipcheck`).
"""

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import ParseError

from inscrm.cells import plain_text
from inscrm.i18n import N_
from inscrm.imports.problems import FileProblem
from inscrm.imports.template import MAX_COLUMNS
from inscrm.imports.zipcheck import check_workbook

SAMPLE = 64 * 1024
MAX_CELL = 100_000  # characters; a longer cell means a binary or broken file
MAX_LINE = 1_000_000  # characters in one line of a CSV file
MAX_ROWS = 1_048_576  # what one Excel or WPS sheet holds; a larger extract is split
csv.field_size_limit(MAX_CELL)

__all__ = ["FileProblem", "open_table"]


def open_table(path):
    """The table in the file at `path` (CSV or XLSX, told apart by content, not by name)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(SAMPLE)
    except OSError as exc:
        raise FileProblem(N_("%(file)s cannot be read: %(error)s"),
                          file=path.name, error=exc.strerror or str(exc)) from None
    if size == 0 or not head.strip():
        raise FileProblem(N_("%(file)s is empty."), file=path.name)
    if head.startswith(b"PK\x03\x04"):
        return XlsxTable(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(N_("%(file)s is an old Excel (.xls) file; save it as .xlsx or CSV."),
                          file=path.name)
    return CsvTable(path, head, size)


class CsvTable:
    def __init__(self, path, head, size):
        self.path = path
        self.name = path.name
        self.size = size
        self.encoding = _encoding(path, head)
        sample = head.decode(self.encoding, errors="ignore")
        self.dialect = _dialect(sample)
        self._file = path.open("rb")
        self._text = io.TextIOWrapper(self._file, encoding=self.encoding, newline="")
        self._line = 0
        self._reader = csv.reader(self._lines(), self.dialect)
        try:
            self.headers = _checked_headers(self._next(), self.name)
        except FileProblem:
            self.close()
            raise

    def _lines(self):
        """The file's lines for the csv reader: none longer than MAX_LINE, none with a NUL."""
        while line := self._text.readline(MAX_LINE + 1):
            self._line += 1
            if len(line) > MAX_LINE:
                raise FileProblem(N_("%(file)s line %(line)s is longer than %(limit)s "
                                     "characters; it is not an import table."),
                                  file=self.name, line=self._line, limit=MAX_LINE)
            if "\x00" in line:
                raise FileProblem(N_("%(file)s line %(line)s holds a NUL byte: it is a binary "
                                     "file, not a table."), file=self.name, line=self._line)
            yield line

    def _next(self):
        try:
            return next(self._reader, None)
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _long_cell(self.name, self._line) from None
            raise self._unreadable() from None
        except UnicodeDecodeError:
            raise self._unreadable() from None

    def _unreadable(self):
        return FileProblem(N_("%(file)s is not a readable CSV table (a broken line or a "
                              "binary file)."), file=self.name)

    def rows(self):
        """(row number as Excel shows it, cells) for every non-blank line after the header."""
        number = 1
        while (cells := self._next()) is not None:
            number += 1
            _check_count(self.name, number)
            cells = [plain_text(c.strip()) for c in cells]
            if any(cells):
                yield number, _bounded(self.name, number, cells)

    def progress(self):
        """How far through the file the reader is, 0 to 1."""
        try:
            return min(1.0, self._file.tell() / self.size)
        except (OSError, ValueError):
            return 1.0

    def close(self):
        self._file.close()


def _encoding(path, head):
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), or GB18030.

    The first non-ASCII bytes of the file decide between UTF-8 and GBK, however far down they
    are: a GBK file may start with thousands of ASCII-only rows.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise FileProblem(N_("%(file)s is not a table: it is a binary file."), file=path.name)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    sample = _first_non_ascii(path)
    if sample is None:
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):  # GB18030 is a superset of GBK and GB2312
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return "utf-8-sig" if encoding == "utf-8" else encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem(N_("%(file)s is not a table: its text is neither UTF-8 nor GBK."),
                      file=path.name)


def _first_non_ascii(path, block=1 << 20):
    """Up to SAMPLE bytes from the first non-ASCII byte of the file (a character's first byte,
    since everything before it is ASCII), or None for an all-ASCII file."""
    with path.open("rb") as f:
        while chunk := f.read(block):
            found = _NON_ASCII.search(chunk)
            if found:
                sample = chunk[found.start():found.start() + SAMPLE]
                return sample + f.read(SAMPLE - len(sample))
    return None


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _dialect(sample):
    """Comma, tab or semicolon: whichever the header line has most of (Excel's list separator
    is a semicolon in some locales)."""
    header = sample.splitlines()[0] if sample else ""
    delimiter = max(",\t;", key=header.count)

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter if header.count(delimiter) else ","
    return Dialect


def _checked_headers(headers, name):
    headers = [str(h if h is not None else "").strip() for h in headers or ()]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise FileProblem(N_("%(file)s has no header row."), file=name)
    if len(headers) > MAX_COLUMNS:
        raise FileProblem(N_("%(file)s has %(count)s columns; an import file has at most "
                             "%(limit)s. Is it the right file?"),
                          file=name, count=len(headers), limit=MAX_COLUMNS)
    return headers


def _check_count(name, number):
    """Rows beyond what a sheet holds, blank or not, refuse the file (and end the reading)."""
    if number > MAX_ROWS:
        raise FileProblem(N_("%(file)s has more than %(limit)s rows; split it into smaller "
                             "files."), file=name, limit=MAX_ROWS)


def _bounded(name, number, cells):
    """A data row within the limits: at most MAX_COLUMNS cells (trailing empty ones dropped),
    MAX_CELL characters a cell; otherwise the whole file is refused."""
    while cells and cells[-1] == "":
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise FileProblem(N_("%(file)s row %(row)s has %(count)s cells; an import file has at "
                             "most %(limit)s columns."),
                          file=name, row=number, count=len(cells), limit=MAX_COLUMNS)
    if any(isinstance(c, str) and len(c) > MAX_CELL for c in cells):
        raise _long_cell(name, number)
    return cells


def _long_cell(name, row):
    return FileProblem(N_("%(file)s row %(row)s has a cell longer than %(limit)s characters."),
                       file=name, row=row, limit=MAX_CELL)


class XlsxTable:
    """The first worksheet of an XLSX workbook, read row by row."""

    def __init__(self, path):
        import openpyxl

        self.path = path
        self.name = path.name
        self._book = None
        self._iter = iter(())
        check_workbook(path, self.name)
        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            self._sheet = self._book.worksheets[0]
            self._iter = self._sheet.iter_rows(values_only=True)
            first = self._next()
            self.headers = _checked_headers(
                None if first is None else [_cell(v) for v in first],
                self.name)
        except FileProblem:
            self.close()
            raise
        except Exception:  # openpyxl raises many kinds for a damaged zip or XML
            self.close()
            raise self._damaged() from None
        self.total = self._sheet.max_row or 0
        self.done = 1

    def _damaged(self):
        return FileProblem(N_("%(file)s is not a readable XLSX workbook (damaged or "
                              "truncated)."), file=self.name)

    def _next(self):
        try:
            return next(self._iter, None)
        except (zipfile.BadZipFile, zlib.error, EOFError, ParseError, KeyError, OSError,
                ValueError):
            raise self._damaged() from None
        except Exception as exc:  # lxml's syntax errors and the like
            if type(exc).__name__.endswith(("Error", "Exception")):
                raise self._damaged() from None
            raise

    def rows(self):
        number = 1
        while (values := self._next()) is not None:
            number += 1
            _check_count(self.name, number)
            self.done = number
            cells = [_cell(v) for v in values]
            if any(c != "" for c in cells):
                yield number, _bounded(self.name, number, cells)

    def progress(self):
        return min(1.0, self.done / self.total) if self.total else 0.0

    def close(self):
        if self._book is not None:
            self._iter.close()  # the sheet's XML stream, left open by a refusal mid-sheet
            self._book.close()


def _cell(value):
    """An XLSX cell value as the importer reads it: text, or a date for a date cell."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel keeps numbers as doubles: 13812345678.0 is a phone, 3456.7 an amount
        return str(int(value)) if value.is_integer() else str(Decimal(repr(value)))
    return str(value).strip()
