"""`inscrm db copy`: SQLite to PostgreSQL and back, verified; `inscrm db migrate`."""

from click.testing import CliRunner

from inscrm import create_app
from inscrm.cli import cli
from inscrm.db import engines
from inscrm.db.copy import checksum
from inscrm.models import SYNCED_MODELS, Customer, Meta, NameGram, db
from tests.pg_server import fresh_database


def invoke(*args, url=""):
    return CliRunner().invoke(cli, [*map(str, args)], env={"INSCRM_DATABASE_URL": url or None},
                              catch_exceptions=False)


def sums(data_dir, url=""):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "DATABASE_URL": url})
    with app.app_context():
        found = {m._meta.table_name: checksum(db.obj, m) for m in SYNCED_MODELS}
        found["name_gram"] = NameGram.select().count()
        found["seq"] = Meta.get_value("schema_version")
        engines.close_all()
    return found


def test_a_branch_moves_to_postgresql_and_back_with_every_row_verified(tmp_path, pg_url):
    branch = tmp_path / "branch"
    assert invoke("init", "--site", "JX01", "--site-name", "嘉兴南湖支公司",
                  "--admin-password", "admin-pass-1", "--data-dir", branch).exit_code == 0
    assert invoke("demo", "--customers", 300, "--data-dir", branch).exit_code == 0
    assert invoke("classify", "--data-dir", branch).exit_code == 0
    with fresh_database(pg_url) as url:
        copied = invoke("db", "copy", "--to", url, "--data-dir", branch)
        assert copied.exit_code == 0, copied.output
        assert "verified" in copied.output and "customer\t300\t" in copied.output
        assert sums(branch) == sums(tmp_path / "hq", url)
        # the copy is a working installation: writes are stamped by its own triggers
        app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "hq"), "DATABASE_URL": url})
        with app.app_context():
            top = Customer.select(Customer.seq).order_by(Customer.seq.desc()).scalar()
            customer = Customer.get()
            customer.name = "王小明"
            customer.save()
            assert Customer.get_by_id(customer.id).seq == top + 1
            engines.close_all()

        again = invoke("db", "copy", "--to", url, "--data-dir", branch)
        assert again.exit_code == 1 and "not empty" in again.output

        back = tmp_path / "back"
        returned = invoke("db", "copy", "--from", url, "--data-dir", back)
        assert returned.exit_code == 0, returned.output
        assert sums(back) == sums(tmp_path / "hq", url)


def test_a_postgresql_worker_waits_for_db_migrate(tmp_path, pg_url):
    with fresh_database(pg_url) as url:
        refused = invoke("classify", "--data-dir", tmp_path, url=url)
        assert refused.exit_code == 1 and "db migrate" in refused.output
        migrated = invoke("db", "migrate", "--data-dir", tmp_path, url=url)
        assert migrated.exit_code == 0 and "schema version" in migrated.output
        app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": url})
        with app.app_context():
            Meta.set_value("schema_version", 1)
            engines.close_all()
        old = invoke("classify", "--data-dir", tmp_path, url=url)
        assert old.exit_code == 1 and "version 1; run `inscrm db migrate`" in old.output
