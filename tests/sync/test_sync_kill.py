"""An importer killed (SIGKILL) at several moments leaves HQ's database whole and either without
the bundle or with all of it; importing the bundle again then succeeds. One kill lands while it
holds the write lock, inside the transaction. (HQ on SQLite: its file is what a kill can
damage; PostgreSQL keeps its own transactions whole.)"""

import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from network import Network

from inscrm.desktop.datadir import DB_NAME

MOMENTS = (None, 0.0, 0.25, 0.5, 0.75, 1.5)  # None: while it decrypts; else after the backup


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    net = Network(tmp_path_factory.mktemp("kill"), branches=1)
    net.run("B1", "demo", "--history-months", 0, "--customers", 400, "--seed", 5)
    net.bundle = net.export("B1", "HQ", name="B1-full.bundle")
    return net


def _start(net, site, path):
    return subprocess.Popen(
        [sys.executable, "-m", "inscrm", "sync", "import", str(path), "--data-dir",
         str(net.dirs[site])], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _backup_started(net, site):
    return any((net.dirs[site] / "backups").glob("inscrm-*-sync-import.db"))


def _wait_for_backup(net, site, process):
    while not _backup_started(net, site):
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.002)
    return time.monotonic()


@pytest.fixture(scope="module")
def apply_seconds(template, tmp_path_factory):
    """How long a whole apply takes here, from the backup to the end (measured once)."""
    net = template.clone(tmp_path_factory.mktemp("measure"))
    process = _start(net, "HQ", net.bundle)
    started = _wait_for_backup(net, "HQ", process)
    assert process.wait(timeout=300) == 0, process.stdout.read()
    process.stdout.close()
    return time.monotonic() - started


def _integrity(net, site):
    with sqlite3.connect(net.dirs[site] / DB_NAME) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _ledger(net, site):
    with sqlite3.connect(net.dirs[site] / DB_NAME) as conn:
        return conn.execute("SELECT count(*) FROM sync_ledger").fetchone()[0]


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_killed_import_is_all_or_nothing_and_can_be_run_again(template, apply_seconds,
                                                                 tmp_path, moment):
    net = template.clone(tmp_path / "net")
    before = net.counts("HQ")
    process = _start(net, "HQ", net.bundle)
    if moment is None:
        time.sleep(0.05)  # reading, checking and decrypting the bundle
    else:
        started = _wait_for_backup(net, "HQ", process)
        time.sleep(max(0.0, started + moment * apply_seconds - time.monotonic()))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stdout.close()

    assert _integrity(net, "HQ") == "ok"
    if _ledger(net, "HQ"):  # all of it
        assert net.owned("HQ", "B1") == net.owned("B1", "B1")
    else:  # nothing
        assert net.counts("HQ") == before
    again = net.import_("HQ", net.bundle)
    assert "applied" in again.output
    assert net.owned("HQ", "B1") == net.owned("B1", "B1")
    assert _integrity(net, "HQ") == "ok"


def _wait_for_write_lock(net, site, process):
    """Until the importer holds the write lock: its transaction has begun."""
    conn = sqlite3.connect(net.dirs[site] / DB_NAME, timeout=0, isolation_level=None)
    try:
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            except sqlite3.OperationalError:  # database is locked: by the importer
                return
            time.sleep(0.001)
    finally:
        conn.close()


def test_a_kill_inside_the_transaction_leaves_nothing(template, tmp_path):
    """Killed while it holds the write lock (after the backup), it leaves no trace."""
    net = template.clone(tmp_path / "net")
    before = net.counts("HQ")
    process = _start(net, "HQ", net.bundle)
    _wait_for_backup(net, "HQ", process)
    _wait_for_write_lock(net, "HQ", process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stdout.close()
    assert _integrity(net, "HQ") == "ok" and _ledger(net, "HQ") == 0
    assert net.counts("HQ") == before
    net.import_("HQ", net.bundle)
    assert net.owned("HQ", "B1") == net.owned("B1", "B1")
