"""Reading an import file as a table: CSV in whatever Excel or WPS saved (UTF-8, UTF-8 with BOM,
GBK/GB18030; comma, tab or semicolon), or XLSX read as a stream (openpyxl read-only mode).

`open_table(path)` returns a table with its header cells and an iterator of (row number, cells),
cells as stripped strings (Excel date cells as `datetime.date`). A file that is not a table at
all raises `FileProblem` with one clear line.
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

from inscrm.imports.template import MAX_COLUMNS
from inscrm.validators import N_, Invalid

SAMPLE = 64 * 1024
MAX_CELL = 100_000  # characters; a longer cell means a binary or broken file
csv.field_size_limit(MAX_CELL)


class FileProblem(Invalid):
    """The file as a whole cannot be read as an import table."""


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
        self._reader = csv.reader(self._text, self.dialect)
        try:
            self.headers = _checked_headers(self._next(), self.name)
        except FileProblem:
            self.close()
            raise

    def _next(self):
        try:
            return next(self._reader, None)
        except (csv.Error, UnicodeDecodeError):
            raise FileProblem(N_("%(file)s is not a readable CSV table (a broken line or a "
                                 "binary file)."), file=self.name) from None

    def rows(self):
        """(row number as Excel shows it, cells) for every non-blank line after the header."""
        number = 1
        while (cells := self._next()) is not None:
            number += 1
            if any(c.strip() for c in cells):
                yield number, [c.strip() for c in cells]

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
    if headers is None or not any(h.strip() for h in headers):
        raise FileProblem(N_("%(file)s has no header row."), file=name)
    if len(headers) > MAX_COLUMNS:
        raise FileProblem(N_("%(file)s has %(count)s columns; an import file has at most "
                             "%(limit)s. Is it the right file?"),
                          file=name, count=len(headers), limit=MAX_COLUMNS)
    return [str(h if h is not None else "").strip() for h in headers]


class XlsxTable:
    """The first worksheet of an XLSX workbook, read row by row."""

    def __init__(self, path):
        import openpyxl

        self.path = path
        self.name = path.name
        self._book = None
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
            self.done = number
            cells = [_cell(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if any(c != "" for c in cells):
                yield number, cells

    def progress(self):
        return min(1.0, self.done / self.total) if self.total else 0.0

    def close(self):
        if self._book is not None:
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
