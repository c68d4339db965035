"""`inscrm serve` and the executable's launcher, run as real processes on temporary data
directories; Quit and its permissions; the version in the footer."""

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from inscrm.desktop.server import SERVER_EXTENSION, SWITCH_INTERVAL
from tests.conftest import serving
from tests.helpers import csrf_token, login, make_user, post

PASSWORD = "admin-pass-1"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


class Launch:
    """`python -m inscrm ARGS` as the executable runs it, output collected in a file."""

    def __init__(self, tmp_path, *args, env=None):
        self.log = tmp_path / f"launch-{time.monotonic_ns()}.out"
        self.out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "inscrm", *args], stdin=subprocess.DEVNULL,
            stdout=self.out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        )

    @property
    def output(self):
        return self.log.read_text(encoding="utf-8")

    def url(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"is running at (http://\S+/)", self.output)
            if found and port_answers(int(found.group(1).rsplit(":", 1)[1].strip("/"))):
                return found.group(1)
            assert self.proc.poll() is None, self.output
            time.sleep(0.05)
        raise AssertionError(f"not serving after {timeout} s: {self.output}")

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.out.close()


@pytest.fixture
def launches():
    started = []
    yield started
    for launch in started:
        if launch.proc.poll() is None:
            launch.proc.kill()
        launch.wait()


@pytest.fixture
def recorder(tmp_path):
    """A stand-in browser (via $BROWSER) that writes down the URLs it was asked to open."""
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.py"
    script.write_text(f"import sys\nopen({str(opened)!r}, 'a').write(sys.argv[1] + '\\n')\n")
    return {"BROWSER": f"{sys.executable} {script} %s"}, opened


def signed_in(url, username="admin", password=PASSWORD):
    """A urllib opener with a signed-in session, and a function giving its CSRF token."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def token(path):
        page = opener.open(url + path.lstrip("/"), timeout=10).read().decode()
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    form = {"username": username, "password": password, "csrf_token": token("/login")}
    opener.open(url + "login", data=urllib.parse.urlencode(form).encode(), timeout=10).close()
    return opener, token


def wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def init_data_dir(path):
    from tests.conftest import Runner

    result = Runner(path)("init", "--site", "JX09", "--site-name", "测试支公司",
                          "--admin-password", PASSWORD)
    assert result.exit_code == 0, result.output


def start_backups(data):
    """The backups written at start-up: the day's first start writes the daily one."""
    backups = data / "backups"
    return [*backups.glob("*-startup.db"), *backups.glob("*-daily.db")]


def test_a_second_launch_opens_the_browser_at_the_first_and_quit_stops_it(
        tmp_path, launches, recorder):
    data = tmp_path / "data"
    init_data_dir(data)
    taken = socket.socket()  # another program already on the port asked for
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    first = Launch(tmp_path, "serve", "--no-browser", "--data-dir", str(data), "--port", str(port))
    launches.append(first)
    url = first.url()
    assert url != f"http://127.0.0.1:{port}/"  # the next free port instead
    lock = json.loads((data / "inscrm.lock").read_text())
    assert lock["pid"] == first.proc.pid and url.endswith(f":{lock['port']}/")

    env, opened = recorder
    second_port = free_port()
    second = Launch(tmp_path, "serve", "--data-dir", str(data), "--port", str(second_port),
                    env=env)
    launches.append(second)
    assert second.wait() == 0, second.output
    assert f"already running at {url}" in second.output
    assert opened.read_text().split() == [url]
    assert not port_answers(second_port)  # no second server
    taken.close()

    opener, token = signed_in(url)
    form = urllib.parse.urlencode({"csrf_token": token("/")}).encode()
    page = opener.open(url + "system/quit", data=form, timeout=10).read().decode()
    assert "已停止运行" in page
    assert first.wait(timeout=30) == 0, first.output
    assert "InsCRM has stopped" in first.output
    assert not (data / "inscrm.lock").exists()
    db = sqlite3.connect(data / "inscrm.db")
    assert db.execute("SELECT username FROM audit_log WHERE action = 'app_quit'").fetchall() == [
        ("admin",)]
    db.close()
    assert len(start_backups(data)) == 1


def test_a_crash_leaves_no_lock_that_blocks_the_next_start(tmp_path, launches):
    data = tmp_path / "data"
    init_data_dir(data)
    port = free_port()
    first = Launch(tmp_path, "serve", "--no-browser", "--data-dir", str(data), "--port", str(port))
    launches.append(first)
    first.url()
    wait_for(lambda: start_backups(data))  # written in the background
    first.proc.kill()
    first.wait()
    assert (data / "inscrm.lock").exists()  # the crash left it behind

    again = Launch(tmp_path, "serve", "--no-browser", "--data-dir", str(data), "--port", str(port))
    launches.append(again)
    url = again.url()
    assert url == f"http://127.0.0.1:{port}/"
    assert json.loads((data / "inscrm.lock").read_text())["pid"] == again.proc.pid
    opener, _token = signed_in(url)  # the data survived: the same site and administrator
    assert "测试支公司" in opener.open(url, timeout=10).read().decode()
    again.proc.send_signal(signal.SIGTERM)  # a clean stop, as Ctrl+C is
    assert again.wait(timeout=30) == 0, again.output
    assert not (data / "inscrm.lock").exists()
    assert len(start_backups(data)) == 2


def test_a_double_click_serves_the_setup_page_and_opens_the_browser(
        tmp_path, launches, recorder):
    env, opened = recorder
    data = tmp_path / "new"
    launch = Launch(tmp_path, env={**env, "INSCRM_DATA_DIR": str(data)})  # no arguments
    launches.append(launch)
    url = launch.url()
    wait_for(lambda: opened.exists() and opened.read_text())
    assert opened.read_text().split() == [url]
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.geturl().endswith("/setup")
        assert "首次设置" in response.read().decode()
    assert f"{data}" in launch.output and "Ctrl+C" in launch.output
    launch.proc.send_signal(signal.SIGTERM)
    assert launch.wait(timeout=30) == 0
    assert (data / "inscrm.db").exists() and (data / "logs" / "inscrm.log").exists()
    # The day's first backup was written by this start, so no second copy right after it.
    backups = sorted(p.name.rsplit("-", 1)[1] for p in (data / "backups").glob("*.db"))
    assert backups == ["daily.db"]


class FakeServer:
    def __init__(self):
        self.stopped = 0

    def stop(self, delay=0.5):
        self.stopped += 1


@pytest.fixture
def served(app):
    server = FakeServer()
    app.extensions[SERVER_EXTENSION] = server
    return server


def test_quit_is_for_administrators_with_a_csrf_token(app, client, served):
    anonymous = {"X-CSRFToken": csrf_token(client, "/login")}
    assert client.post("/system/quit", headers=anonymous).headers["Location"].startswith(
        "/login")
    with app.app_context():
        make_user("agent7", role="agent", password="agent-pass-7")
    agent = app.test_client()
    login(agent, "agent7", "agent-pass-7")
    assert "/system/quit" not in agent.get("/").get_data(as_text=True)
    assert post(agent, "/system/quit").status_code == 403
    login(client)
    assert client.post("/system/quit").status_code == 400  # no CSRF token
    assert client.get("/system/quit").status_code == 405
    assert served.stopped == 0
    assert "/system/quit" in client.get("/").get_data(as_text=True)


def test_quit_stops_the_server_and_is_audited(app, client, served):
    from inscrm.models import AuditLog

    login(client)
    page = post(client, "/system/quit").get_data(as_text=True)
    assert "<html" in page and "已停止运行" in page
    fragment = post(client, "/system/quit", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and 'id="stopped"' in fragment
    assert served.stopped == 2
    with app.app_context():
        assert [e.username for e in AuditLog.select().where(AuditLog.action == "app_quit")] == [
            "admin", "admin"]


def test_without_inscrm_server_there_is_no_quit(client):
    login(client)
    assert "/system/quit" not in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/system/quit", headers={"X-CSRFToken": token}).status_code == 404


def test_version_and_build_date_in_the_footer_and_the_cli(client, monkeypatch, capsys):
    import types

    from inscrm.cli import main
    from inscrm.version import __version__, version_string

    page = client.get("/login").get_data(as_text=True)
    assert __version__ in page and "构建于" not in page
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == f"InsCRM {__version__}\n"

    monkeypatch.setitem(sys.modules, "inscrm._build_info",
                        types.SimpleNamespace(BUILD_DATE="2026-11-20"))
    assert version_string() == f"InsCRM {__version__} (built 2026-11-20)"
    page = client.get("/login").get_data(as_text=True)
    assert "构建于 2026-11-20" in page


def test_a_windowed_build_writes_its_output_to_the_log(tmp_path, monkeypatch):
    from inscrm.cli import launcher

    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    stream = launcher.redirect_missing_streams(tmp_path / "logs")
    try:
        print("保险 console line")
        print("an error line", file=sys.stderr)
    finally:
        stream.close()
    text = Path(tmp_path / "logs" / "console.log").read_text(encoding="utf-8")
    assert text == "保险 console line\nan error line\n"


def test_output_in_a_legacy_code_page_never_fails(tmp_path):
    from inscrm.cli import launcher

    with open(tmp_path / "out.txt", "w", encoding="cp1252") as stream:
        launcher.tolerate_any_text([stream])
        stream.write("InsCRM 正在运行\n")
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "InsCRM 正在运行\n"


def test_an_unexpected_error_is_one_line_not_a_traceback(monkeypatch, capsys):
    from inscrm import cli
    from inscrm.cli import launcher

    def broken(argv):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "main", broken)
    with pytest.raises(SystemExit) as done:
        launcher.main(["backup"])
    err = capsys.readouterr().err
    assert done.value.code == 1
    assert "disk on fire" in err and "Traceback" not in err and err.count("\n") == 1


def test_two_launches_at_once_make_one_server(tmp_path, launches):
    data = tmp_path / "data"
    init_data_dir(data)
    pair = [Launch(tmp_path, "serve", "--no-browser", "--data-dir", str(data), "--port",
                   str(free_port())) for _ in range(2)]
    launches.extend(pair)
    deadline = time.monotonic() + 60
    while all(launch.proc.poll() is None for launch in pair) and time.monotonic() < deadline:
        time.sleep(0.05)
    finished = [launch for launch in pair if launch.proc.poll() is not None]
    serving = [launch for launch in pair if launch.proc.poll() is None]
    assert len(finished) == 1 and len(serving) == 1, [launch.output for launch in pair]
    url = serving[0].url()
    assert finished[0].wait() == 0
    assert f"already running at {url}" in finished[0].output
    serving[0].proc.send_signal(signal.SIGTERM)
    assert serving[0].wait(timeout=30) == 0


def test_while_it_serves_the_interpreter_goes_round_its_threads_every_millisecond(app):
    """An import checking its rows in the server's process computes without pause; at
    Python's 5 ms interval each return of a request's thread from the database or the network
    waited for it, and a login during the check took 0.9 s instead of 0.3 s
    (benchmarks/bench_load.py)."""
    before = sys.getswitchinterval()
    with serving(app) as url:
        assert urllib.request.urlopen(url + "/login").status == 200  # it runs
        assert sys.getswitchinterval() == SWITCH_INTERVAL < before
    assert sys.getswitchinterval() == before  # as it was once the server stopped
