"""Only the names the server is bound to are served (DNS rebinding), by the test client and by
a real waitress on loopback, /_instance and first-run setup included."""

import http.client
import threading

import pytest

from inscrm import create_app
from inscrm.desktop import hosts, instance
from inscrm.desktop.server import Server
from tests.conftest import ADMIN_PASSWORD
from tests.helpers import csrf_token

EVIL = "evil.example"


def test_allowed_hosts_are_the_bound_names_with_the_port():
    allowed = hosts.allowed_hosts("127.0.0.1", 8765)
    assert hosts.host_allowed("127.0.0.1:8765", allowed)
    assert hosts.host_allowed("LOCALHOST:8765", allowed)
    assert hosts.host_allowed("[::1]:8765", allowed)
    assert not hosts.host_allowed("127.0.0.1:8766", allowed)
    assert not hosts.host_allowed(f"{EVIL}:8765", allowed)
    assert not hosts.host_allowed("", allowed)
    lan = hosts.allowed_hosts("192.168.1.20", 8765)
    assert hosts.host_allowed("192.168.1.20:8765", lan)


def test_test_client_refuses_a_foreign_host_for_login_and_setup(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "d"),
                      "TRUSTED_HOSTS": hosts.loopback_any_port()})
    client = app.test_client()
    assert client.get("/setup").status_code == 200
    evil = client.get("/setup", headers={"Host": EVIL})
    assert evil.status_code == 400
    token = csrf_token(client, "/setup")
    form = {"site_code": "jx09", "site_name": "x", "username": "boss", "password": "first-pass1",
            "password2": "first-pass1", "csrf_token": token}
    assert client.post("/setup", data=form, headers={"Host": EVIL}).status_code == 400
    assert client.get("/").headers["Location"].endswith("/setup")  # still not set up


@pytest.fixture
def served(app):
    server = Server(instance.IdentityMiddleware(app, "the-token"), "127.0.0.1", 18765)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server
    server.stop(delay=0)
    thread.join(timeout=10)


def _request(server, method, path, host, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def test_waitress_serves_its_own_names_and_refuses_others(served):
    own = f"127.0.0.1:{served.port}"
    status, body = _request(served, "GET", "/_instance", own)
    assert status == 200 and b"the-token" in body
    status, body = _request(served, "GET", "/_instance", f"localhost:{served.port}")
    assert status == 200
    for path in ("/_instance", "/login", "/customers", "/exports/customers.csv", "/setup"):
        status, body = _request(served, "GET", path, f"{EVIL}:{served.port}")
        assert status == 400, path
        assert b"the-token" not in body
    status, _ = _request(served, "POST", "/login", EVIL,
                         body=f"username=admin&password={ADMIN_PASSWORD}",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    status, body = _request(served, "GET", "/login", own)
    assert status == 200 and b"password" in body
