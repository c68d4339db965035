"""One person across branches: grouped by ID number, never merged, with combined figures."""

import re
from decimal import Decimal

from inscrm.hq import persons
from inscrm.models import Customer
from tests.hq.hq_network import BLACK_ID, KEY_ID, SINGLE_ID, text


def customer_id(client, id_number, origin):
    with client.application.app_context():
        return Customer.get(Customer.id_number == id_number, Customer.origin == origin).id


def test_combined_figures_count_our_policies_and_counted_claims_of_every_branch(client):
    with client.application.app_context():
        figures = persons.figures([KEY_ID, SINGLE_ID])
    zhang = figures[KEY_ID]
    assert (zhang.branches, zhang.in_force) == (2, True)
    assert zhang.annual_premium == Decimal("55000.00")  # the competitor's ¥9,000 does not count
    assert (zhang.incurred_all, zhang.claims_12m) == (Decimal("4000.00"), 1)  # declined: zero
    assert zhang.loss_ratio == Decimal("0.0727")  # 4,000 / 55,000
    assert figures[SINGLE_ID].branches == 1


def test_people_at_two_branches_are_listed_by_id_number(client):
    page = text(client.get("/hq/persons"))
    assert "张网络" in page and "李黑名" in page and "王单店" not in page
    assert KEY_ID not in page  # ID numbers are masked
    fragment = text(client.get("/hq/persons", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="persons"' in fragment


def test_the_person_page_groups_each_branch_s_record_never_merged(client):
    page = text(client.get(f"/hq/persons/{customer_id(client, KEY_ID, 'B2')}"))
    records = page[page.index('id="person-records"'):page.index('id="person-blacklist"')]
    assert records.count("张网络") == 2
    assert "第1支公司" in records and "第2支公司" in records
    assert records.count("标准客户") == 2  # each branch's own segment and reason
    assert "¥30,000.00" in records and "¥25,000.00" in records
    figures = page[page.index('id="person-figures"'):]
    assert "¥55,000.00" in figures and "7.3%" in figures
    assert "某财险" in page  # every policy of every branch, competitors' too
    with client.application.app_context():
        assert Customer.live().where(Customer.id_number == KEY_ID).count() == 2


def test_the_person_page_shows_the_blacklist_entries_of_every_branch(client):
    page = text(client.get(f"/hq/persons/{customer_id(client, BLACK_ID, 'B3')}"))
    entries = page[page.index('id="person-blacklist"'):]
    assert "第1支公司理赔部" in entries and "恶意骗赔" in entries
    fragment = text(client.get(f"/hq/persons/{customer_id(client, BLACK_ID, 'B3')}",
                               headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="person"' in fragment


def test_the_box_finds_a_person_by_any_number_or_name(client):
    for q in ("张网络", "13900000002", KEY_ID):
        response = client.get("/hq/persons", query_string={"q": q})
        assert response.status_code == 302, q
        assert re.search(r"/hq/persons/\d+$", response.headers["Location"])
    assert "没有带证件号码的客户符合" in text(client.get("/hq/persons?q=查无此人"))


def test_the_360_page_leads_to_the_person(client):
    page = text(client.get(f"/hq/customers/{customer_id(client, KEY_ID, 'B1')}"))
    assert re.search(r'href="/hq/persons/\d+"', page)
