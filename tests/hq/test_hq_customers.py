"""HQ mode: its navigation, the network's customers with a branch column and filter, the
read-only 360 page, and the branch pages HQ does not serve (so nothing writes branch rows)."""

import re

from inscrm.models import Customer, Policy
from tests.helpers import csrf_token
from tests.hq.hq_network import KEY_ID, hq_client, text


def rows_of(page):
    return re.findall(r'href="/hq/customers/(\d+)">([^<]+)</a>', page)


def test_hq_navigation_is_the_network_not_a_branch_s_daily_work(net, client):
    page = text(client.get("/hq/"))
    nav = page[page.index('class="mainnav"'):page.index("</nav>")]
    for link in ("/hq/", "/hq/customers"):
        assert f'href="{link}"' in nav
    for branch_only in ("/work/", "/care", "/quote", "/reports/renewals", "/imports/"):
        assert f'href="{branch_only}"' not in nav
    branch = hq_client(net, "admin", site="B1")
    nav = text(branch.get("/customers"))
    assert 'href="/work/"' in nav and "/hq/" not in nav


def test_overview_lists_every_branch_with_its_customers(net, client):
    page = text(client.get("/hq/"))
    for name in ("第1支公司", "第2支公司", "第3支公司"):
        assert name in page
    fragment = text(client.get("/hq/", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="overview"' in fragment


def test_branch_pages_are_not_served_at_hq_and_lead_to_their_hq_counterparts(net, client):
    for path in ("/work/", "/work/visits", "/care", "/quote", "/territories/", "/imports/",
                 "/reports/renewals", "/customers/new"):
        assert client.get(path).status_code == 404, path
    assert client.get("/customers?q=张").headers["Location"].endswith("/hq/customers?q=%E5%BC%A0")
    assert client.get("/").headers["Location"].endswith("/hq/")


def test_analysts_cannot_write_branch_data_at_hq(net):
    for username in ("ana", "admin"):
        client = hq_client(net, username)
        with client.application.app_context():
            customer = Customer.get(Customer.id_number == KEY_ID, Customer.origin == "B1")
            policies = Policy.select().count()
        token = csrf_token(client, "/hq/")
        headers = {"X-CSRFToken": token}
        writes = [
            (f"/customers/{customer.id}/edit", {"name": "改名", "kind": "individual"}),
            (f"/customers/{customer.id}/policy/new", {"policy_no": "X1", "premium": "1"}),
            (f"/customers/{customer.id}/activities", {"kind": "call", "date": "2025-01-01"}),
            ("/blacklist/report", {"customer": str(customer.id), "reason": "fraud",
                                   "unit": "总部"}),
            (f"/segments/customer/{customer.id}/key", {"designation": "brand",
                                                        "reason": "x"}),
            ("/customers/merge", {"a": str(customer.id), "b": str(customer.id)}),
        ]
        for path, data in writes:
            assert client.post(path, data=data, headers=headers).status_code == 404, path
        with client.application.app_context():
            assert Customer.get_by_id(customer.id).name == "张网络"
            assert Policy.select().count() == policies


def test_network_customers_search_across_branches_with_a_branch_column(client):
    page = text(client.get("/hq/customers?q=张网络"))
    found = rows_of(page)
    assert [name for _, name in found] == ["张网络", "张网络"]
    assert "第1支公司" in page and "第2支公司" in page
    only_b2 = text(client.get("/hq/customers?q=张网络&branch=B2"))
    assert len(rows_of(only_b2)) == 1
    assert "第2支公司" in only_b2.split('id="results"')[1]
    assert "第1支公司" not in only_b2.split('id="results"')[1]
    by_phone = rows_of(text(client.get("/hq/customers?q=13900000002")))
    assert [name for _, name in by_phone] == ["张网络"]
    fragment = text(client.get("/hq/customers?q=张网络", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="results"')


def test_a_branch_filter_pages_by_keyset_through_one_branch_only(net, client):
    with client.application.app_context():
        expected = [c.id for c in Customer.live().where(Customer.origin == "B3")
                    .order_by(Customer.name_key, Customer.id)]
    seen, url = [], "/hq/customers?branch=B3"
    while url:
        page = text(client.get(url, headers={"HX-Request": "true"} if seen else {}))
        seen += [int(i) for i, _ in rows_of(page)]
        more = re.search(r'<tr class="more" hx-get="([^"]+)"', page)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert seen == expected and len(expected) > 25


def test_bundles_leave_the_name_key_out_and_hq_computes_it(net, client):
    from inscrm.pinyin import sort_key
    from inscrm.sync.tables import sent_fields

    assert "name_key" not in {f.name for f in sent_fields(Customer)}
    with client.application.app_context():
        rows = list(Customer.select(Customer.name, Customer.name_key))
    assert rows and all(c.name_key == sort_key(c.name) for c in rows)


def test_hq_360_page_is_read_only_and_names_the_owning_branch(client):
    with client.application.app_context():
        customer = Customer.get(Customer.id_number == KEY_ID, Customer.origin == "B2")
    page = text(client.get(f"/hq/customers/{customer.id}"))
    assert "第2支公司" in page[page.index('id="owner"'):]
    assert "¥25,000.00" in page
    assert not re.search(r'href="[^"]*/(edit|new)\b', page)
    assert "hx-post" not in page.replace("/id-number", "")  # nothing to change here
    fragment = text(client.get(f"/hq/customers/{customer.id}", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="hq-customer"' in fragment
    # the branch's own page name leads here
    assert client.get(f"/customers/{customer.id}").headers["Location"].endswith(
        f"/hq/customers/{customer.id}")


def test_the_full_id_number_is_for_the_administrator_and_audited(net, client):
    with client.application.app_context():
        customer = Customer.get(Customer.id_number == KEY_ID, Customer.origin == "B1")
    token = csrf_token(client, "/hq/")
    path = f"/hq/customers/{customer.id}/id-number"
    assert client.post(path, headers={"X-CSRFToken": token}).status_code == 403
    admin = hq_client(net, "admin")
    page = text(admin.post(path, headers={"X-CSRFToken": csrf_token(admin, "/hq/"),
                                          "HX-Request": "true"}))
    assert KEY_ID in page


def test_name_pieces_carry_their_branch_and_hq_searches_one_branch_s_pieces(net, client):
    from inscrm.customers import search
    from inscrm.models import NameGram, User, db

    with client.application.app_context():
        assert {o for (o,) in NameGram.select(NameGram.origin).distinct().tuples()} == {
            "B1", "B2", "B3"}
        assert "name_gram_origin" in {i.name for i in db.get_indexes("name_gram")}
        indexes = {i.name for i in db.get_indexes("customer")}
        assert {"customer_live_origin_segment_key", "customer_live_origin_premium"} <= indexes
        analyst = User.get(User.username == "ana")
        found = search.search(analyst, search.Query(text="张", origin="B2"))
        expected = (Customer.live().where(Customer.origin == "B2",
                                          Customer.name.contains("张")).count())
        assert found.count == expected > 0
        assert {c.origin for c in found.customers} == {"B2"}
    with net.open("B1"):  # a branch's own pieces, written here, carry its code; no HQ index
        assert {o for (o,) in NameGram.select(NameGram.origin).distinct().tuples()} == {"B1"}
        assert "name_gram_origin" not in {i.name for i in db.get_indexes("name_gram")}
        assert "customer_live_origin_segment_key" not in {
            i.name for i in db.get_indexes("customer")}
