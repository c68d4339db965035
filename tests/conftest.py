"""Fixtures: an initialised app on a temporary data directory, its client and its CLI runner."""

import pytest
from click.testing import CliRunner

from inscrm import create_app
from inscrm.cli import cli
from inscrm.site import initialise

ADMIN_PASSWORD = "admin-pass-1"


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "STARTUP_TASKS": False})
    with app.app_context():
        initialise("JX01", "嘉兴南湖支公司", "admin", ADMIN_PASSWORD)
    return app


@pytest.fixture
def bare_app(tmp_path):
    """An app on a new, empty data directory (first run)."""
    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "new"), "STARTUP_TASKS": False})


@pytest.fixture
def ctx(app):
    """An application context for calling domain functions directly."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


class Runner:
    """Runs `inscrm …` against a data directory, as a user at the command line would."""

    def __init__(self, data_dir):
        self.data_dir = str(data_dir)

    def __call__(self, *args, data_dir=True):
        argv = list(args)
        if data_dir:
            argv += ["--data-dir", self.data_dir]
        return CliRunner().invoke(cli, argv, catch_exceptions=False)


@pytest.fixture
def runner(app):
    return Runner(app.config["DATA_DIR"])
