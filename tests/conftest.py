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


@pytest.fixture
def live_server(app):
    """The app served by waitress on a free local port, as `make run` serves it."""
    import threading

    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


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
    page.click("button.primary")
    page.wait_for_load_state()
