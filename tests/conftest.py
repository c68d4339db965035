"""Fixtures: an initialised app on a temporary data directory, its client and its CLI runner.

Every test that uses the database (through `app`, `bare_app`, `database_url`…) runs twice: on
the data directory's SQLite file and on a PostgreSQL database of its own (a copy of a template
made once a session, so a fresh one costs milliseconds). INSCRM_TEST_ENGINES=sqlite (or
postgresql) runs one engine only. On PostgreSQL, $INSCRM_DATABASE_URL points at the test's
database for the whole test, so the CLI runner and any app the test opens use it too. A test
of something only SQLite has (its file, its backups, its migrations from old files) is marked
`sqlite_only`.
"""

import contextlib
import os
import threading

import pytest
from click.testing import CliRunner

from inscrm import create_app, users
from inscrm.cli import cli
from inscrm.db import engines
from inscrm.desktop.server import Server
from inscrm.sites import initialise
from tests.pg_fixtures import pg_database, pg_template, pg_url  # noqa: F401
from tests.pg_server import fresh_database

ADMIN_PASSWORD = "admin-pass-1"
ENGINES = tuple(e.strip() for e in os.environ.get(
    "INSCRM_TEST_ENGINES", "sqlite,postgresql").split(",") if e.strip())


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: a test of what only the SQLite file has")
    # Thousands of users are made and signed in here: hash their passwords quickly (a stored
    # hash names its method, so checks read either; tests/test_auth.py checks the real one).
    users.PASSWORD_HASH = "pbkdf2:sha256:1000"


def pytest_collection_modifyitems(config, items):
    """Leave out the PostgreSQL runs of tests marked sqlite_only (not skipped: not made)."""
    kept, dropped = [], []
    for item in items:
        engine = getattr(item, "callspec", None) and item.callspec.params.get("engine")
        if engine == "postgresql" and item.get_closest_marker("sqlite_only"):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=ENGINES)
def engine(request):
    """The engine a database test runs on: "sqlite" or "postgresql"."""
    return request.param


@pytest.fixture
def database_url(engine, request, monkeypatch):
    """None on SQLite; on PostgreSQL the URL of a fresh database of this test, with the schema
    and no site yet ($INSCRM_DATABASE_URL names it during the test)."""
    if engine == "sqlite":
        monkeypatch.delenv("INSCRM_DATABASE_URL", raising=False)
        yield None
        return
    server_url, template = request.getfixturevalue("pg_template")
    with fresh_database(server_url, template=template) as url:
        monkeypatch.setenv("INSCRM_DATABASE_URL", url)
        yield url
        engines.close_all()


@pytest.fixture(scope="module", params=ENGINES)
def module_database_url(request):
    """`database_url` for a module's shared fixtures (HQ's database in a sync network): None
    on SQLite, a fresh PostgreSQL database for the module otherwise."""
    if request.param == "sqlite":
        yield None
        return
    server_url, template = request.getfixturevalue("pg_template")
    with fresh_database(server_url, template=template) as url:
        yield url
        engines.close_all()


@pytest.fixture
def app(tmp_path, database_url):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "STARTUP_TASKS": False})
    with app.app_context():
        initialise("JX01", "嘉兴南湖支公司", "admin", ADMIN_PASSWORD)
    return app


@pytest.fixture
def bare_app(tmp_path, database_url):
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

    def __init__(self, data_dir, database_url=None):
        """`database_url`: "" for the data directory's SQLite file whatever the test's engine
        (another installation beside the test's own)."""
        self.data_dir = str(data_dir)
        # an English terminal whatever the machine's locale (the CLI speaks its locale's language)
        self.env = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}
        if database_url is not None:
            self.env["INSCRM_DATABASE_URL"] = database_url or None

    def __call__(self, *args, data_dir=True):
        argv = list(args)
        if data_dir:
            argv += ["--data-dir", self.data_dir]
        return CliRunner().invoke(cli, argv, env=self.env, catch_exceptions=False)


@pytest.fixture
def runner(app):
    return Runner(app.config["DATA_DIR"])


@contextlib.contextmanager
def serving(app):
    """The app served by waitress on a free local port, as `make run` serves it, stopped by its
    own loop when done (closing its sockets from here would race the loop's select)."""
    server = Server(app, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.url.rstrip("/")
    finally:
        server.stop(delay=0)
        thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    with serving(app) as url:
        yield url


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page on a 1366×768 screen that records every request it makes."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=live_server)
    page = context.new_page()
    page.requested_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    yield page
    context.close()


def browser_login(page, username="admin", password=ADMIN_PASSWORD):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():  # the page the login leads to, not the login page still shown
        page.click("button.primary")
