import sqlite3

import pytest
from click.testing import CliRunner

from inscrm.cli import cli, main
from inscrm.models import AuditLog, User
from tests.conftest import Runner


def test_init_creates_a_site_and_refuses_a_second_time(tmp_path):
    run = Runner(tmp_path / "d")
    result = run("init", "--site", "jx02", "--site-name", "海宁支公司",
                 "--admin-password", "pw-123456")
    assert result.exit_code == 0, result.output
    assert "JX02" in result.output
    assert (tmp_path / "d" / "inscrm.db").exists()
    again = run("init", "--site", "JX02", "--site-name", "x", "--admin-password", "pw-123456")
    assert again.exit_code == 1
    assert "already initialised" in again.output


def test_init_refuses_bad_arguments_with_one_line(tmp_path, capsys):
    import pytest

    for argv, status, words in [
        (["init", "--site-name", "x", "--admin-password", "pw-123456"], 2,
         "--site and --site-name are needed (or --join FILE)"),
        (["init", "--site", "J X", "--site-name", "x", "--admin-password", "pw-123456"], 1,
         "site code"),
        (["init", "--site", "JX03", "--site-name", "x", "--admin-password", "short"], 1,
         "at least 8"),
        (["serve", "--port", "70000"], 2, "70000"),
        (["frobnicate"], 2, "No such command"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--data-dir", str(tmp_path / "d")])
        err = capsys.readouterr().err
        assert exit_info.value.code == status, (argv, err)
        assert words in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("InsCRM ")


def test_user_add_and_passwd(runner, app):
    result = runner("user", "add", "li", "--role", "claims", "--name", "李理赔",
                    "--password", "claims-pw1")
    assert result.exit_code == 0, result.output
    assert runner("user", "add", "li", "--role", "agent", "--password", "x" * 9).exit_code == 1
    assert runner("user", "add", "zz", "--role", "boss", "--password", "x" * 9).exit_code == 2
    assert runner("user", "passwd", "nobody", "--password", "x" * 9).exit_code == 1
    assert runner("user", "passwd", "li", "--password", "new-pass-9").exit_code == 0
    listing = runner("user", "list").output
    assert "li\tclaims\t李理赔" in listing
    with app.app_context():
        assert User.get(User.username == "li").role == "claims"
        assert AuditLog.select().where(AuditLog.action == "password_set").count() == 1


@pytest.mark.sqlite_only
def test_backup_and_restore_round_trip(runner, app, tmp_path):
    out = tmp_path / "copy.db"
    assert runner("backup", "--out", str(out)).exit_code == 0
    runner("user", "add", "later", "--role", "agent", "--password", "later-pw-1")
    with app.app_context():
        from inscrm.models import SyncClock

        epoch = SyncClock.get().epoch
    result = runner("restore", str(out))
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.get_or_none(User.username == "later") is None  # back to the backup
        assert SyncClock.get().epoch != epoch
        assert AuditLog.select().where(AuditLog.action == "restore").count() == 1
    saved = list((tmp_path / "data" / "backups").glob("*before-restore.db"))
    assert len(saved) == 1
    names = {r[0] for r in sqlite3.connect(saved[0]).execute("SELECT username FROM user")}
    assert "later" in names  # the replaced database was kept


@pytest.mark.sqlite_only
def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    result = runner("restore", str(junk))
    assert result.exit_code == 1
    assert "not an SQLite database" in result.output
    assert runner("restore", str(tmp_path / "missing.db")).exit_code == 1


def test_commands_on_an_uninitialised_directory_say_so(tmp_path):
    run = Runner(tmp_path / "empty")
    result = run("user", "add", "x1", "--role", "agent", "--password", "x" * 9)
    assert result.exit_code == 1
    assert "inscrm init" in result.output
