"""Importing one file of the standard template: read, check, then write — all or nothing.

Every row is read, parsed and checked (its cells, and its references looked up) before anything
is written: a file with any invalid row imports nothing (unless `skip_invalid`) and never takes
the write lock, and every bad row is written to a report file beside the input. The checked rows
go, a chunk at a time, into a file of the data directory; after a backup they are written in
pieces of a fraction of a second, one transaction each, so people keep working meanwhile (see
`_write`). Each piece looks up its references again under the lock and writes its rows in bulk,
records how far the import got (its journal) and marks the customers it changed, whose segments
are evaluated again after the last piece. An import whose process ends midway is finished at
the next start or import (`finish_interrupted`), from its journal and its checked rows.
"""

import csv
import datetime as dt
import itertools
import json
import logging
import os
import pickle
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from inscrm.cells import csv_row
from inscrm.db import filelock, transactions
from inscrm.db.backup import backup
from inscrm.i18n import N_, translator
from inscrm.imports import upsert
from inscrm.imports.problems import ERROR_HEADER, REJECTED_FIRST, REJECTED_LAST, Problem
from inscrm.imports.readers import FileProblem, open_table
from inscrm.imports.template import KINDS, column_names, detect_kind, map_headers
from inscrm.models import AuditLog, Meta, db
from inscrm.validators import Invalid, parse_date

log = logging.getLogger(__name__)

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
    finish_interrupted()  # left by an import whose process ended before its end
    reevaluate_pending()
    table = open_table(path)
    try:
        kind = _kind(table, kind, name)
        summary = Summary(file=name, kind=kind, source=source, skip_invalid=skip_invalid,
                          allow_blacklisted=allow_blacklisted)
        summary.backup = str(backup(db.database, backups_dir, "import"))
        with Report(path, table.headers, skip_invalid, translator(language),
                    column_names(kind, language)) as report:
            _load(table, kind, source, summary, report, user, progress, backups_dir)
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


CHECKED = 0.5  # of the progress bar: reading and checking every row, before the writes


def _loader(kind, source, user, allow_blacklisted, file_keys):
    loader = upsert.LOADERS[kind](source, user)
    loader.allow_blacklisted = allow_blacklisted
    loader.file_keys = file_keys
    return loader


def _load(table, kind, source, summary, report, user, progress, backups_dir):
    """Check every row, then (when the file is accepted) write the rows that passed."""
    spec = KINDS[kind]
    mapping = map_headers(table.headers, spec)
    columns = [(position, name, spec.column(name)) for position, name in mapping.items()]
    file_keys = (_policy_numbers(table.path, mapping)
                 if kind == "policies" and "renewal_of" in mapping.values() else frozenset())
    checker = _loader(kind, source, user, summary.allow_blacklisted, file_keys)
    summary.blocked = checker.blocked
    with Prepared.create(_journal_dir(backups_dir)) as prepared:
        for records, problems, done in _parsed(table, columns, spec, len(table.headers)):
            summary.rows += len(records) + len(problems)
            records, lookup_problems = checker.resolve(records)
            problems += [(r.number, r.cells, p) for r, p in lookup_problems]
            for number, cells, row_problems in sorted(problems, key=lambda p: p[0]):
                report.add(summary, number, cells, row_problems)
            if not summary.rejected or summary.skip_invalid:
                prepared.add(records)
            if progress is not None:
                progress(CHECKED * done, summary)
        if not summary.rows:
            raise FileProblem(N_("%(file)s has a header row but no rows: there is nothing "
                                 "to import."), file=summary.file)
        if summary.rejected and not summary.skip_invalid:
            return  # refused: nothing was written, the report says why
        journal = {"key": JOURNAL + prepared.path.name, "file": summary.file, "kind": kind,
                   "source": source,
                   "user": getattr(user, "id", None), "skip_invalid": summary.skip_invalid,
                   "allow_blacklisted": summary.allow_blacklisted, **prepared.state(),
                   "counts": {}, "pending": []}
        loader = _loader(kind, source, user, summary.allow_blacklisted, file_keys)
        _write(prepared, loader, journal, summary, report, progress)


# --- writing in pieces, and finishing an interrupted import ----------------------------------

JOURNAL = "import_journal/"  # Meta, + the prepared file's name: an import being written
PIECE_SECONDS = 0.4  # an import's writes hold the lock about this long at a time
COUNTED = ("inserted", "updated", "unchanged", "matched", "existing", "rejected")


def _write(prepared, loader, journal, summary, report, progress):
    """Write the checked rows in pieces of about PIECE_SECONDS, one transaction apiece, with a
    pause between them so that people's writes waiting for the lock get it. The journal (what
    is imported, the chunk reached, the counts) is written in the same transaction as each
    piece, and the prepared rows stay on disk until the last piece: an import whose process
    ends in between is finished by `finish_interrupted`. A row that someone's change made
    invalid since it was checked (its customer merged away, say) is reported and left out."""
    loader.blocked = []  # the check's list is the file's; writing finds the same rows again
    chunks = prepared.chunks(journal["next"])
    first, finished = journal["next"] == 0, False
    while not finished:
        started = time.monotonic()
        with transactions.job_writing():
            if first:
                loader.started(summary)
                first = False
            touched = set()
            while True:  # a chunk at least, then more while the piece is short
                item = next(chunks, None)
                if item is None:
                    finished = True
                    break
                records, done = item
                records, late = loader.resolve(records)
                for record, problems in late:
                    report.add(summary, record.number, record.cells, problems)
                touched |= loader.write(records, summary)
                journal["next"] += 1
                if progress is not None:
                    progress(CHECKED + (1 - CHECKED) * done, summary)
                finished = journal["next"] == len(prepared.offsets)
                if finished or time.monotonic() - started >= PIECE_SECONDS:
                    break
            if finished:
                touched |= loader.finish(summary)
                AuditLog.record("import", loader.user, target=f"file:{summary.file}",
                                kind=journal["kind"], source=journal["source"],
                                inserted=summary.inserted, updated=summary.updated,
                                matched=summary.matched, existing=summary.existing,
                                rejected=summary.rejected)
                Meta.delete().where(Meta.key == journal["key"]).execute()
                summary.imported = True
            else:
                journal["counts"] = {key: getattr(summary, key) for key in COUNTED}
                journal["pending"] = list(getattr(loader, "pending", []))
                Meta.set_value(journal["key"], json.dumps(journal))
            mark_pending(touched)
        if not finished:
            transactions.pause()


def finish_interrupted():
    """Finish writing the imports whose process ended after their first piece (at the next
    start or import); returns their Summaries (not those whose process still runs). Their rows
    were checked and are kept in the data directory; their reports go to the log."""
    journals = Meta.select(Meta.value).where(Meta.key.startswith(JOURNAL)).tuples()
    return [summary for (raw,) in list(journals)
            if (summary := _finish(json.loads(raw))) is not None]


def remove_orphans(folder):
    """Remove the checked rows that no import needs any more: those of an import whose process
    ended before its first piece was written (no journal names them, no process holds them)."""
    named = {Path(json.loads(raw)["prepared"]).name for (raw,) in
             Meta.select(Meta.value).where(Meta.key.startswith(JOURNAL)).tuples()}
    for path in Path(folder).glob("import-*.prepared"):
        if path.name in named:
            continue
        with path.open("rb") as file:
            try:
                filelock.lock(file)
            except OSError:
                continue  # an import still checking its file
            filelock.unlock(file)
        path.unlink(missing_ok=True)


def _finish(journal):
    from inscrm.models import User

    if not Path(journal["prepared"]).exists():
        log.error("the import of %s stopped after %s of %s chunks, and its checked rows are "
                  "gone: import the file again (the rows imported already stay as they are)",
                  journal["file"], journal["next"], len(journal["offsets"]))
        Meta.delete().where(Meta.key == journal["key"]).execute()
        return None
    prepared = Prepared.reopen(journal)
    if prepared is None:  # still being written by a live process
        return None
    with prepared:
        summary = Summary(file=journal["file"], kind=journal["kind"], source=journal["source"],
                          skip_invalid=journal["skip_invalid"],
                          allow_blacklisted=journal["allow_blacklisted"])
        for key, value in journal["counts"].items():
            setattr(summary, key, value)
        user = User.get_or_none(User.id == journal["user"]) if journal["user"] else None
        file_keys = prepared.keys("policy_no") if journal["kind"] == "policies" else ()
        loader = _loader(journal["kind"], journal["source"], user,
                         journal["allow_blacklisted"], frozenset(file_keys))
        if journal["pending"]:
            loader.pending = [tuple(pair) for pair in journal["pending"]]
        log.warning("finishing the import of %s, interrupted after %s of %s chunks",
                    summary.file, journal["next"], len(journal["offsets"]))
        _write(prepared, loader, journal, summary, _LoggedReport(summary.file), None)
    log.info("%s", summary.counts_line())
    reevaluate_pending()
    return summary


class _LoggedReport:
    """The report of an import finished after its process ended: problems go to the log."""

    def __init__(self, file):
        self.file = file

    def add(self, summary, number, cells, problems):
        summary.rejected += 1
        for problem in problems:
            log.warning("%s row %s: %s", self.file, number, problem.text(lambda m: m))


def _journal_dir(backups_dir):
    """Where an import keeps its checked rows: `imports` in the data directory."""
    folder = Path(backups_dir).parent / "imports"
    folder.mkdir(exist_ok=True)
    return folder


class Prepared:
    """The checked rows of one import, a chunk at a time, in a file of the data directory (the
    user's alone) that exists until the import is written; locked by the operating system for
    as long as the importing process lives, so an interrupted import is told from a running one.
    """

    def __init__(self, path, offsets, file):
        # pickle: the process's own rows, in the user's own folder, read back by its program
        self.path, self.offsets, self.file = path, offsets, file

    @classmethod
    def create(cls, folder):
        path = folder / f"import-{secrets.token_hex(8)}.prepared"
        file = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _BINARY, 0o600),
                         "w+b")
        filelock.lock(file)
        return cls(path, [], file)

    @classmethod
    def reopen(cls, journal):
        """The journal's rows, locked for this process; None when another process holds them."""
        path = Path(journal["prepared"])
        file = path.open("r+b")
        try:
            filelock.lock(file)
        except OSError:
            file.close()
            return None
        return cls(path, journal["offsets"], file)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        """Closed, and removed unless an interrupted import still needs it."""
        filelock.unlock(self.file)
        self.file.close()
        if Meta.get_value(JOURNAL + self.path.name) is None:
            self.path.unlink(missing_ok=True)

    def add(self, records):
        self.file.seek(0, os.SEEK_END)
        self.offsets.append(self.file.tell())
        pickle.dump(records, self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def state(self):
        self.file.flush()
        os.fsync(self.file.fileno())
        return {"prepared": str(self.path), "offsets": self.offsets, "next": 0}

    def chunks(self, start=0):
        """(records, share of the rows) of each chunk from the chunk numbered `start`."""
        for index in range(start, len(self.offsets)):
            self.file.seek(self.offsets[index])
            yield pickle.load(self.file), (index + 1) / len(self.offsets)

    def keys(self, column):
        return {r.values[column] for records, _ in self.chunks() for r in records}


_BINARY = getattr(os, "O_BINARY", 0)


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
