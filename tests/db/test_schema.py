import sqlite3
from pathlib import Path

import pytest

from inscrm import create_app
from inscrm.db.schema import LATEST, SchemaError
from inscrm.models import Customer, Meta, Policy, Task, User, db

V1_DUMP = Path(__file__).parent.parent / "data" / "schema_v1.sql"


def make_v1_data_dir(tmp_path):
    data = tmp_path / "old"
    data.mkdir()
    conn = sqlite3.connect(data / "inscrm.db")
    conn.executescript(V1_DUMP.read_text(encoding="utf-8"))
    conn.close()
    return data


@pytest.mark.sqlite_only
def test_new_database_is_created_at_latest_version_with_wal(app):
    with app.app_context():
        assert int(Meta.get_value("schema_version")) == LATEST
        pragmas = {p: db.execute_sql(f"PRAGMA {p}").fetchone()[0]
                   for p in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1,
                       "busy_timeout": 5_000}  # a web write waits 5 s, then "busy"


def test_old_database_is_backed_up_then_upgraded_with_nothing_lost(tmp_path):
    data = make_v1_data_dir(tmp_path)
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "STARTUP_TASKS": False})
    with app.app_context():
        assert int(Meta.get_value("schema_version")) == LATEST
        customer = Customer.get(Customer.name == "张伟")
        assert customer.id_number == "330402198001011236"
        assert customer.notes == "老客户"
        assert customer.email is None and customer.wechat is None  # the version 2 columns
        indexes = {index.name for index in db.get_indexes("policy")}
        assert "policy_end_date" not in indexes  # version 10: the in-force index replaces it
        assert "policy_in_force" in indexes
        customer.wechat = "zhangwei80"
        customer.save()
        assert Policy.get().premium == 6230  # cents in the old file, yuan now
        assert User.get(User.username == "wang").name == "王芳"
        task = Task.get()  # version 3: the task's rule moved out of the sync origin column
        assert (task.rule, task.origin) == ("renewal_30", "JX01")
        assert task.title == "续保提醒 PDAA2019330400000001"
        indexes = {i.name for i in db.get_indexes("customer")}
        assert "customer_source_segment" not in indexes  # version 4
        assert "customer_live_source_key" in indexes  # version 8: by the pinyin name key
        assert customer.name_key == "zhang1张wei3伟"
        assert not db.table_exists("login_session")  # version 9: the session store has them
    backups = list((data / "backups").glob("*-migration.db"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "1"


def test_database_newer_than_the_program_is_refused(tmp_path):
    data = make_v1_data_dir(tmp_path)
    conn = sqlite3.connect(data / "inscrm.db")
    conn.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError, match="newer"):
        create_app({"TESTING": True, "DATA_DIR": str(data), "STARTUP_TASKS": False})


def test_version_9_moves_the_session_tables_to_the_session_store(app, client):
    """Version 7's tables in the main database go (their sessions end, users log in again); the
    store keeps sessions: on SQLite a 0600 file of its own beside the database, on PostgreSQL
    the main database."""
    from inscrm.db import sessionstore
    from inscrm.db.schema import ensure_schema
    from tests.helpers import login

    with app.app_context():
        db.connect(reuse_if_open=True)
        db.execute_sql("CREATE TABLE login_session (key VARCHAR(64) PRIMARY KEY, user_id INTEGER)")
        db.execute_sql("CREATE TABLE login_throttle (key VARCHAR(200) PRIMARY KEY)")
        db.execute_sql("INSERT INTO login_session VALUES ('old', 1)")
        Meta.set_value("schema_version", 7)
        assert ensure_schema() == (7, LATEST)
        assert not db.table_exists("login_session") and not db.table_exists("login_throttle")
        assert int(Meta.get_value("schema_version")) == LATEST
    login(client)
    assert client.get("/work/").status_code == 200
    with app.app_context():
        store = Path(app.config["DATA_DIR"]) / sessionstore.FILE_NAME
        if app.config["DATABASE_URL"]:
            assert db.table_exists("user_session") and not store.exists()
        else:
            assert not db.table_exists("user_session")
            assert (store.stat().st_mode & 0o777) == 0o600
            rows = sqlite3.connect(store).execute("SELECT count(*) FROM user_session")
            assert rows.fetchone()[0] == 1


def test_version_8_fills_every_customer_name_key_for_pinyin_order(app):
    from inscrm.customers import search
    from inscrm.db.schema import ensure_schema

    with app.app_context():
        db.connect(reuse_if_open=True)
        for name in ("张三", "阿明", "陈红", "白雪"):
            Customer.create(name=name, kind="individual")
        Customer.update(name_key=None).execute()  # as a version 7 database has them
        Meta.set_value("schema_version", 7)
        assert ensure_schema() == (7, LATEST)
        assert Customer.select().where(Customer.name_key.is_null()).count() == 0
        admin = User.get(User.username == "admin")
        found = search.search(admin, search.Query())
        assert [c.name for c in found.customers] == ["阿明", "白雪", "陈红", "张三"]
        found = search.search(admin, search.Query(text="明"))  # through the name index
        assert [c.name for c in found.customers] == ["阿明"]
