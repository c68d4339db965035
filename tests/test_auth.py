from inscrm.models import AuditLog, User
from tests.helpers import csrf_token, login, make_customer, make_township, make_user, post


def test_first_run_redirects_to_setup_and_creates_the_admin(bare_app):
    client = bare_app.test_client()
    assert client.get("/").headers["Location"].endswith("/setup")
    page = client.get("/setup").get_data(as_text=True)
    assert "Welcome" in page or "欢迎" in page
    token = csrf_token(client, "/setup")
    form = {"site_code": "jx09", "site_name": "平湖支公司", "username": "boss",
            "password": "first-pass1", "password2": "first-pass1", "csrf_token": token}
    bad = client.post("/setup", data={**form, "password2": "other-pass"})
    assert bad.status_code == 400
    response = client.post("/setup", data=form)
    assert response.status_code == 302
    assert "平湖支公司" in client.get("/").get_data(as_text=True)  # signed in as the admin
    assert client.get("/setup").status_code == 302  # setup happens once


def test_login_logout_and_audit(app, client):
    assert client.get("/").status_code == 302
    login(client)
    assert client.get("/").status_code == 200
    assert post(client, "/logout").status_code == 302
    assert client.get("/").status_code == 302
    with app.app_context():
        actions = [a.action for a in AuditLog.select().order_by(AuditLog.id)]
    assert "login" in actions and "logout" in actions


def test_session_cookie_is_httponly_and_samesite(client):
    login(client)
    cookie = client.get_cookie("inscrm_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_unsafe_requests_need_the_csrf_token(client):
    login(client)
    assert client.post("/logout").status_code == 400  # no token
    assert client.post("/logout", headers={"X-CSRFToken": "forged"}).status_code == 400
    assert post(client, "/logout", htmx=True).status_code == 302  # token by header, as htmx


def test_cross_site_posts_are_refused(client):
    login(client)
    token = csrf_token(client, "/")
    headers = {"X-CSRFToken": token, "Sec-Fetch-Site": "cross-site"}
    response = client.post("/logout", headers=headers)
    assert response.status_code == 403


def test_login_redirect_stays_on_this_site(client):
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/", data={
        "username": "admin", "password": "admin-pass-1", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_language_switch_is_kept_per_user(app, client):
    login(client)
    assert "客户" in client.get("/").get_data(as_text=True)
    post(client, "/language", {"lang": "en", "next": "/"})
    assert "Customers by segment" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert User.get(User.username == "admin").language == "en"
    assert post(client, "/language", {"lang": "fr"}).status_code == 400


def test_agent_scope_on_the_start_page(app, client):
    with app.app_context():
        agent = make_user("agent1", role="agent", password="agent-pass1")
        make_customer(manager=agent)
        make_customer(township=make_township(manager=agent))
        make_customer()  # someone else's
    login(client, "agent1", "agent-pass1")
    page = client.get("/").get_data(as_text=True)
    assert '<th class="num">2</th>' in page


def test_change_password(client):
    login(client)
    bad = post(client, "/account/password", {"current": "wrong", "password": "n" * 9,
                                             "password2": "n" * 9})
    assert bad.status_code == 400
    ok = post(client, "/account/password", {"current": "admin-pass-1", "password": "n" * 9,
                                            "password2": "n" * 9})
    assert ok.status_code == 200
    post(client, "/logout")
    login(client, "admin", "n" * 9)


def test_passwords_are_stored_with_scrypt_and_any_stored_method_checks(app, monkeypatch):
    from inscrm import users

    monkeypatch.setattr(users, "PASSWORD_HASH", "scrypt")  # what an installation uses
    with app.app_context():
        user = make_user("zhou", password="long-enough-9")
        assert user.password_hash.startswith("scrypt:")
        assert users.authenticate("zhou", "long-enough-9").id == user.id
        monkeypatch.setattr(users, "PASSWORD_HASH", "pbkdf2:sha256:1000")
        users.set_password(user, "another-one-9")
        assert User.get_by_id(user.id).password_hash.startswith("pbkdf2:sha256:1000$")
        assert users.authenticate("zhou", "another-one-9").id == user.id
