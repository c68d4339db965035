from pathlib import Path

from inscrm import create_app
from inscrm.desktop import datadir


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
