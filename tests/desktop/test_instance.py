"""One instance per data directory: the lock, stale locks, ports tested by connecting, identity."""

import http.server
import json
import os
import socket
import subprocess
import sys
import threading

import pytest
from werkzeug.test import Client

from inscrm.desktop import instance


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def listener():
    """Something that is not InsCRM, listening on a local port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def other_http_server():
    """Another program's web server, answering /_instance with JSON of its own."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"app": "Something else", "token": "t"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_lock_is_held_by_one_and_readable_by_all(tmp_path):
    first, second = instance.InstanceLock(tmp_path), instance.InstanceLock(tmp_path)
    assert first.acquire()
    assert not second.acquire()
    assert second.read()["pid"] == os.getpid() and "port" not in second.read()
    first.publish("127.0.0.1", 8765, "token-1")
    assert second.read()["port"] == 8765 and second.read()["token"] == "token-1"
    first.release()
    assert not (tmp_path / instance.LOCK_NAME).exists()
    assert second.acquire()
    second.release()


def test_a_lock_left_by_a_crashed_process_is_replaced(tmp_path):
    crash = (
        "import os, sys; from inscrm.desktop.instance import InstanceLock\n"
        "lock = InstanceLock(sys.argv[1]); assert lock.acquire()\n"
        "lock.publish('127.0.0.1', 1, 'dead-token'); os._exit(9)\n"
    )
    done = subprocess.run([sys.executable, "-c", crash, str(tmp_path)], timeout=60)
    assert done.returncode == 9
    lock = instance.InstanceLock(tmp_path)
    assert lock.read()["token"] == "dead-token"  # left behind
    assert instance.claim_or_find(lock, timeout=5) is None  # taken over at once
    assert lock.read()["pid"] == os.getpid() and "token" not in lock.read()
    lock.release()


def test_a_lock_file_removed_while_being_locked_is_not_the_one_kept(tmp_path, monkeypatch):
    real_lock, calls = instance._os_lock, []

    def holder_leaves_meanwhile(file):
        calls.append(file.fileno())
        if len(calls) == 1:  # the previous holder removes the file between our open and lock
            os.unlink(tmp_path / instance.LOCK_NAME)
        real_lock(file)

    monkeypatch.setattr(instance, "_os_lock", holder_leaves_meanwhile)
    lock = instance.InstanceLock(tmp_path)
    assert lock.acquire()
    assert len(calls) == 2  # it locked the new file, not the removed one
    assert lock.read()["pid"] == os.getpid()
    assert not instance.InstanceLock(tmp_path).acquire()
    lock.release()


def test_garbage_in_the_lock_file_is_a_stale_lock(tmp_path):
    (tmp_path / instance.LOCK_NAME).write_bytes(b"\x00{not json")
    lock = instance.InstanceLock(tmp_path)
    assert lock.read() == {}
    assert lock.acquire()
    lock.release()


def test_a_holder_that_never_answers_is_reported_not_ignored(tmp_path):
    holder = instance.InstanceLock(tmp_path)
    assert holder.acquire()
    waited = []
    with pytest.raises(instance.InstanceStuck) as stuck:
        instance.claim_or_find(instance.InstanceLock(tmp_path), timeout=0.3, interval=0.05,
                               on_wait=waited.append)
    assert stuck.value.info["pid"] == os.getpid()
    assert len(waited) == 1
    holder.release()


def test_ports_in_use_are_found_by_connecting(listener):
    assert instance.port_answers("127.0.0.1", listener)
    assert instance.port_answers("0.0.0.0", listener)  # a wildcard host is probed on loopback
    candidates = list(instance.candidate_ports("127.0.0.1", listener, count=3))
    assert listener not in candidates and len(candidates) >= 1
    assert all(c > listener for c in candidates)
    closed = free_port()
    assert not instance.port_answers("127.0.0.1", closed)


def test_identity_endpoint_answers_before_the_app(bare_app):
    client = Client(instance.IdentityMiddleware(bare_app, "secret-token"))
    response = client.get("/_instance")
    assert response.status_code == 200
    assert response.json == {"app": "InsCRM", "version": instance.__version__,
                             "token": "secret-token"}
    # Everything else is the app: a new data directory leads to the setup page.
    assert client.get("/").headers["Location"].endswith("/setup")


def test_another_program_on_the_port_is_not_taken_for_inscrm(other_http_server, listener):
    assert instance.identity("127.0.0.1", other_http_server) is None
    assert instance.identity("127.0.0.1", listener, timeout=0.5) is None  # answers no HTTP
    info = {"host": "127.0.0.1", "port": other_http_server, "token": "t"}
    assert instance.running_url(info) is None
    assert instance.running_url({"host": "127.0.0.1"}) is None


def test_urls_for_hosts():
    assert instance.url_for("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert instance.url_for("0.0.0.0", 8766) == "http://127.0.0.1:8766/"
    assert instance.url_for("::1", 8765) == "http://[::1]:8765/"
