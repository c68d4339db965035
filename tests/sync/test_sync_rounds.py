"""Bundles between branches and HQ: replay, shuffle, loss, scopes side by side, privacy."""

import random

import pytest
from network import Network

from inscrm.models import BlacklistEntry, Customer, CustomerRef, Site, SyncLedger, Township, User


@pytest.fixture
def net(tmp_path, database_url):
    net = Network(tmp_path, branches=2, hq_url=database_url)
    for n, code in enumerate(net.branches, 1):
        net.run(code, "demo", "--history-months", 0, "--customers", 30, "--seed", n)
    return net


def test_first_round_brings_every_owned_row_to_hq_and_a_replay_changes_nothing(net):
    bundle = net.export("B1", "HQ")
    first = net.import_("HQ", bundle)
    assert "applied full bundle from B1" in first.output
    assert net.owned("HQ", "B1") == net.owned("B1", "B1")
    before = net.counts("HQ")
    again = net.import_("HQ", bundle)
    assert "already applied" in again.output
    assert net.counts("HQ") == before
    with net.open("HQ"):
        assert SyncLedger.select().count() == 1


def _edit(net, code, seed):
    """A few edits at a branch through the domain code, as the pages make them."""
    rng = random.Random(seed)
    with net.open(code):
        customers = list(Customer.live().where(Customer.owned_here()).order_by(Customer.id))
        for customer in rng.sample(customers, 3):
            customer.notes = f"edit {seed}"
            customer.save()
        victim = rng.choice(customers)
        victim.deleted = True
        victim.save()


def test_shuffled_duplicated_and_lost_bundles_converge_to_the_union(net):
    bundles = []
    for step in range(3):
        for code in net.branches:
            _edit(net, code, step * 10 + len(code))
            bundles.append(net.export(code, "HQ"))
    lost = bundles.pop(2)  # never arrives: the next cumulative bundle of B1 covers it
    assert lost.exists()
    delivery = bundles + bundles[:2]
    random.Random(4).shuffle(delivery)
    net.import_("HQ", *delivery)
    for code in net.branches:
        assert net.owned("HQ", code) == net.owned(code, code)


def test_identical_codes_townships_and_user_names_stay_side_by_side_at_hq(net):
    for code in net.branches:
        net.run(code, "user", "add", "clerk", "--role", "agent", "--password", "clerk-pass-1")
        with net.open(code):
            town, _ = Township.get_or_create(district="南湖区", name="新丰镇")
            customer = Customer.create(name=f"同名{code}", township=town)
            CustomerRef.create(customer=customer, source="core", ref="C0001")
        net.import_("HQ", net.export(code, "HQ"))
    with net.open("HQ"):
        assert Township.select().where(Township.name == "新丰镇").count() == 2
        assert CustomerRef.select().where(CustomerRef.ref == "C0001").count() == 2
        clerks = User.select().where(User.username == "clerk")
        assert sorted(u.origin for u in clerks) == ["B1", "B2"]
        assert all(u.password_hash == "" for u in clerks)
        assert User.select().where(User.username == "admin").count() == 3
    # a branch's staff cannot log in at HQ; HQ's administrator is HQ's own
    from inscrm.users import LoginRefused, authenticate

    with net.open("HQ"):
        with pytest.raises(LoginRefused):
            authenticate("clerk", "clerk-pass-1")
        assert authenticate("admin", "site-pass-123").origin == "HQ"


def test_the_bundle_bytes_hold_no_name_phone_or_id_number_in_clear(net):
    with net.open("B1"):
        customer = Customer.live().where(Customer.id_number.is_null(False)).first()
        secrets = [customer.name, customer.phone, customer.id_number]
    raw = net.export("B1", "HQ").read_bytes()
    for text in secrets:
        assert text.encode("utf-8") not in raw
        assert text.encode("utf-16-le") not in raw


def test_a_blacklist_entry_at_one_branch_turns_the_same_person_blacklist_at_another(net):
    from tests.helpers import resident_id

    number = resident_id("19700101", 77)
    with net.open("B1"):
        reported = Customer.create(name="甲", id_type="resident_id", id_number=number)
        BlacklistEntry.create(customer=reported, id_number=number, name="甲", reason="fraud",
                              reported_on="2025-01-01")
    with net.open("B2"):
        Customer.create(name="甲", id_type="resident_id", id_number=number)
    net.round("B1")
    net.round("B2")
    net.run("B2", "classify")
    with net.open("B2"):
        twin = Customer.get(Customer.id_number == number)
        assert twin.segment == "blacklist"
        assert Site.get(Site.code == "B1").name  # the branch list came down too
        from inscrm.sync.registry import flagged_customers

        assert [c.id for c in flagged_customers()] == [twin.id]


def test_a_late_bundle_after_a_newer_one_was_acknowledged_changes_nothing(net):
    with net.open("B1"):
        customer = Customer.live().where(Customer.owned_here()).first()
        uid = customer.uid
        customer.notes = "old"
        customer.save()
    old = net.export("B1", "HQ")
    with net.open("B1"):
        Customer.update(notes="new").where(Customer.uid == uid).execute()
    net.import_("HQ", net.export("B1", "HQ"))
    net.import_("B1", net.export("HQ", "B1"))  # acknowledged: the next bundle starts later
    late = net.import_("HQ", old)
    assert "(0 newer)" in late.output
    net.import_("HQ", net.export("B1", "HQ"))
    with net.open("HQ"):
        assert Customer.get(Customer.uid == uid).notes == "new"
    assert net.owned("HQ", "B1") == net.owned("B1", "B1")


def test_references_within_a_table_arrive_whatever_the_order_and_the_chunks(net, monkeypatch):
    """Renewal chains across chunks, back and forward, and a cycle: HQ links each policy to
    the one it renews, as the branch does."""
    from inscrm.sync import apply
    from tests.helpers import make_policy

    monkeypatch.setattr(apply, "CHUNK_ROWS", 4)
    with net.open("B1"):
        customer = Customer.live().where(Customer.owned_here()).first()
        chain = [make_policy(customer) for _ in range(11)]
        for older, newer in zip(chain, chain[1:], strict=False):
            newer.renewal_of = older
            newer.save()
        chain[0].renewal_of = chain[-1]  # a reference forward, closing a cycle
        chain[0].save()
    net.import_("HQ", net.export("B1", "HQ"))
    assert net.owned("HQ", "B1") == net.owned("B1", "B1")
    with net.open("HQ"):
        from inscrm.models import Policy

        linked = Policy.select().where(Policy.uid.in_([p.uid for p in chain]),
                                       Policy.renewal_of.is_null(False)).count()
        assert linked == len(chain)


def test_on_postgresql_an_applied_bundle_leaves_its_tables_vacuumed_and_analyzed(
        tmp_path, pg_template, monkeypatch):
    """Autovacuum waits for a table to grow by a fifth; without a VACUUM after each bundle the
    covering indexes of an HQ of a million customers had to visit the rows they name."""
    from tests.pg_server import fresh_database

    server_url, template = pg_template
    with fresh_database(server_url, template=template) as url:
        monkeypatch.setenv("INSCRM_DATABASE_URL", url)
        net = Network(tmp_path, branches=1, hq_url=url)
        net.run("B1", "demo", "--history-months", 0, "--customers", 30, "--seed", 1)
        net.import_("HQ", net.export("B1", "HQ"))
        with net.open("HQ"):
            from inscrm.db import engines
            from inscrm.models import db

            tidied = dict(db.execute_sql(
                "SELECT relname, last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
                "FROM pg_stat_user_tables WHERE relname IN ('customer', 'name_gram', 'policy')"
            ).fetchall())
            engines.close_all()
    assert tidied == {"customer": True, "name_gram": True, "policy": True}
