"""The data directory: the SQLite file, the per-installation secret key, logs and backups."""

import contextlib
import logging
import logging.handlers
import os
import secrets
from pathlib import Path

import platformdirs

ENV_VAR = "INSCRM_DATA_DIR"
DB_NAME = "inscrm.db"


def resolve(path=None):
    """The data directory: the argument, else $INSCRM_DATA_DIR, else the per-user data folder."""
    chosen = path or os.environ.get(ENV_VAR)
    if chosen:
        return Path(chosen).expanduser().resolve()
    return platformdirs.user_data_path("InsCRM", appauthor=False, roaming=False)


def prepare(root):
    """Create the directory tree and return the paths the program uses. On POSIX everything in
    it is the user's alone: folders 0700, files 0600, and what the program writes from now on
    (database, backups, logs, error reports, bundles) is made so."""
    root = Path(root)
    if os.name == "posix":
        os.umask(0o077)
    for sub in ("", "backups", "logs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    make_private(root)
    return {
        "root": root,
        "db": root / DB_NAME,
        "backups": root / "backups",
        "logs": root / "logs",
    }


def make_private(root):
    """Folders 0700 and files 0600 under `root` (an older installation's 0644 files too)."""
    if os.name != "posix":
        return  # Windows: the per-user folder's ACLs
    for folder, _dirs, names in os.walk(root):
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o600)


def secret_key(root):
    """This installation's session secret, generated once and kept beside the database."""
    path = Path(root) / "secret_key"
    if not path.exists():
        # Written to a temporary name first so a crash never leaves an empty key behind.
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_hex(32), encoding="ascii")
        with contextlib.suppress(OSError):  # Windows keeps its own ACLs
            os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return path.read_text(encoding="ascii").strip()


def setup_logging(logs_dir):
    """Log to a rotating file in the data directory (5 files of 2 MB)."""
    handler = logging.handlers.RotatingFileHandler(
        Path(logs_dir) / "inscrm.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == handler.baseFilename for h in root.handlers):
        root.addHandler(handler)
    else:
        handler.close()
    root.setLevel(logging.INFO)
