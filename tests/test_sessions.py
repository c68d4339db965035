"""Sessions end on the server: a cookie captured before logout, a password change or a
deactivation no longer signs anyone in, and an idle or too old session ends by itself."""

import datetime as dt

from inscrm import accounts, sessions, users
from inscrm.models import LoginSession, User, now
from inscrm.sync import tables
from tests.helpers import login, make_user, post

DAY = dt.timedelta(days=1)


def replay(client, cookie):
    """A client carrying a captured session cookie."""
    client.set_cookie("inscrm_session", cookie)
    return client


def test_a_cookie_captured_before_logout_does_not_work_after_it(app, client):
    login(client)
    captured = client.get_cookie("inscrm_session").value
    assert client.get("/work/").status_code == 200
    post(client, "/logout")
    thief = replay(app.test_client(), captured)
    assert thief.get("/work/").status_code == 302  # to the login page
    with app.app_context():
        assert LoginSession.select().count() == 0


def test_the_cookie_holds_a_random_id_not_the_user(app, client):
    login(client)
    other = app.test_client()
    login(other)
    first, second = (c.get_cookie("inscrm_session").value for c in (client, other))
    assert first != second
    with app.app_context():
        rows = list(LoginSession.select())
        admin = User.get(User.username == "admin")
        assert len(rows) == 2 and {r.user_uid for r in rows} == {admin.uid}
        # only the hash of the id is stored
        assert all(len(r.key) == 64 for r in rows)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app):
    here, elsewhere = app.test_client(), app.test_client()
    login(here)
    login(elsewhere)
    ok = post(here, "/account/password", {"current": "admin-pass-1", "password": "new-pass-42",
                                          "password2": "new-pass-42"})
    assert ok.status_code == 200
    assert here.get("/work/").status_code == 200
    assert elsewhere.get("/work/").status_code == 302


def test_a_reset_or_deactivation_ends_every_session_of_the_account(app):
    with app.app_context():
        wang = make_user("wang")
    colleague, boss = app.test_client(), app.test_client()
    login(colleague, "wang", "password-1")
    captured = colleague.get_cookie("inscrm_session").value
    login(boss)
    assert post(boss, f"/admin/users/{wang.id}/password",
                {"password": "fresh-pass-7", "password2": "fresh-pass-7"}).status_code == 303
    assert replay(app.test_client(), captured).get("/work/").status_code == 302
    login(colleague, "wang", "fresh-pass-7")
    captured = colleague.get_cookie("inscrm_session").value
    post(boss, f"/admin/users/{wang.id}/active", {"active": "0"})
    with app.app_context():
        assert sessions.count(User.get_by_id(wang.id)) == 0
        accounts.set_active(User.get_by_id(wang.id), True, User.get(User.username == "admin"))
    # reactivated, the old cookie still does not come back to life
    assert replay(app.test_client(), captured).get("/work/").status_code == 302


def test_an_idle_session_and_a_too_old_one_end(app, client):
    login(client)
    assert client.get("/work/").status_code == 200
    with app.app_context():
        LoginSession.update(seen_at=now() - dt.timedelta(hours=8, minutes=1)).execute()
    assert client.get("/work/").status_code == 302  # idle for more than 8 hours
    login(client)
    with app.app_context():
        LoginSession.update(created_at=now() - dt.timedelta(hours=12, minutes=1)).execute()
    assert client.get("/work/").status_code == 302  # busy, but signed in 12 hours ago


def test_last_seen_is_written_at_most_once_a_minute(ctx):
    admin = User.get(User.username == "admin")
    idle, life = dt.timedelta(hours=8), dt.timedelta(hours=12)
    start = now()
    token = sessions.start(admin, idle, life, moment=start)
    assert sessions.resolve(token, idle, life, start + dt.timedelta(seconds=30)) == admin
    assert LoginSession.get().seen_at == start  # not touched within the minute
    later = start + dt.timedelta(minutes=2)
    assert sessions.resolve(token, idle, life, later) == admin
    assert LoginSession.get().seen_at == later
    assert sessions.resolve(token, idle, life, later + idle) is None
    assert LoginSession.select().count() == 0
    assert sessions.resolve("forged", idle, life) is None


def test_a_login_tidies_away_ended_sessions(ctx):
    admin = User.get(User.username == "admin")
    idle, life = dt.timedelta(hours=8), dt.timedelta(hours=12)
    sessions.start(admin, idle, life, moment=now() - DAY)
    sessions.start(admin, idle, life)
    assert sessions.count(admin) == 1


def test_sessions_and_login_throttling_never_travel(ctx):
    assert "user_session" not in tables.BY_TABLE and "login_failure" not in tables.BY_TABLE
    assert "password_hash" not in {f.name for f in tables.sent_fields(User)}


def test_the_cli_password_ends_the_sessions(app, client, runner):
    login(client)
    result = runner("user", "passwd", "admin", "--password", "cli-pass-99")
    assert result.exit_code == 0, result.output
    assert client.get("/work/").status_code == 302
    with app.app_context():
        assert users.authenticate("admin", "cli-pass-99").username == "admin"
