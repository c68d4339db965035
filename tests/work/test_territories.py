"""Towns and their account managers; the floating pool per town and source."""

from inscrm.models import AuditLog, Customer, Township
from inscrm.work import territories
from tests.helpers import login, make_customer, make_township, make_user, post

HX = {"HX-Request": "true"}


def town_book(app):
    with app.app_context():
        agent = make_user("wang", name="王经理", password="password-1")
        make_user("boss", role="manager", password="password-1")
        nanhu = make_township("新丰镇", manager=agent)
        other = make_township("凤桥镇")
        make_customer(township=nanhu, manager=agent, segment="standard")
        make_customer(township=nanhu, source="canvass", name="排摸甲", address="新丰镇一号")
        make_customer(township=nanhu, source="canvass", segment="prospect")
        make_customer(township=nanhu, source="dealer")
        make_customer(township=other, source="canvass")
        make_customer(source="yellow_pages")  # no town
        return nanhu.id, other.id, agent.id


def test_summary_and_floating_pool(ctx):
    nanhu, other, _agent = town_book(ctx)
    rows = {t.id: t for t in territories.summary()}
    assert (rows[nanhu].customers, rows[nanhu].unassigned, rows[nanhu].pool) == (4, 3, 2)
    assert (rows[other].customers, rows[other].pool) == (1, 1)
    towns, sources, counts = territories.floating_pool()
    assert [t.id if t else None for t in towns] == [other, nanhu, None]  # 凤 before 新, then none
    assert sources == ["canvass", "yellow_pages", "dealer"]
    assert counts == {(nanhu, "canvass"): 1, (nanhu, "dealer"): 1, (other, "canvass"): 1,
                      (None, "yellow_pages"): 1}
    assert [c.name for c in territories.pool_list(nanhu, "canvass")] == ["排摸甲"]


def test_unassigned_customers_of_a_town_fall_to_its_manager(ctx):
    nanhu, _other, agent_id = town_book(ctx)
    from inscrm.models import User

    agent = User.get_by_id(agent_id)
    assert Customer.visible_to(agent).where(Customer.township == nanhu).count() == 4


def test_territory_pages_and_assigning_a_town(client, app):
    nanhu, other, agent_id = town_book(app)
    login(client, "boss", "password-1")
    page = client.get("/territories/").get_data(as_text=True)
    assert "新丰镇" in page and "王经理" in page and "<html" in page
    assert "<html" not in client.get("/territories/", headers=HX).get_data(as_text=True)
    row = post(client, f"/territories/{other}/manager", {"manager": agent_id}, htmx=True)
    assert row.status_code == 200
    assert row.get_data(as_text=True).lstrip().startswith(f'<tr id="town-{other}"')
    assert post(client, f"/territories/{nanhu}/manager", {"manager": ""}).status_code == 302
    with app.app_context():
        assert Township.get_by_id(other).manager_id == agent_id
        assert Township.get_by_id(nanhu).manager_id is None
        assert AuditLog.select().where(AuditLog.action == "township_assigned").count() == 2
    pool = client.get("/territories/pool").get_data(as_text=True)
    assert "排摸" in pool and "黄页" in pool
    listing = client.get(f"/territories/pool/list?town={nanhu}&source=canvass")
    assert "新丰镇一号" in listing.get_data(as_text=True)
    assert client.get("/territories/pool/list?town=x&source=canvass").status_code == 400
    assert post(client, f"/territories/{nanhu}/manager", {"manager": "99999"}).status_code == 404


def test_agents_cannot_assign_towns(client, app):
    nanhu, _other, agent_id = town_book(app)
    login(client, "wang", "password-1")
    assert client.get("/territories/").status_code == 403
    assert post(client, f"/territories/{nanhu}/manager", {"manager": agent_id}).status_code == 403
