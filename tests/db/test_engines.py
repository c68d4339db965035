"""Choosing the engine: URLs, the database PostgreSQL must be, the commands only SQLite has."""

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from inscrm.cli import cli
from inscrm.db import engines
from tests.pg_server import drop_database


def invoke(*args, url=""):
    return CliRunner().invoke(cli, [*map(str, args)], env={"INSCRM_DATABASE_URL": url or None},
                              catch_exceptions=False)


def test_the_url_is_checked_and_its_password_never_shown(monkeypatch, tmp_path):
    monkeypatch.delenv(engines.ENV_VAR, raising=False)
    assert engines.chosen_url() is None
    monkeypatch.setenv(engines.ENV_VAR, "postgresql://hq@db/inscrm")
    assert engines.chosen_url() == "postgresql://hq@db/inscrm"
    assert engines.chosen_url("") is None  # the data directory's file, whatever the environment
    assert engines.redacted("postgresql://hq:s3cret@db:5432/inscrm") == \
        "postgresql://hq:***@db:5432/inscrm"
    result = invoke("classify", "--data-dir", tmp_path,
                    "--database-url", "mysql://hq:s3cret@db/inscrm")
    assert result.exit_code == 1
    assert "not a postgresql:// URL" in result.output and "s3cret" not in result.output


@pytest.mark.parametrize("options", [
    "ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'",
    "ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'zh' LOCALE 'C.UTF-8'",  # pinyin order
])
def test_a_database_that_is_not_utf8_in_code_point_order_is_refused(pg_url, tmp_path, options):
    name = "inscrm_wrong_kind"
    url = pg_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 " + options)
                     .format(sql.Identifier(name)))
    try:
        result = invoke("db", "migrate", "--data-dir", tmp_path, url=url)
        assert result.exit_code == 1
        assert "CREATE DATABASE … ENCODING 'UTF8' LC_COLLATE 'C'" in result.output
    finally:
        drop_database(pg_url, url)


def test_backup_and_restore_point_postgresql_to_pg_dump(tmp_path, pg_url):
    from tests.pg_server import fresh_database

    with fresh_database(pg_url) as url:
        assert invoke("init", "--site", "HQ", "--site-name", "总公司", "--admin-password",
                      "admin-pass-1", "--data-dir", tmp_path, url=url).exit_code == 0
        backup = invoke("backup", "--data-dir", tmp_path, url=url)
        assert backup.exit_code == 1 and "pg_dump" in backup.output
        restore = invoke("restore", tmp_path / "x.db", "--data-dir", tmp_path, url=url)
        assert restore.exit_code == 1 and "pg_restore" in restore.output


def test_many_bulk_chunks_in_one_transaction_keep_few_locks(ctx, engine):
    """A bundle applies its rows in chunks inside one transaction; on PostgreSQL each chunk's
    staging table made and dropped held a lock to the end, and 100,000 customers ran out of the
    server's lock table. (SQLite has no staging tables: the same writes, checked too.)"""
    from inscrm.db import bulk
    from inscrm.models import Meta, db

    fields = [Meta.key, Meta.value]
    with db.atomic():
        for n in range(200):
            bulk.upsert_rows(Meta, fields, [(f"bulk-{n}", str(n))],
                             lambda insert: insert.on_conflict_ignore())
            bulk.update_rows(Meta, ["value"], ["key"], [(f"{n}!", f"bulk-{n}")])
        if engine == "postgresql":
            locks = db.execute_sql("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()"
                                   ).fetchone()[0]
            assert locks < 50
    assert Meta.get_value("bulk-199") == "199!"
