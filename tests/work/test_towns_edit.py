"""A manager adds and renames the towns of the territory and gives them to account managers in
the browser, with a confirmation before a town changes hands."""

import pytest
from playwright.sync_api import expect

from inscrm.models import AuditLog, Township, User
from inscrm.validators import Invalid
from inscrm.work import territories
from tests.conftest import browser_login
from tests.helpers import login, make_township, make_user, post


def test_add_and_rename_towns(ctx):
    boss = make_user(role="manager")
    wang = make_user(name="王经理")
    town = territories.add_township(" 南湖区 ", "新丰镇 ", wang, boss)
    assert (town.district, town.name, town.manager_id) == ("南湖区", "新丰镇", wang.id)
    with pytest.raises(Invalid) as taken:
        territories.add_township("南湖区", "新丰镇", None, boss)
    assert taken.value.params == {"town": "南湖区新丰镇"}
    with pytest.raises(Invalid):
        territories.add_township("南湖区", "  ", None, boss)
    other = territories.add_township("南湖区", "凤桥镇", None, boss)
    territories.rename_township(other, "南湖区", "凤桥镇（新）", boss)
    assert Township.get_by_id(other.id).name == "凤桥镇（新）"
    with pytest.raises(Invalid):
        territories.rename_township(other, "南湖区", "新丰镇", boss)
    territories.rename_township(town, "南湖区", "新丰镇", boss)  # unchanged is fine
    assert [a.action for a in AuditLog.select().where(AuditLog.action.startswith("township"))
            .order_by(AuditLog.id)] == [
        "township_added", "township_added", "township_renamed", "township_renamed"]


def test_town_pages_add_rename_and_refuse(client, app):
    with app.app_context():
        make_user("boss", role="manager")
        make_user("wang", name="王经理")
        town = make_township("凤桥镇")
    login(client, "boss", "password-1")
    added = post(client, "/territories/", {"district": "南湖区", "name": "余新镇"})
    assert added.status_code == 303
    assert "已添加 南湖区余新镇" in client.get("/territories/").get_data(as_text=True)
    again = post(client, "/territories/", {"district": "南湖区", "name": "余新镇"})
    assert again.status_code == 400 and "已在列表中" in again.get_data(as_text=True)
    renamed = post(client, f"/territories/{town.id}/name", {"district": "南湖区",
                                                            "name": "凤桥镇"}, htmx=True)
    assert renamed.status_code == 200 and "已保存" in renamed.get_data(as_text=True)
    clash = post(client, f"/territories/{town.id}/name", {"district": "南湖区",
                                                          "name": "余新镇"}, htmx=True)
    assert clash.status_code == 400 and 'role="alert"' in clash.get_data(as_text=True)
    login(client, "wang", "password-1")
    assert post(client, "/territories/", {"name": "x"}).status_code == 403


def test_a_manager_sets_up_the_territory_in_the_browser(app, page):
    with app.app_context():
        make_user("boss", role="manager")
        wang = make_user("wang", name="王经理")
    browser_login(page, "boss", "password-1")
    page.goto("/territories/")
    page.fill("#add-town input[name=district]", "南湖区")
    page.fill("#add-town input[name=name]", "新丰镇")
    page.click("#add-town button")
    page.wait_for_selector("text=已添加 南湖区新丰镇")
    row = page.locator("tr", has_text="新丰镇")
    row.locator("summary", has_text="改名").click()
    row.locator("input[name=name]").fill("新丰镇（东）")
    row.locator("details button").click()
    page.wait_for_selector("tr:has-text('新丰镇（东）') >> text=已保存")
    # giving the town away asks first; "no" leaves it with nobody
    answers = ["no"]
    page.on("dialog", lambda dialog: dialog.dismiss() if answers.pop(0) == "no"
            else dialog.accept())
    select = page.locator("tr", has_text="新丰镇（东）").locator("select[name=manager]")
    select.select_option(str(wang.id))
    expect(select).to_have_value("")
    with app.app_context():
        assert Township.get(Township.name == "新丰镇（东）").manager_id is None
    answers.append("yes")
    page.reload()
    select = page.locator("tr", has_text="新丰镇（东）").locator("select[name=manager]")
    select.select_option(str(wang.id))
    page.wait_for_selector(f"#territory select[data-was='{wang.id}']")  # the row, saved
    with app.app_context():
        assert Township.get(Township.name == "新丰镇（东）").manager_id == wang.id
        assert User.get_by_id(wang.id).townships.count() == 1
