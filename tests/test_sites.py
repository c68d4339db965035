"""Initialising a site while another connection writes (the start-up backup records its date)."""

import sqlite3
import threading
import time

import pytest

from inscrm.models import Site
from inscrm.sites import initialise


@pytest.mark.sqlite_only  # SQLite's one writer; PostgreSQL locks rows
def test_setup_waits_for_a_writer_that_commits_meanwhile(bare_app):
    """A deferred transaction that reads first and writes later fails with "database is locked"
    when another writer commits in between; setup must take the write lock up front and wait."""
    with bare_app.app_context():
        Site.select().count()  # the schema exists
    other = sqlite3.connect(bare_app.config["DATABASE"], isolation_level=None,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO meta (key, value) VALUES ('last_daily_backup', '2026-12-03')")

    def commit_soon():
        time.sleep(0.3)
        other.execute("COMMIT")

    committer = threading.Thread(target=commit_soon)
    committer.start()
    try:
        with bare_app.app_context():
            initialise("JX02", "嘉兴秀洲支公司", "admin", "admin-pass-1")
            assert Site.current().code == "JX02"
    finally:
        committer.join()
        other.close()
