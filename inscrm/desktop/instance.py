"""One running InsCRM per data directory: the instance lock, its identity check, port choice.

The lock file `inscrm.lock` in the data directory holds the running instance's pid, host, port
and a random token. It is also locked by the operating system for as long as that process lives,
so a lock left behind by a crash is released by the OS itself and the next start replaces it.
A second launch that finds the lock held reads the port and asks `/_instance` there for the
token, so another program that happens to listen on that port is never taken for InsCRM.
Ports are tested by connecting, not by binding: on Windows a second bind can succeed silently.
"""

import contextlib
import json
import os
import secrets
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from inscrm.db import filelock
from inscrm.version import __version__

LOCK_NAME = "inscrm.lock"
IDENTITY_PATH = "/_instance"
# The OS lock covers one byte far past the JSON (see inscrm.db.filelock).
_LOCK_OFFSET = 1 << 20


def _os_lock(file):
    filelock.lock(file, _LOCK_OFFSET)


def _os_unlock(file):
    filelock.unlock(file, _LOCK_OFFSET)


def probe_host(host):
    """The address to connect to for a server bound to `host` (a wildcard means this machine)."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def url_for(host, port):
    host = probe_host(host)
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def port_answers(host, port, timeout=0.25):
    """True when something accepts a TCP connection on host:port."""
    try:
        with socket.create_connection((probe_host(host), port), timeout=timeout):
            return True
    except OSError:
        return False


def candidate_ports(host, first, count=20):
    """`first` and the ports after it, skipping those where something already answers."""
    for port in range(first, min(first + count, 65536)):
        if not port_answers(host, port):
            yield port


def new_token():
    return secrets.token_urlsafe(18)


class InstanceLock:
    """The data directory's lock: held by the serving process, readable by any other."""

    def __init__(self, root):
        self.path = Path(root) / LOCK_NAME
        self._file = None

    def acquire(self):
        """Take the lock; False when another live process holds it. Stale contents are replaced."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
            file = os.fdopen(fd, "r+b", buffering=0)
            try:
                _os_lock(file)
            except OSError:
                file.close()
                return False
            if self._still_the_lock_file(file):
                break
            # The holder removed the file between our open and our lock: lock the new one.
            _os_unlock(file)
            file.close()
        self._file = file
        self._write({"pid": os.getpid(), "started": time.time()})
        return True

    def _still_the_lock_file(self, file):
        try:
            return os.path.samestat(os.fstat(file.fileno()), os.stat(self.path))
        except OSError:
            return False

    def publish(self, host, port, token):
        """Tell later launches where this instance answers and how it identifies itself."""
        self._write({"pid": os.getpid(), "started": time.time(), "host": host, "port": port,
                     "token": token, "version": __version__})

    def _write(self, info):
        data = json.dumps(info).encode("utf-8")
        self._file.seek(0)
        self._file.truncate()
        self._file.write(data)
        os.fsync(self._file.fileno())

    def release(self):
        """Give the data directory up and remove the lock file."""
        if self._file is None:
            return
        file, self._file = self._file, None
        file.seek(0)
        file.truncate()
        if os.name != "nt":  # removed while still locked, so no one locks a file on its way out
            with contextlib.suppress(OSError):
                self.path.unlink()
        _os_unlock(file)
        file.close()
        if os.name == "nt":
            # Windows refuses while another launch has the file open for a moment: harmless,
            # an empty unlocked file is a stale lock like any other.
            with contextlib.suppress(OSError):
                self.path.unlink()

    def read(self):
        """What the lock file says ({} when absent, empty or being written)."""
        try:
            info = json.loads(self.path.read_bytes() or b"{}")
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}


def identity(host, port, timeout=2.0):
    """The token the InsCRM at host:port gives for itself, or None when it is not InsCRM."""
    try:
        with urllib.request.urlopen(url_for(host, port) + IDENTITY_PATH[1:],
                                    timeout=timeout) as response:
            answer = json.loads(response.read(4096))
    except (OSError, ValueError):
        return None
    if not isinstance(answer, dict) or answer.get("app") != "InsCRM":
        return None
    return answer.get("token")


def running_url(info):
    """The URL of the instance described by a lock's contents, if it answers as itself."""
    port, token = info.get("port"), info.get("token")
    if not port or not token:
        return None
    host = info.get("host", "127.0.0.1")
    if identity(host, port) == token:
        return url_for(host, port)
    return None


class InstanceStuck(Exception):
    """Another process holds the data directory but has not answered for a long time."""

    def __init__(self, info):
        super().__init__(info)
        self.info = info


def claim_or_find(lock, timeout=120.0, interval=0.2, on_wait=None):
    """None once this process holds `lock`; else the URL of the instance holding it.

    A held lock with no answering server is an instance still starting (opening or upgrading a
    large database), so it is given `timeout` seconds rather than taken for stale; `on_wait` is
    called once when the wait begins. A holder that dies meanwhile frees the lock for us.
    """
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        if lock.acquire():
            return None
        info = lock.read()
        url = running_url(info)
        if url:
            return url
        if time.monotonic() > deadline:
            raise InstanceStuck(info)
        if not waiting and on_wait is not None:
            on_wait(info)
        waiting = True
        time.sleep(interval)


class IdentityMiddleware:
    """Answers GET /_instance with this instance's token before the app (and its login) runs."""

    def __init__(self, app, token):
        self.app = app
        self.token = token

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == IDENTITY_PATH:
            body = json.dumps({"app": "InsCRM", "version": __version__,
                               "token": self.token}).encode("utf-8")
            start_response("200 OK", [("Content-Type", "application/json"),
                                      ("Content-Length", str(len(body))),
                                      ("Cache-Control", "no-store")])
            return [body]
        return self.app(environ, start_response)
