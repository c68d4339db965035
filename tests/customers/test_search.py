"""The one-box search: name pieces, numbers, filters, keyset pages, the capped count, the index."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from inscrm.customers import search
from inscrm.db import names as name_index
from inscrm.models import Customer, NameGram, User, Vehicle
from tests.helpers import make_customer, make_policy, make_township, make_user


def names(page):
    return [c.name for c in page.customers]


def find(text, user=None, **filters):
    user = user or User.get(User.username == "admin")
    return search.search(user, search.Query(text=text, **filters))


@pytest.fixture
def people(ctx):
    made = {}
    for name in ("张三", "张伟", "王张华", "李四", "欧阳建国", "嘉兴建国汽车销售有限公司",
                 "王建国"):
        made[name] = make_customer(name=name)
    return made


def test_one_character_finds_it_anywhere_in_the_name(people):
    assert names(find("张")) == ["王张华", "张三", "张伟"]  # pinyin order: wang < zhang
    assert find("张").count == 3 and not find("张").capped


def test_two_and_three_character_substrings(people):
    assert names(find("建国")) == sorted(["欧阳建国", "嘉兴建国汽车销售有限公司", "王建国"])
    assert names(find("王建国")) == ["王建国"]
    assert names(find("建国汽车")) == ["嘉兴建国汽车销售有限公司"]
    assert names(find("国建")) == []


def test_numbers_by_prefix(people):
    zhang = people["张三"]
    Customer.update(phone="13957312345").where(Customer.id == zhang.id).execute()
    assert names(find("1395731")) == ["张三"]
    assert len(find("138").customers) == 6
    assert names(find(zhang.id_number)) == ["张三"]
    assert names(find(zhang.id_number[:17])) == ["张三"]
    Vehicle.create(customer=people["李四"], plate="浙FD12345")
    assert names(find("浙FD12345")) == ["李四"]
    assert names(find("浙fd 123")) == ["李四"]
    make_policy(people["王建国"], policy_no="PDAA202533040000012345")
    assert names(find("PDAA2025330400000123")) == ["王建国"]
    assert names(find("pdaa202533040000012345")) == ["王建国"]


def test_a_short_number_asks_for_more(people):
    page = find("13")
    assert page.hint and page.customers == []


def test_filters_combine_with_the_text(people):
    town = make_township(name="新丰镇")
    Customer.update(township=town, kind="corporate").where(
        Customer.id == people["张伟"].id).execute()
    assert names(find("张", township=town.id)) == ["张伟"]
    assert names(find("", township=town.id, kind="corporate")) == ["张伟"]
    assert names(find("张", kind="corporate")) == ["张伟"]
    assert names(find("张", segment="key")) == []


def test_name_index_follows_renames_tombstones_and_rebuilds(people):
    zhang = people["张三"]
    zhang.name = "赵三"
    zhang.save()
    assert "赵三" in names(find("赵")) and "赵三" not in names(find("张"))
    zhang.deleted = True
    zhang.save()
    assert names(find("赵")) == []
    before = NameGram.select().count()
    NameGram.delete().execute()
    name_index.rebuild_name_index()
    assert NameGram.select().count() == before
    assert names(find("建国")) == sorted(["欧阳建国", "嘉兴建国汽车销售有限公司", "王建国"])


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_keyset_pages_walk_every_match_once_in_every_sort(ctx, role):
    agent = make_user(role="agent")
    town = make_township(manager=agent)
    for n in range(23):
        # an agent's scope comes in two parts (own, unassigned in own towns), merged per page
        customer = make_customer(name=f"陈{n:02d}", township=town,
                                 manager=agent if n % 2 else None)
        Customer.update(
            annual_premium=Decimal(n % 5) * 1000,
            last_contact_date=None if n % 3 == 0 else dt.date(2025, 1, 1 + n % 4),
        ).where(Customer.id == customer.id).execute()
    admin = User.get(User.username == "admin") if role == "admin" else agent
    for sort in search.SORTS:
        for text in ("陈", ""):
            seen, cursor = [], None
            while True:
                page = search.search(admin, search.Query(text=text, sort=sort), cursor, limit=5)
                seen += [c.id for c in page.customers]
                if page.next_cursor is None:
                    break
                cursor = search.decode_cursor(page.next_cursor)
            assert len(seen) == len(set(seen)) == 23, (sort, text)
            rows = Customer.select().where(Customer.id.in_(seen))
            by_id = {c.id: c for c in rows}
            ordered = [by_id[i] for i in seen]
            if sort == "premium":
                keys = [c.annual_premium for c in ordered]
                assert keys == sorted(keys, reverse=True)
            if sort == "contact":
                dated = [c.last_contact_date for c in ordered if c.last_contact_date]
                assert dated == sorted(dated, reverse=True)
                assert all(c.last_contact_date is None for c in ordered[len(dated):])
            if sort == "name":
                assert [c.name for c in ordered] == sorted(c.name for c in ordered)


def test_count_is_capped(ctx, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 4)
    for n in range(6):
        make_customer(name=f"周{n}")
    page = find("周")
    assert page.capped and page.count == 4 and len(page.customers) == 6


def test_an_agent_searches_only_own_customers(ctx):
    agent, other = make_user(role="agent"), make_user(role="agent")
    make_customer(name="孙一", manager=agent)
    make_customer(name="孙二", manager=other)
    make_customer(name="孙三", township=make_township(manager=agent))
    assert names(find("孙", user=agent)) == ["孙三", "孙一"]  # san1 < yi1


def test_a_customer_moved_to_another_agent_is_found_by_the_new_one_only(ctx):
    agent, other = make_user(role="agent"), make_user(role="agent")
    moved = make_customer(name="钱多多", manager=agent)
    assert names(find("钱", user=agent)) == ["钱多多"] and names(find("钱", user=other)) == []
    Customer.update(manager=other).where(Customer.id == moved.id).execute()  # any write path
    assert names(find("钱", user=agent)) == [] and names(find("钱", user=other)) == ["钱多多"]
    pieces = NameGram.select(NameGram.manager_id).where(NameGram.customer_id == moved.id)
    assert {row.manager_id for row in pieces} == {other.id}
    Customer.update(manager=None).where(Customer.id == moved.id).execute()
    assert names(find("钱", user=other)) == []  # unassigned, in no town of theirs


def test_a_malformed_cursor_is_ignored():
    assert search.decode_cursor("not json") is None
    assert search.decode_cursor(json.dumps(["a", "b"])) is None
    assert search.decode_cursor(json.dumps(["张", 5])) == ("张", 5)


def test_bulk_loads_pause_the_index_and_rebuild_it(ctx):
    make_customer(name="韩梅梅")
    with name_index.name_index_paused():
        make_customer(name="韩小明")
        assert names(find("韩")) == ["韩梅梅"]  # not indexed while paused
    assert names(find("韩")) == ["韩梅梅", "韩小明"]  # mei2 < xiao3
    make_customer(name="韩三")  # the triggers are back
    assert len(find("韩").customers) == 3


def test_an_agents_common_surname_is_counted_and_paged_from_their_own_pieces(ctx, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    agent = make_user(role="agent")
    town = make_township(manager=agent)
    for n in range(5):
        make_customer(name=f"何{n}", manager=agent)
        make_customer(name=f"何{n}甲", manager=None, township=town)
        make_customer(name=f"何{n}乙", manager=make_user(role="agent"))
    page = find("何", user=agent)
    assert page.capped and page.count == 3
    assert names(page) == sorted(f"何{n}{s}" for n in range(5) for s in ("", "甲"))
    page = find("何", user=agent, sort="premium")
    assert len(page.customers) == 10


def test_search_and_the_customer_pages_share_one_scope_rule(ctx):
    agent, other = make_user(), make_user()
    town, other_town = make_township(manager=agent), make_township(manager=other)
    expected = {
        make_customer(name="自己的客户", manager=agent).id,
        make_customer(name="本镇未分配", township=town).id,
        make_customer(name="本镇已分配给自己", township=town, manager=agent).id,
    }
    make_customer(name="本镇别人的客户", township=town, manager=other)
    make_customer(name="别镇未分配", township=other_town)
    make_customer(name="别人的客户", manager=other)
    visible = {c.id for c in Customer.visible_to(agent)}
    assert visible == expected
    assert {c.id for c in find("", user=agent).customers} == expected
    assert {c.id for c in find("客户", user=agent).customers} == {
        c.id for c in Customer.visible_to(agent).where(Customer.name.contains("客户"))}


def all_pages(user, query, limit=2):
    """Every page of a search, following the cursors the pages carry."""
    got, cursor = [], None
    while True:
        page = search.search(user, query, cursor=cursor, limit=limit)
        got += names(page)
        if page.next_cursor is None:
            return got
        cursor = search.decode_cursor(page.next_cursor)


def test_the_list_pages_through_names_in_pinyin_order(ctx):
    agent = make_user(role="agent")
    town = make_township(manager=agent)
    # code point order would be 张 (U+5F20) < 李 < 王 < 白 < 阿 < 陈 < 韩
    for name, manager in [("张华", agent), ("李华", None), ("王华", agent), ("白华", None),
                          ("阿华", agent), ("陈华", None), ("韩华", agent), ("陈华", agent)]:
        make_customer(name=name, manager=manager, township=town if manager is None else None)
    order = ["阿华", "白华", "陈华", "陈华", "韩华", "李华", "王华", "张华"]
    admin = User.get(User.username == "admin")
    assert all_pages(admin, search.Query()) == order
    assert all_pages(admin, search.Query(text="华")) == order  # the name index's walk
    assert all_pages(admin, search.Query(text="华", kind="individual")) == order
    # an agent's two parts (own customers, unassigned ones of their towns) merged page by page
    assert all_pages(agent, search.Query(text="华")) == order
    assert all_pages(agent, search.Query()) == order


def test_the_bulk_writer_computes_the_name_key_of_every_row(ctx):
    from inscrm.db import bulk, stamps
    from inscrm.pinyin import sort_key

    table = bulk.Table(Customer, ["kind", "name"], stamps.stamp())
    table.add("individual", "重庆张")
    table.add("individual", "白雪")
    table.flush()
    keys = dict(Customer.select(Customer.name, Customer.name_key).tuples())
    assert keys["重庆张"] == sort_key("重庆张") and keys["白雪"] == sort_key("白雪")
    assert names(find("")) == ["白雪", "重庆张"]


def test_many_rows_written_at_once_are_indexed_as_a_rebuild_would(ctx):
    """The triggers keep the index for writes of many rows in one statement (PostgreSQL reads
    an INSERT's new rows as one table): the pieces equal those of a rebuild from scratch."""
    from inscrm.db import bulk, stamps

    def pieces():
        return sorted(NameGram.select(NameGram.gram, NameGram.name, NameGram.customer_id,
                                      NameGram.manager_id).tuples())

    town, manager = make_township(name="新丰镇"), make_user("agent7", role="agent")
    table = bulk.Table(Customer, ["kind", "name", "manager", "township", "deleted"],
                       stamps.stamp())
    for name, deleted in (("张三丰", False), ("李建国", False), ("王五", True)):
        table.add("individual", name, manager.id, town.id, deleted)
    table.flush()
    assert {c for _, c, *_ in pieces()} == {"张三丰", "李建国"}  # the tombstone has none
    zhang = Customer.get(Customer.name == "张三丰").id
    bulk.update_rows(Customer, ["name", "seq"], ["id"], [("张三", stamps.stamp()["seq"], zhang)])
    kept = pieces()
    assert "张三丰" not in {name for _, name, *_ in kept} and ("张三", "张三") in {
        (gram, name) for gram, name, *_ in kept}
    NameGram.delete().execute()
    name_index.rebuild_name_index()
    assert pieces() == kept


@pytest.mark.parametrize("walk_from", [1000, 3])  # sorted from the phone index, or walked
def test_a_number_many_share_pages_in_name_order_without_collecting_them(
        ctx, monkeypatch, walk_from):
    monkeypatch.setattr(search, "FEW", 2)
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    monkeypatch.setattr(search, "WALK_FROM", walk_from)
    agent = make_user(role="agent")
    for n, name in enumerate(["张华", "白华", "陈华", "阿华", "韩华", "李华", "王华"]):
        make_customer(name=name, phone=f"0573-87{n:06d}", manager=agent if n % 2 else None)
    gone = make_customer(name="安华", phone="0573-87999999")
    gone.deleted = True
    gone.save()
    make_customer(name="艾华", phone="0573-88000000")  # another exchange
    admin = User.get(User.username == "admin")
    order = ["阿华", "白华", "陈华", "韩华", "李华", "王华", "张华"]
    assert all_pages(admin, search.Query(text="0573-87")) == order
    page = find("0573-87")
    assert page.capped and page.count == 5
    # premiums all equal: the newest first
    assert all_pages(admin, search.Query(text="0573-87", sort="premium")) == [
        "王华", "李华", "韩华", "阿华", "陈华", "白华", "张华"]
    assert all_pages(agent, search.Query(text="0573-87")) == ["阿华", "白华", "李华"]
    listed = search.matching(Customer.live(), search.Query(text="0573-87"))
    assert sorted(c.name for c in listed) == sorted(order)


def _plan(query):
    """The engine's plan for a query, as text naming its scans and indexes."""
    return _plan_of(*query.sql())


def _plan_of(sql, params):
    from inscrm.db import engines
    from inscrm.models import db

    if engines.is_postgres():
        return json.dumps(db.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params).fetchone())
    return " | ".join(row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))


def test_a_number_prefix_is_read_by_its_own_index_and_a_wide_one_walked_on_the_index_alone(ctx):
    """A prefix's matches come from the phone index, then sorted: in name order they may
    cluster far down the list (a landline exchange's companies), where a walk of the name index
    would read every row before them. A prefix so many share that it is walked instead is
    tested on the name index itself, which carries the numbers."""
    from inscrm.db import bulk, engines, stamps
    from inscrm.models import db

    table = bulk.Table(Customer, ["kind", "name", "phone"], stamps.stamp())
    for n in range(1500):
        table.add("individual", f"安{n}", f"138{n:08d}")
        # the exchange's companies, all after the people in name order; 30 on 0573-87
        table.add("company", f"郑氏{n}有限公司", f"0573-8{6 + (n < 30)}{n:06d}")
    table.flush()
    db.execute_sql("ANALYZE customer")

    def first_rows(text, walked):
        prefix = search._Prefix(Customer.phone, text)
        return search._first_rows(Customer.live().where(prefix.walked() if walked else prefix),
                                  Customer.name_key, False, 51, walked)

    read, walked = first_rows("0573-8", walked=False), first_rows("0573-8", walked=True)
    assert [c.id for c in read] == [c.id for c in walked]  # the same page either way
    assert len(list(read)) == 51
    assert "customer_live_phone_key" in _plan(first_rows("0573-87", walked=False))
    if not engines.is_postgres():  # which reads a table this small whole, and sorts it
        assert "COVERING INDEX customer_live_name_numbers" in _plan(walked)


@pytest.mark.parametrize("by_manager", [False, True])
def test_a_list_by_premium_is_read_from_its_index_in_order_not_sorted(ctx, caplog, by_manager):
    """Premiums are never NULL: the list by premium asks for no NULL order, which PostgreSQL
    could only give by sorting every customer (one branch at HQ: 0.15 s), and reads its
    ascending index backwards instead, as SQLite does."""
    import logging

    from inscrm.db import engines
    from inscrm.models import db

    agent = make_user(role="agent")
    for n in range(40):
        make_customer(name=f"客户{n}", manager=agent if n % 2 else None,
                      annual_premium=Decimal(n * 100))
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        page = find("", sort="premium", manager=agent.id if by_manager else None)
    premiums = [c.annual_premium for c in page.customers]
    assert premiums == sorted(premiums, reverse=True) and len(premiums) == 40 - 20 * by_manager
    pages = [record.msg for record in caplog.records
             if isinstance(record.msg, tuple) and "ORDER BY" in record.msg[0]
             and "annual_premium" in record.msg[0].split("ORDER BY")[-1]]
    assert pages
    for sql, params in pages:
        if engines.is_postgres():
            db.execute_sql("SET enable_sort = off")  # a plan that can do without one
            try:
                assert '"Node Type": "Sort"' not in _plan_of(sql, params)
            finally:
                db.execute_sql("RESET enable_sort")
        else:
            assert "TEMP B-TREE" not in _plan_of(sql, params)
