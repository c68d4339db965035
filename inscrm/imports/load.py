"""Importing one file of the standard template: read, validate, upsert — all or nothing.

One transaction per file, after a backup, holding the write lock from its start (it waits its
turn while the office works). Every row is read and parsed before the lock is taken, into a
private temporary file: a file whose cells will be refused never takes the lock, and under it
only the look-ups and the bulk writes remain. The customers it changed are marked in the same
transaction and their segments evaluated again right after (or at the next start or import, if
the process ended in between). Rows are handled in chunks: each chunk's references are looked
up with one query per kind of reference, and its rows are inserted or updated in bulk. A file
with any invalid row imports nothing (unless `skip_invalid`), and every bad row is written to a
report file beside the input.
"""

import contextlib
import csv
import datetime as dt
import itertools
import json
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from inscrm.cells import csv_row
from inscrm.db import transactions
from inscrm.db.backup import backup
from inscrm.i18n import N_, translator
from inscrm.imports import upsert
from inscrm.imports.problems import ERROR_HEADER, REJECTED_FIRST, REJECTED_LAST, Problem
from inscrm.imports.readers import FileProblem, open_table
from inscrm.imports.template import KINDS, column_names, detect_kind, map_headers
from inscrm.models import AuditLog, Meta, db
from inscrm.validators import Invalid, parse_date

CHUNK = 2000
SHOWN = 50  # problems kept in memory for the screen; the report file has many more
REPORTED = 100_000  # rows written to the report file; beyond, they are counted


@dataclass
class Summary:
    file: str
    kind: str
    source: str
    skip_invalid: bool = False
    allow_blacklisted: bool = False
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: int = 0  # customers of a new source linked to an existing one by ID number
    existing: int = 0  # prospect-list rows that were already customers (flagged, not copied)
    rejected: int = 0  # rows with a problem
    problems: list = field(default_factory=list)  # the first SHOWN problems
    flagged: list = field(default_factory=list)  # (row, ref, customer id, name, matched by)
    blocked: list = field(default_factory=list)  # BlockedRow: new policies of blacklisted customers
    report: str | None = None  # the error report or rejected-rows file
    backup: str | None = None
    imported: bool = False

    problem_count: int = 0
    unlisted: int = 0  # rows with problems left out of the report (beyond REPORTED)

    def counts_line(self, translate=lambda message: message, kind_name=None):
        line = translate(N_("%(file)s: %(kind)s — %(inserted)s inserted, %(updated)s updated, "
                            "%(unchanged)s unchanged, %(matched)s matched by ID number, "
                            "%(existing)s already existing, %(rejected)s rejected")) % {
            "file": self.file, "kind": kind_name or self.kind, "inserted": self.inserted,
            "updated": self.updated, "unchanged": self.unchanged, "matched": self.matched,
            "existing": self.existing, "rejected": self.rejected}
        if self.blocked:
            line += translate(N_(", %(count)s blocked by the blacklist")) % {
                "count": len(self.blocked)}
        return line


FULL_RUN_ABOVE = 5000  # customers: beyond this one set-based run over everyone costs less
PENDING = "segments_pending"  # Meta: customers an import changed and segments not yet redone
EVERYONE = "all"


def mark_pending(customer_ids):
    """Note, inside the import's own transaction, whose segments must be evaluated again, so
    that a process that dies before doing it leaves the work for the next run."""
    ids = set(customer_ids)
    if not ids:
        return
    old = Meta.get_value(PENDING)
    if old == EVERYONE or len(ids) > FULL_RUN_ABOVE:
        value = EVERYONE
    else:
        ids |= set(json.loads(old)) if old else set()
        value = EVERYONE if len(ids) > FULL_RUN_ABOVE else json.dumps(sorted(ids))
    Meta.set_value(PENDING, value)


def reevaluate_pending():
    """Evaluate again the segments that imports left pending (after the import itself, and at
    the next start or import if the process died in between); returns how many customers were
    evaluated (None: everyone), or 0 when nothing was pending. The mark is cleared in the
    transaction that ends the evaluation, unless an import marked more meanwhile."""
    from inscrm.segments import engine

    value = Meta.get_value(PENDING)
    if value is None:
        return 0

    def clear():
        if Meta.get_value(PENDING) == value:  # as it is now that the lock is held
            Meta.delete().where(Meta.key == PENDING).execute()

    if value == EVERYONE:  # a full run, written in pieces
        engine.classify(dt.date.today(), then=clear)
        return None
    with transactions.writing():
        engine.reclassify(*json.loads(value))
        clear()
    return len(json.loads(value))


def import_file(path, backups_dir, kind=None, source="core", skip_invalid=False, user=None,
                progress=None, display_name=None, allow_blacklisted=False, language=None):
    """Import one template file and return its Summary (imported=False when it was refused).

    New policies of ours for blacklisted customers are rejected like invalid rows unless
    `allow_blacklisted` (a manager's override, audited once for the file). The report file is
    worded in `language` (the importing user's; English if None)."""
    path = Path(path)
    name = display_name or path.name
    source = (source or "core").strip()
    if not source or len(source) > 32:
        raise Invalid(N_("A source name has 1 to 32 characters."))
    reevaluate_pending()  # left by an import whose process ended before doing it
    table = open_table(path)
    try:
        kind = _kind(table, kind, name)
        summary = Summary(file=name, kind=kind, source=source, skip_invalid=skip_invalid,
                          allow_blacklisted=allow_blacklisted)
        summary.backup = str(backup(db.database, backups_dir, "import"))
        with Report(path, table.headers, skip_invalid, translator(language),
                    column_names(kind, language)) as report:
            _load(table, kind, source, summary, report, user, progress)
            summary.report = report.finish()
            summary.unlisted = report.unlisted
    finally:
        table.close()
    if summary.imported:
        reevaluate_pending()
    return summary


def _kind(table, kind, name):
    if kind is None:
        kind = detect_kind(table.headers, name)
        if kind is None:
            raise FileProblem(
                N_("%(file)s: the header row names no kind of the import template (customers, "
                   "policies, claims, activities, blacklist); is it comma-separated, with the "
                   "template's column names?"), file=name)
        return kind
    if kind not in KINDS:
        raise Invalid(N_("Unknown kind %(kind)s; expected one of %(kinds)s."),
                      kind=kind, kinds=", ".join(KINDS))
    names = set(map_headers(table.headers, KINDS[kind]).values())
    missing = [c for c in KINDS[kind].required if c not in names]
    if missing:
        raise FileProblem(N_("%(file)s lacks the required columns %(columns)s for %(kind)s."),
                          file=name, columns=", ".join(missing), kind=kind)
    return kind


def _load(table, kind, source, summary, report, user, progress):
    spec = KINDS[kind]
    mapping = map_headers(table.headers, spec)
    columns = [(position, name, spec.column(name)) for position, name in mapping.items()]
    loader = upsert.LOADERS[kind](source, user)
    loader.allow_blacklisted = summary.allow_blacklisted
    summary.blocked = loader.blocked
    if kind == "policies" and "renewal_of" in mapping.values():
        loader.file_keys = _policy_numbers(table.path, mapping)
    width = len(table.headers)
    touched = set()
    # Before the write lock: every row is read and parsed once, into a private temporary file
    # that is gone when the import ends; a file whose cells will be refused never takes the lock.
    # Under it only the look-ups and the writes remain, so nothing read before can go stale.
    # The file is beside the input (where its report goes), on disk: a temporary folder may be
    # in memory.
    with tempfile.TemporaryFile(dir=table.path.parent) as spill:
        chunks = _prepare(table, columns, spec, width, summary, spill, progress)
        writing = chunks is not None
        if not writing:  # the file will be refused: check all its rows, write nothing
            chunks = _parsed(open_table(table.path), columns, spec, width)
        writes = transactions.job_writing() if writing else db.atomic()
        with writes as transaction, contextlib.closing(chunks):
            for records, problems, done in chunks:
                summary.rows += len(records) + len(problems)
                records, lookup_problems = loader.resolve(records)
                problems += [(r.number, r.cells, p) for r, p in lookup_problems]
                for number, cells, row_problems in sorted(problems, key=lambda p: p[0]):
                    report.add(summary, number, cells, row_problems)
                if summary.rejected and not summary.skip_invalid:
                    writing = False  # the file will be refused: validate the rest, write nothing
                if writing:
                    touched |= loader.write(records, summary)
                if progress is not None:
                    progress(PREPARED + (1 - PREPARED) * done, summary)
            if not summary.rows:
                raise FileProblem(N_("%(file)s has a header row but no rows: there is nothing "
                                     "to import."), file=summary.file)
            if writing:
                touched |= loader.finish(summary)
                mark_pending(touched)
                AuditLog.record("import", user, target=f"file:{summary.file}", kind=kind,
                                source=source, inserted=summary.inserted,
                                updated=summary.updated, matched=summary.matched,
                                existing=summary.existing, rejected=summary.rejected)
                summary.imported = True
            else:
                transaction.rollback()
                _zero(summary)


PREPARED = 0.4  # of the progress bar: reading and parsing the rows, before the writes


def _parsed(table, columns, spec, width):
    """(records, problems, share of the file read) a chunk at a time; the table is closed at
    the end."""
    seen = {}
    rows = table.rows()
    try:
        while chunk := list(itertools.islice(rows, CHUNK)):
            records, problems = [], []
            for number, cells in chunk:
                record, row_problems = _parse(number, cells, columns, spec, seen, width)
                if row_problems:
                    problems.append((number, cells, row_problems))
                else:
                    records.append(record)
            yield records, problems, table.progress()
    finally:
        table.close()


def _prepare(table, columns, spec, width, summary, spill, progress):
    """Parse every row into `spill`, a chunk at a time; return the chunks as they will be read
    back, or None as soon as a row's cells are wrong (unless bad rows are skipped)."""
    count = 0
    for records, problems, done in _parsed(table, columns, spec, width):
        if problems and not summary.skip_invalid:
            return None
        pickle.dump((records, problems), spill, protocol=pickle.HIGHEST_PROTOCOL)
        count += 1
        if progress is not None:
            progress(PREPARED * done, summary)
    spill.seek(0)
    return ((*pickle.load(spill), (i + 1) / count) for i in range(count))


def _zero(summary):
    """A refused file changed nothing, whatever its valid rows would have done."""
    summary.inserted = summary.updated = summary.unchanged = 0
    summary.matched = summary.existing = 0
    summary.flagged = []


@dataclass
class Record:
    number: int
    cells: list
    values: dict


def _parse(number, cells, columns, spec, seen, width):
    """The row's values by column name, or its problems."""
    problems = []
    if len(cells) > width and any(c != "" for c in cells[width:]):
        problems.append(Problem(number, "", "", N_("This row has %(count)s cells, more than the "
                                                   "%(width)s columns of the header."),
                                {"count": len(cells), "width": width}))
    values = {}
    for position, name, column in columns:
        raw = cells[position] if position < len(cells) else ""
        if raw == "":
            if column.required:
                problems.append(Problem(number, name, "", N_("This column is required.")))
            continue
        try:
            # an XLSX date cell arrives as a date: only the date parser takes it as it is
            values[name] = column.parse(raw if column.parse is parse_date else str(raw))
        except Invalid as exc:
            problems.append(Problem(number, name, str(raw), exc.message, exc.params,
                                    exc.words))
    for check in upsert.ROW_CHECKS.get(spec.name, ()):
        problem = check(values)
        if problem is not None:
            column, message = problem  # a msgid, or an Invalid with its figures
            params = message.params if isinstance(message, Invalid) else {}
            message = message.message if isinstance(message, Invalid) else message
            problems.append(Problem(number, column, str(values.get(column, "")), message,
                                    params))
    for key in spec.keys:
        if key in values:
            first = seen.setdefault(values[key], number)
            if first != number:
                problems.append(Problem(number, key, values[key],
                                        N_("The same %(column)s is on row %(row)s of this file."),
                                        {"column": key, "row": first}))
    return Record(number, cells, values), problems


def _policy_numbers(path, mapping):
    """Every policy_no in the file, so renewal_of may name a policy further down."""
    table = open_table(path)
    position = next(p for p, name in mapping.items() if name == "policy_no")
    try:
        return {cells[position] for _, cells in table.rows() if position < len(cells)}
    finally:
        table.close()


class Report:
    """The error report (all-or-nothing) or rejected rows (skip-invalid), beside the input."""

    def __init__(self, path, headers, skip_invalid, translate=None, columns=None):
        self.path = path
        self.translate = translate or (lambda message: message)
        self.columns = columns or {}  # the columns' names in the report's language
        self.headers = headers
        self.skip_invalid = skip_invalid
        suffix = ".rejected.csv" if skip_invalid else ".errors.csv"
        self.target = path.with_name(path.name + suffix)
        self._file = None
        self.unlisted = 0  # rows with problems beyond REPORTED

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._file is not None:
            self._file.close()

    def add(self, summary, number, cells, problems):
        summary.rejected += 1
        for problem in problems:
            summary.problem_count += 1
            if len(summary.problems) < SHOWN:
                summary.problems.append(problem)
        if summary.rejected > REPORTED:
            self.unlisted += 1
            return
        writer = self._writer()
        if self.skip_invalid:
            cells = [str(c) for c in cells] + [""] * (len(self.headers) - len(cells))
            reason = "; ".join(p.detail(self.translate, self.columns) for p in problems)
            writer.writerow(csv_row([number, *cells[:len(self.headers)], reason]))
        else:
            for p in problems:
                writer.writerow(csv_row([self.path.name, number,
                                         self.columns.get(p.column, p.column), p.value,
                                         p.text(self.translate)]))

    def _writer(self):
        if self._file is None:
            self._file = self.target.open("w", encoding="utf-8-sig", newline="")
            self._csv = csv.writer(self._file, lineterminator="\r\n")
            words = self.translate
            if self.skip_invalid:
                self._csv.writerow(csv_row([words(REJECTED_FIRST), *self.headers,
                                            words(REJECTED_LAST)]))
            else:
                self._csv.writerow([words(header) for header in ERROR_HEADER])
        return self._csv

    def finish(self):
        if self._file is None:
            if self.target.exists():
                self.target.unlink()  # an old report of a file that is now clean
            return None
        if self.unlisted:
            note = self.translate(N_("… and %(count)s more rows with problems, not listed "
                                     "here: fix the rows above and import the file again")) % {
                "count": self.unlisted}
            width = len(self.headers) + 1 if self.skip_invalid else 4
            self._csv.writerow([""] * width + [note])
        self._file.close()
        return str(self.target)
