"""Login throttling: growing waits by client and by name instead of a hard lock anyone can
set off, the same answer for an unknown name, and no common password anywhere."""

import datetime as dt
import re

import pytest

from inscrm import accounts, throttle, users
from inscrm.models import AuditLog, LoginThrottle, User, now
from inscrm.validators import Invalid
from tests.helpers import csrf_token, login, make_user, post

HX = {"HX-Request": "true"}


def page_text(response):
    """The page without its CSRF token (which differs on every page) and the typed name."""
    text = re.sub(r'content="[^"]*"', "", response.get_data(as_text=True))
    return re.sub(r'value="[^"]*"', "", text).replace("nobody", "admin")


def attempt(client, username, password, token):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def test_repeated_failures_get_a_429_with_a_growing_wait_not_a_lock(app, client):
    token = csrf_token(client)
    for _ in range(throttle.FREE):
        assert attempt(client, "admin", "nope-nope", token).status_code == 401
    held = attempt(client, "admin", "admin-pass-1", token)  # even the right password waits
    assert held.status_code == 429 and int(held.headers["Retry-After"]) >= 1
    assert "秒后再试" in held.get_data(as_text=True)
    with app.app_context():
        row = LoginThrottle.get(LoginThrottle.key == "user:admin")
        waits = []
        for _ in range(6):  # each further failure doubles the wait
            LoginThrottle.update(until=now() - dt.timedelta(seconds=1)).execute()
            with pytest.raises(users.LoginRefused):
                users.authenticate("admin", "nope-nope", "127.0.0.1")
            row = LoginThrottle.get(LoginThrottle.key == "user:admin")
            waits.append(row.until - row.last_at)
        assert waits == [dt.timedelta(seconds=s) for s in (10, 20, 40, 60, 60, 60)]  # name: ≤ 1 min
        client_row = LoginThrottle.get(LoginThrottle.key == "client:127.0.0.1")
        assert client_row.until - client_row.last_at == dt.timedelta(seconds=320)
        assert User.get(User.username == "admin").active  # never locked out
        LoginThrottle.update(until=now() - dt.timedelta(seconds=1)).execute()
    login(client)  # once the wait is over, the right password works and clears the counts
    with app.app_context():
        assert LoginThrottle.select().count() == 0


def test_an_attacker_elsewhere_makes_the_name_wait_a_minute_at_most(ctx):
    moment = now()
    for _ in range(30):
        throttle.failed(throttle.keys("203.0.113.7", "admin"), moment)
    assert throttle.wait(throttle.keys("10.0.0.2", "admin"), moment) == 60
    assert throttle.wait(throttle.keys("203.0.113.7", "admin"), moment) == 15 * 60
    later = moment + dt.timedelta(minutes=2)  # the office's own client goes ahead then
    assert throttle.wait(throttle.keys("10.0.0.2", "admin"), later) == 0


def test_an_unknown_name_gets_the_same_answer_and_the_same_throttle(app, client):
    token = csrf_token(client)
    known = attempt(client, "admin", "nope-nope", token)
    unknown = attempt(client, "nobody", "nope-nope", token)
    assert (known.status_code, unknown.status_code) == (401, 401)
    assert page_text(known) == page_text(unknown)
    with app.app_context():
        assert LoginThrottle.get(LoginThrottle.key == "user:nobody").failures == 1
        assert AuditLog.select().where(AuditLog.action == "login_failed").count() == 2


def test_the_administrator_unlocks_a_waiting_colleague_in_the_page(app, client):
    with app.app_context():
        wang = make_user("wang")
        for _ in range(throttle.FREE + 2):
            throttle.failed(throttle.keys("198.51.100.1", "wang"), now())
    login(client)
    page = client.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{wang.id}/unlock" in page
    row = post(client, f"/admin/users/{wang.id}/unlock", htmx=True)
    assert row.status_code == 200 and f"/admin/users/{wang.id}/unlock" not in row.get_data(
        as_text=True)
    with app.app_context():
        assert not accounts.is_locked(User.get_by_id(wang.id), now())
    login(app.test_client(), "wang", "password-1")


@pytest.mark.parametrize("password", ["12345678", "Password", "qwerty123", "11111111",
                                      "5201314", "woaini1314", "88888888", "1qaz2wsx"])
def test_the_commonest_passwords_are_refused(password):
    with pytest.raises(Invalid):
        users.check_password(password)


def test_common_or_name_passwords_are_refused_everywhere_they_are_set(app, client, runner):
    with app.app_context():
        boss = User.get(User.username == "admin")
        with pytest.raises(Invalid, match="commonest"):
            accounts.add_user("li", "", "agent", "woaini1314", boss)
        with pytest.raises(Invalid, match="user name"):
            accounts.add_user("zhangsan", "", "agent", "ZhangSan", boss)
        wang = make_user("wang")
        with pytest.raises(Invalid):
            accounts.reset_password(wang, "password1", boss)
    login(client)
    own = post(client, "/account/password", {"current": "admin-pass-1", "password": "12345678",
                                             "password2": "12345678"})
    assert own.status_code == 400 and "常见" in own.get_data(as_text=True)
    added = post(client, "/admin/users", {"username": "zhao", "name": "", "role": "agent",
                                          "password": "zhao", "password2": "zhao"})
    assert added.status_code == 400
    cli = runner("user", "passwd", "admin", "--password", "123456789")
    assert cli.exit_code != 0 and "commonest" in cli.output


def test_the_first_administrator_gets_no_common_password(bare_app):
    first = bare_app.test_client()
    token = csrf_token(first, "/setup")
    setup = first.post("/setup", data={"site_code": "jx09", "site_name": "平湖", "username": "boss",
                                       "password": "88888888", "password2": "88888888",
                                       "csrf_token": token})
    assert setup.status_code == 400
