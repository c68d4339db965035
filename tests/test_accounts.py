"""The administrator manages the staff's accounts in the browser: add, name and role, reset a
password, unlock, deactivate; the office can never lock itself out. Every change is audited."""


import pytest

from inscrm import accounts, throttle, users
from inscrm.models import AuditLog, User, now
from inscrm.validators import Invalid
from tests.conftest import ADMIN_PASSWORD, serving
from tests.helpers import login, make_user, post

HX = {"HX-Request": "true"}


def admin():
    return User.get(User.username == "admin")


def test_add_change_reset_unlock_and_deactivate(ctx):
    boss = admin()
    wang = accounts.add_user("wang", "王经理", "agent", "password-1", boss)
    assert (wang.role, wang.name, wang.branch.code) == ("agent", "王经理", "JX01")
    with pytest.raises(Invalid):
        accounts.add_user("wang", "", "agent", "password-1", boss)  # taken
    with pytest.raises(Invalid):
        accounts.add_user("li", "", "agent", "short", boss)  # the password rules apply
    accounts.change(wang, " 王小明 ", "manager", boss)
    assert (User.get_by_id(wang.id).name, User.get_by_id(wang.id).role) == ("王小明", "manager")
    with pytest.raises(Invalid):
        accounts.change(wang, "x", "king", boss)
    for _ in range(throttle.FREE):
        with pytest.raises(users.LoginRefused):
            users.authenticate("wang", "wrong-guess", "10.0.0.9")
    assert accounts.is_locked(wang, now())
    accounts.unlock(wang, boss)
    assert not accounts.is_locked(User.get_by_id(wang.id), now())
    accounts.reset_password(wang, "new-password-2", boss)
    assert users.authenticate("wang", "new-password-2").id == wang.id
    accounts.set_active(wang, False, boss)
    with pytest.raises(users.LoginRefused):
        users.authenticate("wang", "new-password-2")
    accounts.set_active(wang, True, boss)
    actions = [a.action for a in AuditLog.select().where(AuditLog.target == f"user:{wang.uid}")
               .order_by(AuditLog.id)]
    assert actions == ["user_added", "user_changed", "user_unlocked", "password_reset",
                       "user_deactivated", "user_activated"]


def test_the_office_cannot_lock_itself_out(ctx):
    boss = admin()
    with pytest.raises(Invalid):
        accounts.set_active(boss, False, boss)  # not oneself
    with pytest.raises(Invalid):
        accounts.change(boss, "", "manager", boss)  # the last administrator
    other = accounts.add_user("second", "", "admin", "password-1", boss)
    with pytest.raises(Invalid):
        accounts.set_active(boss, False, boss)
    accounts.change(boss, "", "manager", other)  # now there is another administrator
    with pytest.raises(Invalid):
        accounts.set_active(other, False, User.get_by_id(boss.id))  # the last one left


def test_the_staff_page_is_for_administrators(client, app):
    with app.app_context():
        make_user("boss", role="manager")
    login(client, "boss", "password-1")
    assert client.get("/admin/users").status_code == 403
    assert post(client, "/admin/users", {"username": "x"}).status_code == 403


def test_the_staff_page_adds_and_changes_accounts(client, app):
    login(client)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "用户管理" in page and "添加同事" in page
    bad = post(client, "/admin/users", {"username": "wang", "name": "王经理", "role": "agent",
                                        "password": "password-1", "password2": "password-2"})
    assert bad.status_code == 400 and "两次输入的密码不一致" in bad.get_data(as_text=True)
    assert 'value="王经理"' in bad.get_data(as_text=True)  # what was typed stays
    added = post(client, "/admin/users", {"username": "wang", "name": "王经理", "role": "agent",
                                          "password": "password-1", "password2": "password-1"})
    assert added.status_code == 303
    assert "已添加 王经理" in client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        wang = User.get(User.username == "wang")
    row = post(client, f"/admin/users/{wang.id}", {"name": "王经理", "role": "manager"},
               htmx=True)
    body = row.get_data(as_text=True)
    assert row.status_code == 200 and "<html" not in body
    assert f'id="user-{wang.id}"' in body and "已保存" in body
    short = post(client, f"/admin/users/{wang.id}/password",
                 {"password": "x", "password2": "x"}, htmx=True)
    assert short.status_code == 400 and 'role="alert"' in short.get_data(as_text=True)
    off = post(client, f"/admin/users/{wang.id}/active", {"active": "0"})
    assert off.status_code == 303
    with app.app_context():
        assert not User.get_by_id(wang.id).active
        me = admin()
    mine = post(client, f"/admin/users/{me.id}/active", {"active": "0"}, htmx=True)
    assert mine.status_code == 400 and "不能停用自己的账号" in mine.get_data(as_text=True)
    assert client.get("/admin/users/99999").status_code == 405
    assert post(client, "/admin/users/99999/unlock").status_code == 404


def test_a_deactivated_colleague_is_signed_out_at_once(app):
    with app.app_context():
        wang = make_user("wang")
    colleague, boss = app.test_client(), app.test_client()
    login(colleague, "wang", "password-1")
    assert colleague.get("/work/").status_code == 200
    login(boss)
    post(boss, f"/admin/users/{wang.id}/active", {"active": "0"})
    assert colleague.get("/work/").status_code == 302  # to the login page


def test_first_run_then_next_steps_and_a_colleague_in_the_browser(bare_app, browser):
    with serving(bare_app) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=url)
        page = context.new_page()
        try:
            page.goto("/")
            page.fill("input[name=site_code]", "JX09")
            page.fill("input[name=site_name]", "嘉兴秀洲支公司")
            page.fill("input[name=password]", ADMIN_PASSWORD)
            page.fill("input[name=password2]", ADMIN_PASSWORD)
            page.click("button.primary")
            page.wait_for_selector("#next-steps")
            steps = page.locator("#next-steps li").all_inner_texts()
            assert len(steps) == 3
            assert "导入核心系统" in steps[0] and "添加使用本系统的同事" in steps[1]
            page.click("#next-steps >> text=添加使用本系统的同事")
            page.wait_for_url("**/admin/users")
            page.fill("#add-user input[name=username]", "xiaozhou")
            page.fill("#add-user input[name=name]", "小周")
            page.select_option("#add-user select[name=role]", "agent")
            page.fill("#add-user input[name=password]", "password-1")
            page.fill("#add-user input[name=password2]", "password-1")
            page.click("#add-user button.primary")
            page.wait_for_selector("text=已添加 小周")
            row = page.locator("tr", has_text="xiaozhou")
            row.locator("summary", has_text="重设密码").click()
            row.locator("input[name=password]").fill("password-9")
            row.locator("input[name=password2]").fill("password-9")
            row.locator("details button").click()
            page.wait_for_selector("tr:has-text('xiaozhou') >> text=已保存")
            page.on("dialog", lambda dialog: dialog.accept())
            page.locator("tr", has_text="xiaozhou").locator("button", has_text="停用").click()
            page.wait_for_selector("tr.inactive:has-text('xiaozhou')")
            page.locator("tr", has_text="xiaozhou").locator("button", has_text="重新启用").click()
            page.wait_for_selector("tr:has-text('xiaozhou') >> text=已保存")
            page.goto("/")
            assert "✓" in page.locator("#next-steps li").nth(1).inner_text()
            with bare_app.app_context():
                assert users.authenticate("xiaozhou", "password-9").name == "小周"
        finally:
            context.close()
