"""Smoke test of the built executable (CI runs it after the tests, on Linux and on Windows).

    python scripts/smoke_executable.py dist/InsCRM        (dist\\InsCRM.exe on Windows)
    python scripts/smoke_executable.py dist/InsCRM.exe    (on Linux: under Wine, as CI does)

A Windows executable on Linux runs under Wine, in the prefix `make build-windows` made
(WINEPREFIX, else ~/.cache/inscrm-windows/wineprefix), and the paths it is given are Wine's.

Starts the executable on a new temporary data directory with --no-browser on a free port, from
a folder outside the source tree, and checks: the first-run setup page in Chinese, static files
identical to the source's, the identity endpoint, setup, a second launch that finds the first
instead of serving again, Quit, the database it wrote, a restart that keeps the data, and a start
after a hard kill (stale lock). Prints the size and the time from start to the first page
answered. Standard library only; exits non-zero on the first failure.
"""

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "smoke-admin-1"


RUNS = []  # every start of the executable, so a failure can show what the last one printed


def fail(message):
    print(f"SMOKE FAILED: {message}", flush=True)
    if RUNS:
        print("the executable's last output:\n" + "\n".join(RUNS[-1].lines[-80:]), flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


class Host:
    """How the executable is started and hard-killed: directly, or under Wine."""

    def __init__(self, exe):
        self.wine = None
        if exe.suffix.lower() == ".exe" and os.name != "nt":
            self.wine = (os.environ.get("WINE") or shutil.which("wine64") or shutil.which("wine")
                         or "/usr/lib/wine/wine64")
            cache = Path(os.environ.get("INSCRM_WINDOWS_CACHE") or Path(
                os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "inscrm-windows")
            os.environ.setdefault("WINEPREFIX", str(cache / "wineprefix"))
            os.environ.setdefault("WINEDEBUG", "-all")
            os.environ.setdefault("WINEDLLOVERRIDES", "mscoree,mshtml=")
        self.exe = exe

    def command(self, *args):
        return [self.wine, str(self.exe), *args] if self.wine else [str(self.exe), *args]

    def path(self, path):
        """A path as the executable sees it (Wine's Z: drive is /)."""
        return "Z:" + str(path).replace("/", "\\") if self.wine else str(path)

    def kill(self, pid):
        """A crash: the process ends at once, without cleaning up."""
        if self.wine:
            # pid is the Windows process id, which only Wine knows
            subprocess.run([self.wine, "taskkill", "/F", "/PID", str(pid)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True)
        else:
            os.kill(pid, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Running:
    """One start of the executable, its output collected in the background."""

    def __init__(self, host, data_dir, port, cwd):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            host.command("serve", "--no-browser", "--data-dir", host.path(data_dir),
                         "--port", str(port)),
            cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.lines = []
        RUNS.append(self)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.append(raw.decode("utf-8", "replace").rstrip())

    @property
    def output(self):
        return "\n".join(self.lines)

    def url(self, timeout=60):
        """The URL it announces, once its first page answers; also the seconds that took."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"is running at (http://\S+/)", self.output)
            if found:
                try:
                    urllib.request.urlopen(found.group(1), timeout=2).close()
                    return found.group(1), time.monotonic() - self.started
                except urllib.error.HTTPError:
                    return found.group(1), time.monotonic() - self.started
                except OSError:
                    pass
            if self.proc.poll() is not None:
                fail(f"the executable exited with {self.proc.returncode}:\n{self.output}")
            time.sleep(0.02)
        fail(f"no page answered within {timeout} s:\n{self.output}")

    def wait(self, timeout=30):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail(f"the executable did not stop within {timeout} s:\n{self.output}")


class Browser:
    """Cookies and CSRF tokens, as a browser session keeps them."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path.lstrip("/"), timeout=10) as response:
            return response.status, response.geturl(), response.read()

    def post(self, path, fields, token_from="/"):
        _, _, page = self.get(token_from)
        token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        data = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        with self.opener.open(self.base + path.lstrip("/"), data=data, timeout=10) as response:
            return response.status, response.geturl(), response.read()


def first_start(exe, data, port, cwd):
    run = Running(exe, data, port, cwd)
    url, seconds = run.url()
    browser = Browser(url)
    status, final, page = browser.get("/")
    text = page.decode("utf-8")
    check(status == 200 and final.endswith("/setup"), f"/ did not lead to setup: {final}")
    check("首次设置" in text, "the setup page is not in Chinese (catalog not inside?)")
    check("构建于" in text, "the footer does not show the build date")
    for name in ("app.css", "app.js", "htmx-2.0.11.min.js"):
        _, _, served = browser.get(f"/static/{name}")
        check(served == (ROOT / "inscrm" / "static" / name).read_bytes(), f"static/{name} differs")
    lock = json.loads((data / "inscrm.lock").read_text(encoding="utf-8"))
    _, _, ident = browser.get("/_instance")
    check(json.loads(ident)["token"] == lock["token"], "/_instance does not match the lock")
    status, final, _ = browser.post("/setup", {
        "site_code": "SMOKE", "site_name": "冒烟测试支公司", "username": "admin",
        "password": PASSWORD, "password2": PASSWORD}, token_from="/setup")
    check(status == 200 and not final.endswith("/setup"), "setup did not finish")
    return run, browser, url, seconds


def second_launch(exe, data, port, cwd, url):
    again = Running(exe, data, port + 1, cwd)
    code = again.wait(timeout=60)
    check(code == 0, f"the second launch exited with {code}:\n{again.output}")
    check(f"already running at {url}" in again.output,
          f"the second launch did not find the first:\n{again.output}")


def quit_app(run, browser, data):
    status, _, page = browser.post("/system/quit", {})
    check(status == 200 and "已停止运行".encode() in page, "Quit did not answer")
    check(run.wait() == 0, f"Quit: exit status {run.proc.returncode}:\n{run.output}")
    check(not (data / "inscrm.lock").exists(), "the lock file is left after Quit")


def check_database(data):
    db = sqlite3.connect(data / "inscrm.db")
    try:
        check(db.execute("SELECT code FROM site").fetchall() == [("SMOKE",)], "no site written")
        actions = {row[0] for row in db.execute("SELECT action FROM audit_log")}
        check({"site_initialised", "app_quit"} <= actions, f"audit log: {actions}")
        check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "damaged database")
    finally:
        db.close()
    check(list((data / "backups").glob("*-daily.db")), "no backup on the first start")
    check((data / "logs" / "inscrm.log").stat().st_size > 0, "no log written")


def restart_keeps_data(exe, data, port, cwd):
    run = Running(exe, data, port, cwd)
    url, seconds = run.url()
    _, final, _ = Browser(url).get("/")
    check("/login" in final, f"after a restart / leads to {final}, not the login")
    # A crash: kill the serving process itself (a one-file build's bootloader is its parent,
    # and exits with it); the lock file stays behind.
    pid = json.loads((data / "inscrm.lock").read_text(encoding="utf-8"))["pid"]
    exe.kill(pid)
    run.wait()
    check((data / "inscrm.lock").exists(), "expected a stale lock after a hard kill")
    return seconds


# One page of each area, so a module or data file missing from the build shows here.
AREA_PAGES = [
    "/customers", "/work/", "/reports/", "/reports/renewals", "/reports/scorecards",
    "/settings/rules", "/blacklist/", "/imports/", "/quote", "/care", "/territories/",
    "/imports/template/customers.xlsx",
]
DOWNLOADS = ["/exports/customers.csv", "/exports/customers.xlsx"]  # audited: POST only


def every_area_answers(browser):
    for path in AREA_PAGES + DOWNLOADS:
        try:
            if path in DOWNLOADS:
                status, _, body = browser.post(path, {}, token_from="/customers")
            else:
                status, _, body = browser.get(path)
        except urllib.error.HTTPError as exc:
            fail(f"{path} answered {exc.code}")
        check(status == 200 and len(body) > 0, f"{path} answered {status}")


def start_after_crash(exe, data, port, cwd):
    run = Running(exe, data, port, cwd)
    url, seconds = run.url()
    browser = Browser(url)
    status, final, _ = browser.post("/login", {"username": "admin", "password": PASSWORD},
                                    token_from="/login")
    check(status == 200 and "/login" not in final, "cannot sign in after the restart")
    every_area_answers(browser)
    quit_app(run, browser, data)
    check(list((data / "backups").glob("*-startup.db")), "no backup on a later start")
    return seconds


def main(argv):
    if len(argv) != 1:
        fail("usage: smoke_executable.py PATH_TO_EXECUTABLE")
    path = Path(argv[0]).resolve()
    check(path.is_file(), f"{path}: no such file")
    size_mb = path.stat().st_size / 1e6
    exe = Host(path)
    with tempfile.TemporaryDirectory(prefix="inscrm-smoke-") as tmp:
        data, cwd = Path(tmp) / "data", Path(tmp)
        port = free_port()
        try:
            run, browser, url, first = first_start(exe, data, port, cwd)
            second_launch(exe, data, port, cwd, url)
            quit_app(run, browser, data)
            check_database(data)
            restart = restart_keeps_data(exe, data, port, cwd)
            after_crash = start_after_crash(exe, data, port, cwd)
        except urllib.error.HTTPError as exc:
            log = data / "logs" / "inscrm.log"
            tail = log.read_text(encoding="utf-8", errors="replace")[-6000:] if log.exists() else ""
            fail(f"{exc.url} answered {exc.code}; the end of its log:\n{tail}")
    print(f"smoke: {path.name} {size_mb:.1f} MB; start to first page answered: "
          f"{first:.2f} s on a new data directory, {restart:.2f} s on restart, "
          f"{after_crash:.2f} s after a crash")
    print("smoke: the executable passed")


if __name__ == "__main__":
    main(sys.argv[1:])
