"""A busy database: while another writer holds the write lock (an import, say), a login still
succeeds, a web write answers "busy, try again" (503, never a 500), and a long job waits its turn
instead of failing; the segments an import changed are redone even if its process dies first."""

import contextlib
import datetime as dt
import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from peewee import OperationalError

from inscrm.imports import load
from inscrm.models import (
    Activity,
    AuditLog,
    Customer,
    LoginSession,
    LoginThrottle,
    Meta,
    Policy,
    User,
    now,
)
from inscrm.views import errors
from tests.conftest import Runner, browser_login
from tests.helpers import csrf_token, import_dies, login, make_customer, make_user, post
from tests.importfiles import CUSTOMER_HEADER, customer_rows, write_csv


@contextlib.contextmanager
def lock_held(app):
    """A second connection to the database holds the write lock until the block ends (SQLite:
    BEGIN IMMEDIATE on the file; PostgreSQL: the row every writer locks first)."""
    url = app.config["DATABASE_URL"]
    if url:
        import psycopg

        holder = psycopg.connect(url)
        holder.execute("SELECT seq FROM sync_clock FOR UPDATE")
    else:
        holder = sqlite3.connect(app.config["DATABASE"], isolation_level=None,
                                 check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        holder.rollback()
        holder.close()


def until_waiting(board, alive, count=1, within=30):
    """Return once `count` writes wait for the lock (their files on the waiting board); fail if
    `alive()` says the writer ended first, or after `within` seconds."""
    deadline = time.monotonic() + within
    while not (board.exists() and len(list(board.iterdir())) >= count):
        assert alive() and time.monotonic() < deadline, "not on the board"
        time.sleep(0.01)


def test_a_login_while_another_writer_holds_the_lock_succeeds_and_is_recorded_after(
        app, client):
    """A login needs no write lock of the main database: its session row is in the session
    store, its throttle counts too; its time stamp and audit entry (and a logout's) are written
    by a background thread when the lock comes. So while an import holds the lock, a login, a
    page (its last-seen touch), a failed login's count and a logout all go through at once, and
    their entries follow, whole, once the lock is free."""
    from inscrm.db import transactions

    token = csrf_token(client)
    with lock_held(app):
        response = client.post("/login", data={"username": "admin", "password": "admin-pass-1",
                                               "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        with app.app_context():  # a page a minute later touches its session's last seen
            LoginSession.update(seen_at=now() - dt.timedelta(minutes=2)).execute()
        assert client.get("/").status_code == 200  # signed in
        with app.app_context():
            assert LoginSession.get().seen_at >= now() - dt.timedelta(minutes=1)
        stranger = app.test_client()
        failed = stranger.post("/login", data={"username": "admin", "password": "wrong-pass",
                                               "csrf_token": csrf_token(stranger)})
        assert failed.status_code == 401
        assert post(client, "/logout").status_code == 302
        time.sleep(0.3)
        with app.app_context():  # nothing written yet, nothing half-written
            assert User.get(User.username == "admin").last_login_at is None
            assert not AuditLog.select().where(AuditLog.action == "login").exists()
            assert LoginThrottle.get(LoginThrottle.key == "user:admin").failures == 1
            assert LoginSession.select().count() == 0  # logged out
    assert transactions.settle(timeout=20)
    with app.app_context():  # the lock came: every entry, in the order of the requests
        assert User.get(User.username == "admin").last_login_at is not None
        actions = [a.action for a in AuditLog.select().where(
            AuditLog.action.in_(["login", "login_failed", "logout"])).order_by(AuditLog.id)]
        assert actions == ["login", "login_failed", "logout"]
    login(client)  # with the lock free the entry is written at once
    with app.app_context():
        assert AuditLog.select().where(AuditLog.action == "login").count() == 2
        assert not LoginThrottle.select().where(LoginThrottle.key == "user:admin").exists()


def test_a_contact_saved_while_the_lock_is_held_answers_busy_not_500(app, client):
    with app.app_context():
        customer_id = make_customer(name="王小明").id
    login(client)
    data = {"kind": "call", "outcome": "interested", "notes": "回访"}
    with lock_held(app):
        fragment = post(client, f"/customers/{customer_id}/activities", data, htmx=True)
        page = post(client, f"/customers/{customer_id}/activities", data)
    for response in (fragment, page):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "系统正忙（正在导入数据），尚未保存。您填写的内容已保留，5 秒后自动重新提交" in \
            response.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)  # htmx gets the fragment only
    body = page.get_data(as_text=True)
    assert "<html" in body  # the page gets the form back, filled in, to send again
    form = re.search(r'<form method="post" action="([^"]+)" data-send-after="5">(.*?)</form>',
                     body, re.S)
    assert form.group(1) == f"/customers/{customer_id}/activities"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                             form.group(2)))
    assert {k: v for k, v in fields.items() if k != "csrf_token"} == data
    assert fields["csrf_token"]
    with app.app_context():
        assert Activity.select().count() == 0
    saved = post(client, f"/customers/{customer_id}/activities", data, htmx=True)
    assert saved.status_code == 200, saved.get_data(as_text=True)


def test_the_cli_import_waits_for_the_lock_then_imports(app, runner, tmp_path):
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(20))
    released = threading.Event()
    with lock_held(app) as holder:
        def release():  # longer than a web write waits, so the job had to keep waiting
            time.sleep(7)
            holder.rollback()
            released.set()

        threading.Thread(target=release, daemon=True).start()
        result = runner("import", str(path))
        assert released.is_set()
    assert result.exit_code == 0, result.output
    assert "20 inserted" in result.output
    with app.app_context():
        assert Customer.select().count() == 20
        assert Customer.select().where(Customer.segment_date.is_null()).count() == 0


def test_an_import_parses_every_row_before_it_takes_the_write_lock(app, tmp_path, monkeypatch):
    """Under the lock only the look-ups and the writes remain: no row is parsed there."""
    from inscrm.models import db

    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(4500))
    parsed_in_transaction = []
    parse = load._parse

    def watched(*args):
        parsed_in_transaction.append(db.transaction_depth() > 0)
        return parse(*args)

    monkeypatch.setattr(load, "_parse", watched)
    with app.app_context():
        summary = load.import_file(path, app.config["BACKUPS"])
        assert summary.imported and summary.rows == 4500
    assert len(parsed_in_transaction) == 4500 and not any(parsed_in_transaction)


CRASH_AFTER_COMMIT = """
import os, sys
from inscrm.cli import cli
from inscrm.imports import load

calls = []
redo = load.reevaluate_pending


def dies_before_the_segments():
    if calls:  # the second call comes after the import committed
        os._exit(9)
    calls.append(1)
    return redo()


load.reevaluate_pending = dies_before_the_segments
cli(sys.argv[1:])
"""


def test_segments_an_import_committed_are_redone_after_its_process_died(app, tmp_path):
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(12))
    import_dies(CRASH_AFTER_COMMIT, path, app.config["DATA_DIR"])
    with app.app_context():
        assert Customer.select().count() == 12  # committed
        assert Customer.select().where(Customer.segment_date.is_null()).count() == 12
        assert Meta.get_value(load.PENDING) is not None

    # the next import, of anything, first finishes the work the dead one left
    other = write_csv(tmp_path / "more.csv", CUSTOMER_HEADER, customer_rows(1, prefix="D",
                                                                            serial=50))
    assert Runner(app.config["DATA_DIR"])("import", str(other)).exit_code == 0
    with app.app_context():
        assert Customer.select().where(Customer.segment_date.is_null()).count() == 0
        assert Meta.get_value(load.PENDING) is None


def test_the_next_start_redoes_segments_an_import_left_pending(app):
    from inscrm.desktop import daily

    with app.app_context():
        ids = [make_customer(name=f"客户{i}").id for i in range(3)]
        Customer.update(segment_date=None).execute()
        load.mark_pending(ids)
        daily.run(app)
        assert Customer.select().where(Customer.segment_date.is_null()).count() == 0
        assert Meta.get_value(load.PENDING) is None


def test_in_the_browser_a_busy_save_keeps_what_was_typed_and_goes_through_after(
        app, page, monkeypatch):
    """Both kinds of form: the 360 page's contact form (htmx) stays filled in under the busy
    notice and is sent again; the policy form (a page) comes back filled in and sends itself."""
    monkeypatch.setattr(errors, "RETRY_AFTER", 1)
    with app.app_context():
        customer_id = make_customer(name="王忙碌").id
    browser_login(page)
    page.goto(f"/customers/{customer_id}")
    page.wait_for_selector("#section-activities form")
    with lock_held(app) as holder:
        page.select_option("#section-activities select[name=kind]", "call")
        page.fill("#section-activities textarea[name=notes]", "导入时记的电话")
        page.click("#section-activities button.primary")
        page.wait_for_selector("#section-activities .busy-notice:has-text('自动重新提交')")
        assert page.input_value("#section-activities textarea[name=notes]") == "导入时记的电话"
        holder.rollback()  # the import is done
    page.wait_for_selector("#section-activities .timeline li:has-text('导入时记的电话')")
    assert page.locator(".busy-notice").count() == 0

    page.goto(f"/customers/{customer_id}/policy/new")
    with lock_held(app) as holder:
        page.fill("input[name=policy_no]", "PBUSY0001")
        page.fill("input[name=premium]", "1,234.00")
        page.fill("input[name=start_date]", dt.date.today().isoformat())
        page.click("#policy-form button.primary")
        page.wait_for_selector("#busy >> text=立即重新提交")
        holder.rollback()
    page.wait_for_selector("#section-policies tr:has-text('PBUSY0001')")
    with app.app_context():
        assert Activity.select().where(Activity.notes == "导入时记的电话").count() == 1
        assert Policy.select().where(Policy.policy_no == "PBUSY0001").count() == 1


@pytest.mark.sqlite_only
def test_a_jobs_pause_lasts_until_the_writes_of_its_process_waiting_for_the_lock_are_done(app):
    """SQLite's lock has no queue: a job that asked again right after its pause could take it
    before a person's write waiting since its last piece, again and again, until that write
    gave up (503). So a pause lasts until this process's waiting writes have had their turn."""
    from inscrm.db import transactions
    from inscrm.models import Township, db

    saved = threading.Event()

    def a_persons_write():
        with app.app_context():
            db.connect(reuse_if_open=True)
            with transactions.writing():
                Township.create(name="新丰镇")
            saved.set()
            db.close()

    board = Path(app.config["DATA_DIR"]) / transactions.WAITING_DIR
    with lock_held(app) as holder:  # the job's last piece, still committing
        person = threading.Thread(target=a_persons_write)
        person.start()
        until_waiting(board, person.is_alive)  # the write waits for the lock
        threading.Timer(0.3, holder.rollback).start()  # the piece ends
        with app.app_context():
            transactions.pause()
            assert saved.is_set()  # the pause outlasted the job's own 0.15 s: the write went first
        person.join(5)


@pytest.mark.sqlite_only
def test_writes_waiting_for_the_lock_get_it_in_the_order_they_came(app):
    """SQLite's lock has no queue: when it came free, the write that asked last (its busy
    handler sleeping least) usually took it, and the one waiting since the start of an
    import's piece could lose again and again until it answered 503. A process's writes now
    wait their turn among themselves, oldest first, and only the first asks SQLite."""
    from inscrm.db import transactions
    from inscrm.models import Township, db

    order = []

    def a_persons_write(n):
        with app.app_context():
            db.connect(reuse_if_open=True)
            with transactions.writing():
                order.append(n)
                Township.create(name=f"第{n}镇")
            db.close()

    board = Path(app.config["DATA_DIR"]) / transactions.WAITING_DIR
    people = [threading.Thread(target=a_persons_write, args=(n,)) for n in range(6)]
    with lock_held(app):  # an import's piece
        for n, person in enumerate(people):
            person.start()
            until_waiting(board, person.is_alive, count=n + 1)  # it waits
    for person in people:
        person.join(10)
    assert order == list(range(6))


@pytest.mark.sqlite_only
@pytest.mark.parametrize("change", ["reschedule", "complete"])
def test_a_task_moved_or_done_waits_its_turn_like_every_write(app, change):
    """Moving a task or marking it done was a bare save: it asked SQLite at any moment, outside
    the queue and unseen by a job's pause, and lost to the others until it answered 503. It
    waits its turn now, its file on the waiting board, and is saved once the lock is free."""
    from inscrm.db import transactions
    from inscrm.models import Task, db
    from inscrm.work import worklist

    with app.app_context():
        agent = make_user("wang", password="password-1")
        task = Task.create(assignee=agent, customer=make_customer(manager=agent), kind="other",
                           title="回访", due_date=dt.date.today())
    later = dt.date.today() + dt.timedelta(days=3)

    def a_persons_write():
        with app.app_context():
            db.connect(reuse_if_open=True)
            mine = Task.get_by_id(task.id)
            if change == "reschedule":
                worklist.reschedule(mine, later, agent)
            else:
                worklist.complete(mine, agent)
            db.close()

    board = Path(app.config["DATA_DIR"]) / transactions.WAITING_DIR
    person = threading.Thread(target=a_persons_write)
    with lock_held(app):  # an import's piece
        person.start()
        until_waiting(board, person.is_alive, within=4)  # less than the 5 s of its wait
    person.join(10)
    with app.app_context():
        saved = Task.get_by_id(task.id)
        assert (saved.due_date, saved.status) == (
            (later, "open") if change == "reschedule" else (dt.date.today(), "done"))


@pytest.mark.sqlite_only
def test_a_write_that_gives_up_its_turn_answers_busy_and_leaves_the_queue(app):
    """A write still waiting for its turn after its wait is "busy" like one SQLite kept
    waiting; it leaves the queue, so the writes after it are not stuck behind it."""
    from inscrm.db import transactions
    from inscrm.models import Township, db

    holding, done = threading.Event(), threading.Event()

    def a_long_write():
        with app.app_context():
            db.connect(reuse_if_open=True)
            with transactions.writing():
                holding.set()
                done.wait(10)
            db.close()

    first = threading.Thread(target=a_long_write)
    first.start()
    assert holding.wait(10)
    with app.app_context():
        started = time.monotonic()
        with pytest.raises(OperationalError) as waited, transactions.writing(wait_ms=200):
            Township.create(name="等不到镇")
        assert transactions.is_busy(waited.value) and time.monotonic() - started < 2
        done.set()
        first.join(10)
        with transactions.writing(wait_ms=200):  # the queue is empty again: at once
            Township.create(name="新丰镇")
        assert [t.name for t in Township.select()] == ["新丰镇"]
        assert not any((Path(app.config["DATA_DIR"]) / transactions.WAITING_DIR).iterdir())


@pytest.mark.sqlite_only
def test_a_jobs_pause_waits_for_the_writes_waiting_when_it_began_not_for_later_ones(
        app, monkeypatch):
    """With people saving without pause some write always waits: a pause that lasted until
    none did lasted its 5 s every time, and a small import crawled (10,000 customers in 59 s,
    6 s of it under the lock). It lasts until the writes waiting when it began have had their
    turn; later ones wait for the job's next piece."""
    from inscrm.db import transactions
    from inscrm.models import Township, db

    monkeypatch.setattr(transactions, "YIELD_AT_MOST", 60)  # no way out but the writes' turn
    stop, first_saved, ran_out = threading.Event(), threading.Event(), threading.Event()

    def first_write():
        with app.app_context():
            db.connect(reuse_if_open=True)
            with transactions.writing():
                Township.create(name="第一镇")
            first_saved.set()
            db.close()

    def saving_without_pause(n):  # three of them: while one writes, two wait
        with app.app_context():
            db.connect(reuse_if_open=True)
            deadline = time.monotonic() + 20
            while not stop.is_set() and time.monotonic() < deadline:
                with transactions.writing():
                    Township.create(name=f"镇{n}-{time.monotonic_ns()}")
                    time.sleep(0.2)
            if not stop.is_set():
                ran_out.set()  # saved for 20 s and nobody said stop
            db.close()

    board = Path(app.config["DATA_DIR"]) / transactions.WAITING_DIR
    first = threading.Thread(target=first_write)
    people = [threading.Thread(target=saving_without_pause, args=(n,)) for n in range(3)]
    with lock_held(app) as holder:  # the job's last piece, still committing
        first.start()
        until_waiting(board, first.is_alive)
        for person in people:
            person.start()
        threading.Timer(0.3, holder.rollback).start()  # the piece ends
        with app.app_context():
            transactions.pause()
            assert first_saved.is_set()  # those waiting when it began went first
            assert not ran_out.is_set()  # it ended while they kept saving
    stop.set()
    for person in people:
        person.join(10)
    first.join(5)


@pytest.mark.sqlite_only
def test_a_jobs_pause_lasts_until_another_processs_write_waiting_for_the_lock_is_done(app):
    """`inscrm import` beside the server: the server's writes wait in another process, which
    the job cannot count; each leaves a file in the waiting folder while it waits, and the
    job's pause lasts until none is left (before, they got the lock only if they asked in the
    0.15 s pause, and some gave up with 503)."""
    import subprocess
    import sys

    from inscrm.db import transactions
    from inscrm.models import Township, db

    child = (
        "from inscrm import create_app\n"
        "from inscrm.db import transactions\n"
        "from inscrm.models import Township, db\n"
        f"app = create_app({{'TESTING': True, 'DATA_DIR': {app.config['DATA_DIR']!r}, "
        "'STARTUP_TASKS': False})\n"
        "with app.app_context():\n"
        "    db.connect(reuse_if_open=True)\n"
        "    print('ready', flush=True)\n"
        "    input()\n"
        "    with transactions.writing():\n"
        "        Township.create(name='新丰镇')\n"
    )
    board = Path(app.config["DATA_DIR"]) / transactions.WAITING_DIR
    with subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as person:
        assert person.stdout.readline() == "ready\n"  # started (its start-up writes done)
        with lock_held(app) as holder:  # the job's last piece, still committing
            person.stdin.write("\n")
            person.stdin.flush()
            until_waiting(board, lambda: person.poll() is None)  # its write waits
            threading.Timer(0.3, holder.rollback).start()  # the piece ends
            with app.app_context():
                transactions.pause()
                with transactions.writing():  # the job's next piece
                    assert Township.select().where(Township.name == "新丰镇").count() == 1
                db.close()
        assert person.wait(10) == 0
    assert not any(board.iterdir())
