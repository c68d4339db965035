"""The network blacklist: every branch's entries, the cross-branch hits as a risk report, and
HQ's decisions about sharing an entry with the other branches."""

import io

import openpyxl

from inscrm.models import BlacklistEntry, BlacklistShare, Customer, NetworkFlag
from tests.helpers import csrf_token, post
from tests.hq.hq_network import BLACK_ID, hq_client, text


def test_every_branch_s_entries_in_one_list_with_a_branch_filter(net):
    client = hq_client(net)
    page = text(client.get("/hq/blacklist"))
    table = page[page.index('id="network-blacklist"'):]
    assert "李黑名" in table and "第1支公司理赔部" in table
    with client.application.app_context():
        origins = {e.origin for e in BlacklistEntry.live().where(BlacklistEntry.active)}
    assert origins >= {"B1"}
    only_b2 = text(client.get("/hq/blacklist?branch=B2"))
    assert "李黑名" not in only_b2
    fragment = text(client.get("/hq/blacklist", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="network-blacklist"' in fragment
    assert client.get("/blacklist/").headers["Location"].endswith("/hq/blacklist")


def test_cross_branch_hits_are_a_risk_report_with_an_export(net):
    client = hq_client(net)
    page = text(client.get("/hq/blacklist/hits"))
    report = page[page.index('id="hits"'):]
    assert "李黑名" in report and "第3支公司" in report and "¥3,000.00" in report
    assert BLACK_ID not in report
    fragment = text(client.get("/hq/blacklist/hits", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="hits"' in fragment
    response = post(client, "/hq/exports/hits.xlsx")
    try:
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    finally:
        response.close()
    assert [c.value for c in sheet[1]][:3] == ["证件号码", "客户名称", "列入黑名单的支公司"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [rows[0][2], rows[0][6]] == ["第1支公司", "第3支公司"]
    assert "*" in rows[0][0]  # the analyst's copy masks the ID number


def test_hq_withholds_an_entry_from_the_other_branches_and_shares_it_again(net):
    analyst, admin = hq_client(net), hq_client(net, "admin")
    with admin.application.app_context():
        entry = BlacklistEntry.get(BlacklistEntry.id_number == BLACK_ID)
    path = f"/hq/blacklist/{entry.id}/share"
    assert analyst.post(path, data={"shared": "0", "note": "x",
                                    "csrf_token": csrf_token(analyst, "/hq/")}
                        ).status_code == 403
    token = csrf_token(admin, "/hq/")
    refused = admin.post(path, data={"shared": "0", "csrf_token": token})
    assert refused.status_code == 400 and "原因" in text(refused)
    done = admin.post(path, data={"shared": "0", "note": "证据待核实", "csrf_token": token},
                      headers={"HX-Request": "true"})
    assert done.status_code == 200 and "证据待核实" in text(done)

    net.import_("B3", net.export("HQ", "B3"))
    with net.open("B3"):
        assert not BlacklistEntry.select().where(BlacklistEntry.id_number == BLACK_ID).exists()
    net.run("HQ", "hq", "recompute")
    with net.open("HQ"):
        assert not NetworkFlag.live().where(NetworkFlag.id_number == BLACK_ID).exists()
        assert BlacklistShare.get(BlacklistShare.entry == entry.id).shared is False

    net.import_("HQ", net.export("B3", "HQ"))  # B3 acknowledges what it was sent
    again = admin.post(path, data={"shared": "1", "csrf_token": token})
    assert again.status_code == 303
    net.import_("B3", net.export("HQ", "B3"))
    net.run("B3", "classify")
    with net.open("B3"):
        assert BlacklistEntry.select().where(BlacklistEntry.id_number == BLACK_ID).exists()
        assert Customer.get(Customer.id_number == BLACK_ID).segment == "blacklist"
