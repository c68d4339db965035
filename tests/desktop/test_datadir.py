import datetime as dt
import logging
import os
import stat
from pathlib import Path

from inscrm import create_app
from inscrm.db.backup import backup, prune
from inscrm.desktop import daily, datadir


def test_explicit_then_environment_then_per_user_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("INSCRM_DATA_DIR", str(tmp_path / "env"))
    assert datadir.resolve(str(tmp_path / "arg")) == tmp_path / "arg"
    assert datadir.resolve() == tmp_path / "env"
    monkeypatch.delenv("INSCRM_DATA_DIR")
    default = datadir.resolve()
    assert "InsCRM" in default.parts
    assert Path.home() in default.parents or default.is_absolute()


def test_data_dir_holds_database_secret_logs_and_backups(tmp_path):
    root = tmp_path / "d"
    app = create_app({"DATA_DIR": str(root), "STARTUP_TASKS": True})
    assert (root / "inscrm.db").exists()
    assert (root / "logs").is_dir() and (root / "backups").is_dir()
    secret = (root / "secret_key").read_text()
    assert len(secret) == 64 and app.config["SECRET_KEY"] == secret
    assert list((root / "backups").glob("*-daily.db"))  # the start-up backup
    # the same installation keeps its key; another gets its own
    assert create_app({"DATA_DIR": str(root)}).config["SECRET_KEY"] == secret
    assert create_app({"DATA_DIR": str(tmp_path / "e")}).config["SECRET_KEY"] != secret


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_data_files_are_the_users_alone(tmp_path):
    root = tmp_path / "d"
    (root / "backups").mkdir(parents=True)
    old = root / "backups" / "inscrm-20250101-000000-000000-import.db"
    old.write_bytes(b"")
    old.chmod(0o644)  # what an older version left behind
    (root / "backups").chmod(0o755)
    app = create_app({"DATA_DIR": str(root), "STARTUP_TASKS": True})
    datadir.setup_logging(root / "logs")
    logging.getLogger("inscrm").info("a line")
    made = backup(app.config["DATABASE"], app.config["BACKUPS"], "import")
    report = root / "imports" / "x.csv.errors.csv"
    report.parent.mkdir()
    report.write_text("row,reason\n")
    for folder in (root, root / "backups", root / "logs", root / "imports"):
        assert mode(folder) == 0o700, folder
    for path in (root / "inscrm.db", root / "secret_key", old, made,
                 root / "logs" / "inscrm.log", report):
        assert mode(path) == 0o600, path
    root_logger = logging.getLogger()
    for handler in [h for h in root_logger.handlers if str(root) in str(
            getattr(h, "baseFilename", ""))]:
        root_logger.removeHandler(handler)
        handler.close()


def touch(folder, *names):
    for name in names:
        (folder / name).write_bytes(b"")


def test_backups_are_pruned_by_the_documented_policy(tmp_path):
    today = dt.date(2026, 12, 3)
    imports = [f"inscrm-2026{m:02d}{d:02d}-120000-000000-import.db"
               for m in range(1, 13) for d in (5, 20)]  # two a month this year
    touch(tmp_path, *imports,
          "inscrm-20241115-120000-000000-sync-import.db",  # older than a year
          "inscrm-20240101-120000-000000-manual.db",  # asked for by hand: kept for good
          "inscrm-20240101-120000-000000-migration.db",
          *(f"inscrm-202612{d:02d}-080000-000000-daily.db" for d in range(1, 11)))
    removed = {p.name for p in prune(tmp_path, today)}
    kept = {p.name for p in tmp_path.iterdir()}
    assert not removed & kept
    newest_ten = set(sorted(imports)[-10:])
    monthly = {f"inscrm-2026{m:02d}20-120000-000000-import.db" for m in range(1, 13)}
    assert {n for n in kept if n.endswith("-import.db")} == newest_ten | monthly
    assert "inscrm-20241115-120000-000000-sync-import.db" in removed
    assert {"inscrm-20240101-120000-000000-manual.db",
            "inscrm-20240101-120000-000000-migration.db"} <= kept
    assert len([n for n in kept if n.endswith("-daily.db")]) == 7
    assert len(prune(tmp_path, today)) == 0  # a second pass keeps what the first kept


def test_import_error_reports_are_pruned_like_backups(tmp_path):
    names = [f"file{i:02d}.csv.errors.csv" for i in range(30)]
    touch(tmp_path, *names, "upload.csv")
    for i, name in enumerate(names):  # one a day, a long time ago
        stamp = dt.datetime(2024, 1, 1).timestamp() + i * 86400
        os.utime(tmp_path / name, (stamp, stamp))
    daily.prune_reports(tmp_path, dt.date(2024, 6, 1))
    left = sorted(p.name for p in tmp_path.iterdir())
    # the newest ten (January's newest among them); the upload itself is no report
    assert left == sorted(names[-10:] + ["upload.csv"])
