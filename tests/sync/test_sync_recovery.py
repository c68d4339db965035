"""A branch PC that died is rebuilt from a fresh `init --join` plus HQ's recovery bundle: it holds
again every row it had synced, and its next bundle (a new database epoch) is taken as a full one."""

import shutil

from network import Network

from inscrm.models import Customer, PeerState

# Rows that `init --join` makes again at the rebuilt branch (the administrator, the branch,
# the first rules): they take the recovered rows' uids and keep their own newer fields.
MADE_AGAIN = ("user", "branch", "rule_settings")


def test_a_wiped_branch_rebuilt_from_a_recovery_bundle_holds_what_it_had_synced(tmp_path,
                                                                              database_url):
    net = Network(tmp_path, branches=2, hq_url=database_url)
    net.run("B1", "demo", "--history-months", 0, "--customers", 25, "--seed", 8)
    net.run("B2", "demo", "--history-months", 0, "--customers", 5, "--seed", 9)
    registration = tmp_path / "B1.registration"  # kept on the stick it came on
    net.round("B1")
    net.round("B2")
    synced = net.owned("HQ", "B1")
    with net.open("B1"):  # a change that never reached HQ: lost with the PC
        assert Customer.update(notes="never synced").where(Customer.id == 1).execute() == 1

    shutil.rmtree(net.dirs["B1"])
    net.join("B1", registration)
    result = net.import_("B1", net.export("HQ", "B1", "--recovery"))
    assert "applied recovery bundle from HQ" in result.output

    rebuilt = net.owned("B1", "B1")
    for table, rows in synced.items():
        if table == "audit_log":  # the rebuilt branch has its own `init --join` entries too
            assert set(rows) <= set(rebuilt[table])
        elif table in MADE_AGAIN:
            assert {r[0] for r in rows} == {r[0] for r in rebuilt[table]}, table
        else:
            assert rows == rebuilt[table], table
    with net.open("B1"):
        assert Customer.select().where(Customer.notes == "never synced").count() == 0
        assert Customer.live().where(Customer.owned_here()).count() == 25
        assert Customer.select().where(~Customer.owned_here()).count() == 0  # not B2's

    up = net.import_("HQ", net.export("B1", "HQ"))  # a new epoch: a full bundle
    assert "applied full bundle from B1" in up.output
    assert net.owned("HQ", "B1") == net.owned("B1", "B1")
    with net.open("HQ"):
        assert PeerState.get(PeerState.site == "B1").applied > 0
