"""What an XLSX workbook may hold, checked before openpyxl opens it, so that no file — a zip bomb,
a billion-laughs XML, a gigabyte cell, a row of millions of cells — can take the PC's memory.

openpyxl keeps the shared strings, the styles and each XML text node whole in memory, and builds
each row from all of its cells. So before opening: every member's declared size is bounded
(Python's zipfile never inflates a member past its declared size: a lying one fails its CRC),
a member that inflates more than MAX_RATIO times is a zip bomb, no XML member may declare a
DTD (entities), and one streaming pass over each XML member bounds the longest tag or text,
the shared strings and the cells of a row. Memory then stays within a few hundred MB.
"""

import re
import zipfile
import zlib

from inscrm.i18n import N_
from inscrm.imports.problems import FileProblem

MIB = 1024 * 1024
MAX_SHEET = 1024 * MIB  # a full Excel sheet (1,048,576 rows of the template) is about half this
MAX_SHARED_STRINGS = 64 * MIB  # read whole by openpyxl
MAX_OTHER = 32 * MIB  # styles, workbook, relations…: read whole
MAX_MEMBERS = 1000
MAX_RATIO = 100  # real sheets inflate 5 to 30 times
RATIO_FROM = MIB  # small members may inflate as they like
MAX_RUN = MIB  # bytes from one "<" to the next: a tag with its text, read whole by the parser
MAX_STRINGS = 2_000_000  # distinct texts in the shared strings (about 150 MB in memory)
MAX_ROW_CELLS = 16_384  # Excel's widest row
CHUNK = MIB

_ROW = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_STRING = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")


def check_workbook(path, name):
    """Raise FileProblem unless the XLSX at `path` is safe to open with openpyxl."""
    try:
        with zipfile.ZipFile(path) as book:
            members = book.infolist()
            if len(members) > MAX_MEMBERS:
                raise _bomb(name)
            for info in members:
                _check_size(info, name)
            for info in members:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    _scan(book, info, name)
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError):  # damaged, encrypted or of an unknown compression
        raise FileProblem(N_("%(file)s is not a readable XLSX workbook (damaged or "
                             "truncated)."), file=name) from None


def _bomb(name):
    return FileProblem(N_("%(file)s is not a workbook that can be imported safely: its parts "
                          "unpack to far more than their size (a zip bomb)."), file=name)


def _limit(filename):
    lower = filename.lower()
    if lower.startswith("xl/worksheets/"):
        return MAX_SHEET
    if lower.endswith("sharedstrings.xml"):
        return MAX_SHARED_STRINGS
    return MAX_OTHER


def _check_size(info, name):
    if info.file_size > _limit(info.filename):
        if info.filename.lower().startswith("xl/worksheets/"):
            raise FileProblem(N_("%(file)s holds a sheet too large to import (%(size)s MB "
                                 "unpacked); save it as CSV (UTF-8) or split it."),
                              file=name, size=info.file_size // MIB)
        raise _bomb(name)
    if info.file_size >= RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise _bomb(name)


def _scan(book, info, name):
    """One streaming pass: no DTD, no tag or text longer than MAX_RUN, at most MAX_STRINGS
    shared strings, at most MAX_ROW_CELLS cells in a row of a sheet."""
    sheet = info.filename.lower().startswith("xl/worksheets/")
    strings = info.filename.lower().endswith("sharedstrings.xml")
    counts = {"strings": 0, "cells": 0}
    tail = b""  # from the last "<" seen: a tag is counted once it is whole
    with book.open(info) as member:
        while chunk := member.read(CHUNK):
            first = chunk.find(b"<")
            if len(tail) + (first if first >= 0 else len(chunk)) > MAX_RUN:
                raise FileProblem(N_("%(file)s has a cell or tag of more than %(size)s MB; it "
                                     "is not an import table."), file=name, size=MAX_RUN // MIB)
            data = tail + chunk
            cut = data.rfind(b"<")
            if cut <= 0:
                tail = data
                continue
            _count(data[:cut], sheet, strings, counts, name)
            tail = data[cut:]
    _count(tail, sheet, strings, counts, name)


def _count(piece, sheet, strings, counts, name):
    if b"<!DOCTYPE" in piece or b"<!ENTITY" in piece:
        raise FileProblem(N_("%(file)s is not a workbook that can be imported safely: it "
                             "declares XML entities."), file=name)
    if strings:
        counts["strings"] += len(_STRING.findall(piece))
        if counts["strings"] > MAX_STRINGS:
            raise FileProblem(N_("%(file)s holds more than %(limit)s different texts; save it "
                                 "as CSV (UTF-8) and import that."), file=name, limit=MAX_STRINGS)
    if sheet:
        rows = _ROW.split(piece)
        for position, part in enumerate(rows):
            if position:
                counts["cells"] = 0  # a new row starts
            counts["cells"] += len(_CELL.findall(part))
            if counts["cells"] > MAX_ROW_CELLS:
                raise FileProblem(N_("%(file)s has a row of more than %(limit)s cells; it is "
                                     "not an import table."), file=name, limit=MAX_ROW_CELLS)
