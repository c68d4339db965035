"""Write transactions that take the lock up front, and telling a busy database from a fault.

SQLite has one writer. A transaction that starts deferred and upgrades to a write later can fail
with "database is locked" after it has done its work; one that starts with `BEGIN IMMEDIATE`
waits its turn (the busy timeout) before doing anything. PostgreSQL locks rows, not the file:
there the transaction locks the site's clock row first, which every write of a synced row takes
for its change sequence anyway (`inscrm.db.stamps`), so writers queue in one order instead of
deadlocking on each other's rows, and sequence numbers commit in the order they were taken.

Long jobs (an import, a full classification, a sync bundle) take the lock with `job_writing`,
which keeps waiting while people's short writes come and go instead of failing after the busy
timeout; they prepare their work before and hold the lock only for the writes. A write that
a request must not wait for (a login's time stamp and audit entry) goes through `soon`: done at
once when the lock is free, else by a background thread as soon as the lock comes.

SQLite's lock has no queue of its own: the writes of one process wait for their turn among
themselves, oldest first, and only one at a time asks SQLite for the lock.
"""

import collections
import contextlib
import itertools
import logging
import os
import queue
import threading
import time
from pathlib import Path

from peewee import OperationalError

from inscrm.db import engines
from inscrm.models import db

log = logging.getLogger(__name__)
JOB_WAIT = 30 * 60  # seconds a job waits for the write lock before it gives up
CLOCK_LOCK = "SELECT seq FROM sync_clock FOR UPDATE"  # PostgreSQL: writers queue on this row
BRIEF_WAIT = 20  # milliseconds a write handed over otherwise waits in the request (`soon`)
_holders = set()  # threads of this process whose job holds the write lock now


@contextlib.contextmanager
def _atomic_from(*statements):
    """A transaction whose first statements are `statements`."""
    with db.atomic() as transaction:
        for statement in statements:
            db.execute_sql(statement)
        yield transaction


def writing(wait_ms=engines.LOCK_WAIT_MS):
    """A transaction (or a savepoint inside one) that holds the write lock from its start; on
    SQLite it waits up to `wait_ms` for its turn among this process's writes (the connection's
    busy timeout is the wait for another process's)."""
    if db.transaction_depth() > 0:
        return db.atomic()
    if engines.is_postgres():  # waiters for a row lock are served in turn
        return _atomic_from(CLOCK_LOCK)
    return _Queued(db.atomic("IMMEDIATE"), wait_ms)


WAITING_DIR = "waiting"  # beside the SQLite file: one empty file per write waiting for the lock
STALE = 15  # seconds after which a waiting file is a crashed process's (a write waits 5 + 5)


class _Turns:
    """A lock that threads get in the order they asked for it, or not at all after their
    wait. SQLite's own lock has no queue: whoever asks when it comes free gets it, and a save
    waiting since the last piece of an import could lose to newer ones until it gave up."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._queue = collections.deque()  # one locked lock per waiting thread, oldest first
        self._taken = False

    def acquire(self, timeout):
        with self._mutex:
            if not self._taken:
                self._taken = True
                return True
            mine = threading.Lock()
            mine.acquire()
            self._queue.append(mine)
        if mine.acquire(timeout=timeout):  # handed over by release
            return True
        with self._mutex:
            if mine in self._queue:
                self._queue.remove(mine)
                return False
        return True  # handed over while giving up

    def release(self):
        with self._mutex:
            if self._queue:
                self._queue.popleft().release()  # the oldest waiter's turn: still taken
            else:
                self._taken = False


_turns = {}  # by SQLite file: this process's writes to it, one after another
_waits = itertools.count()  # each wait's file has a name of its own


class _Queued:
    """A SQLite write transaction that first waits its turn among this process's writes, so
    only one of them at a time asks SQLite for the lock. While it waits, a file of its own lies
    in the waiting folder, and a long job's `pause`, in this process or another (`inscrm
    import` beside the server), lasts until it has had its turn."""

    def __init__(self, transaction, wait_ms):
        self.transaction = transaction
        self.wait_ms = wait_ms
        self.turns = _turns.setdefault(db.database, _Turns())  # atomic, unlike a check first

    def __enter__(self):
        board = _waiting_board()
        marker = None
        if board is not None:
            board.mkdir(mode=0o700, exist_ok=True)
            marker = board / f"{os.getpid()}-{threading.get_ident()}-{next(_waits)}"
            os.close(os.open(marker, os.O_CREAT | os.O_WRONLY, 0o600))
        try:
            if not self.turns.acquire(self.wait_ms / 1000):
                raise OperationalError("database is locked (busy with this process's writes)")
            try:
                return self.transaction.__enter__()
            except BaseException:
                self.turns.release()
                raise
        finally:
            if marker is not None:
                marker.unlink(missing_ok=True)

    def __exit__(self, *exc):
        try:
            return self.transaction.__exit__(*exc)
        finally:
            self.turns.release()


def _waiting_board():
    """The waiting folder of the SQLite file, or None for a database in memory."""
    path = db.database
    return None if path in ("", ":memory:") else Path(path).parent / WAITING_DIR


def _waiting_now():
    """The files of the writes, of any process, that wait for the lock now."""
    board = _waiting_board()
    found = set()
    if board is None:
        return found
    oldest = time.time() - STALE
    try:
        with os.scandir(board) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):  # gone since the listing: done waiting
                    if entry.stat().st_mtime > oldest:
                        found.add(entry.name)
    except OSError:  # no folder yet
        pass
    return found


def reading():
    """A transaction that reads one snapshot of the database in all its statements (SQLite's
    read transactions are; PostgreSQL's default isolation gives each statement its own)."""
    if db.transaction_depth() > 0 or not engines.is_postgres():
        return db.atomic()
    return _atomic_from("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def is_busy(exc):
    """Whether an error means another writer held the database past the busy timeout."""
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and any(
        word in text for word in ("locked", "busy", "lock timeout"))


@contextlib.contextmanager
def job_writing(wait=JOB_WAIT):
    """`writing()` for a long job: it waits for the lock up to `wait` seconds, however busy the
    office is (each try waits the busy timeout), then holds it until the block ends."""
    outermost = db.transaction_depth() == 0
    if engines.is_postgres() and outermost:
        taken = None
        try:
            with _atomic_from(engines.lock_wait_statement(wait * 1000), CLOCK_LOCK) as entered:
                taken = time.monotonic()
                _holders.add(threading.get_ident())
                yield entered
        finally:
            _log_held(taken)
        return
    deadline = time.monotonic() + wait
    while True:
        transaction = writing()
        try:
            entered = transaction.__enter__()
            break
        except OperationalError as exc:
            if not is_busy(exc) or time.monotonic() >= deadline:
                raise
            log.info("the database is busy; waiting for the write lock")
    taken = time.monotonic() if outermost else None
    if outermost:
        _holders.add(threading.get_ident())
    try:
        yield entered
    except BaseException as exc:
        if not transaction.__exit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        transaction.__exit__(None, None, None)
    finally:
        _log_held(taken)


PAUSE = 0.15  # seconds: longer than SQLite's busy handler sleeps between two tries (100 ms)
YIELD_AT_MOST = 5  # seconds a job's pause waits for the writes waiting for the lock


def pause():
    """Between two transactions of a long job that writes in pieces: long enough for people's
    writes waiting for the lock to take it, and on SQLite until those waiting then, in any
    process, have had their turn (up to YIELD_AT_MOST). Writes that come later wait for the
    next piece: with people saving without pause some write always waits, and a pause until
    none did lasted its 5 s every time."""
    time.sleep(PAUSE)
    if engines.is_postgres():  # its waiters queue
        return
    deadline = time.monotonic() + YIELD_AT_MOST
    waiting = _waiting_now()
    while waiting and time.monotonic() < deadline:
        time.sleep(0.01)
        waiting &= _waiting_now()


def _log_held(taken):
    """Log how long a job held the write lock, its commit included (what people's writes may
    have waited for)."""
    if taken is not None:
        _holders.discard(threading.get_ident())
        held = time.monotonic() - taken
        log.info("a job held the write lock for %.1f s", held, extra={"lock_held": held})


def schema_writing():
    """The transaction that creates or upgrades the schema at start-up: it waits its turn like a
    job (SQLite); PostgreSQL's DDL takes its own table locks, and its clock row may not exist
    yet."""
    return db.atomic() if engines.is_postgres() else job_writing()


def if_free(write, wait_ms=BRIEF_WAIT):
    """Run `write()` in a write transaction if the lock comes within `wait_ms`; True when it
    ran, False when the database was busy (nothing written). While a job of this process holds
    the lock it is known to be busy: nothing waits."""
    if _holders - {threading.get_ident()}:
        return False
    try:
        if engines.is_postgres():
            with _atomic_from(engines.lock_wait_statement(wait_ms), CLOCK_LOCK):
                write()
            return True
        engines.set_lock_wait(wait_ms)
        try:
            with writing(wait_ms):
                write()
        finally:
            engines.set_lock_wait(None)
        return True
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        return False


LATER_WAIT = 10 * 60  # seconds a handed-over write waits for the lock before it is given up
_later = queue.Queue()  # (database, write, what) handed over, done in the order they came
_writer = []  # the thread that does them, once started
_writer_started = threading.Lock()


def soon(write, what):
    """Run `write()` in a write transaction now if the lock is free at once, else hand it to
    this process's background writer, which does it as soon as the lock comes (waiting like a
    job): for what a request must not wait for, a login's time stamp and audit entry, say. The
    log names `what` when the write waited, and when it was given up."""
    if not _later.unfinished_tasks and if_free(write):  # none handed over before it waits
        return
    log.info("the database is busy; %s is written when the lock comes", what)
    with _writer_started:
        if not _writer:
            _writer.append(threading.Thread(target=_write_later, name="inscrm-soon", daemon=True))
            _writer[0].start()
    _later.put((db.obj, write, what))


def _write_later():
    while True:
        database, write, what = _later.get()
        try:
            if db.obj is not database:  # the program moved to another database meanwhile
                log.warning("%s not written: the database changed", what)
                continue
            db.connect(reuse_if_open=True)
            deadline = time.monotonic() + LATER_WAIT
            while True:
                try:
                    with writing():
                        write()
                    break
                except OperationalError as exc:
                    if not is_busy(exc) or time.monotonic() >= deadline:
                        raise
        except Exception:  # one write that fails does not stop the others
            log.exception("%s not written", what)
        finally:
            if not db.is_closed():
                db.close()
            _later.task_done()


def settle(timeout=30):
    """Wait (up to `timeout` seconds) until the writes handed to the background writer are
    done; whether none is left (tests, and the server before it stops)."""
    deadline = time.monotonic() + timeout
    while _later.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.01)
    return not _later.unfinished_tasks
