"""Network flags: HQ evaluates each person over every branch; a network-key person and a
cross-branch blacklist hit reach the right branches with their reasons, beside each branch's
own segment; unchanged flags do not travel again; a flag that stops holding is withdrawn."""

import datetime as dt

from inscrm.desktop import daily
from inscrm.hq import flags
from inscrm.models import Customer, Meta, NetworkFlag, Policy
from inscrm.segments.reasons import describe
from inscrm.sync.bundle import read_manifest
from tests.hq.hq_network import BLACK_ID, KEY_ID, SINGLE_ID, hq_client, text

KEY_REASON = "全网年保费 ¥55,000.00 ≥ ¥50,000.00，涉及 2 个支公司"


def zh(reason):
    from flask_babel import force_locale, gettext

    with force_locale("zh"):
        return describe(reason, gettext)


def flags_at(net, site):
    """{(addressee, ID number): (segment, reason in Chinese)} of the live flags at a site."""
    with net.open(site) as app, app.test_request_context():
        return {(f.addressee, f.id_number): (f.segment, zh(f.reason))
                for f in NetworkFlag.live()}


def flag_rows_in(bundle):
    """How many network-flag rows a bundle carries, by its manifest."""
    zf, _, manifest, _ = read_manifest(bundle)
    zf.close()
    return manifest["rows"].get("network_flag", 0)


def test_recompute_flags_network_key_and_blacklisted_people_at_their_branches(net):
    output = net.run("HQ", "hq", "recompute").output
    assert "2 persons flagged; 4 added" in output
    at_hq = flags_at(net, "HQ")
    assert set(at_hq) == {("B1", KEY_ID), ("B2", KEY_ID), ("B1", BLACK_ID), ("B3", BLACK_ID)}
    assert at_hq[("B2", KEY_ID)] == ("key", KEY_REASON)
    segment, reason = at_hq[("B3", BLACK_ID)]
    assert segment == "blacklist" and "第1支公司" in reason and "恶意骗赔" in reason
    assert not any(number == SINGLE_ID for _, number in at_hq)

    again = net.run("HQ", "hq", "recompute").output
    assert "0 added, 0 changed, 0 removed" in again


def test_flags_reach_only_their_branches_and_show_beside_the_branch_s_own_segment(net):
    net.run("HQ", "hq", "recompute")
    for code in net.branches:
        bundle = net.export("HQ", code)
        assert flag_rows_in(bundle) == (2 if code == "B1" else 1)
        net.import_(code, bundle)
    assert set(flags_at(net, "B2")) == {("B2", KEY_ID)}
    assert set(flags_at(net, "B3")) == {("B3", BLACK_ID)}
    assert set(flags_at(net, "B1")) == {("B1", KEY_ID), ("B1", BLACK_ID)}

    branch = hq_client(net, "admin", site="B2")
    with branch.application.app_context():
        zhang = Customer.get(Customer.id_number == KEY_ID)
        assert zhang.segment == "standard"  # the branch's own segment stays the branch's
    page = text(branch.get(f"/customers/{zhang.id}"))
    start = page.index('id="customer-header"')
    header = page[start:page.index("</header>", start)]
    assert "标准客户" in header and KEY_REASON in header and "全网：重要客户" in header
    fragment = text(branch.get(f"/customers/{zhang.id}", headers={"HX-Request": "true"}))
    assert KEY_REASON in fragment

    # once B2 acknowledged them, and nothing changed, the next bundle down carries no flag
    net.import_("HQ", net.export("B2", "HQ"))
    net.run("HQ", "hq", "recompute")
    assert flag_rows_in(net.export("HQ", "B2")) == 0


def test_a_flag_that_stops_holding_is_withdrawn_at_the_branch(net):
    net.run("HQ", "hq", "recompute")
    with net.open("B2"):
        policy = Policy.select().join(Customer).where(Customer.id_number == KEY_ID,
                                                      Policy.insurer == "").get()
        policy.cancelled = True
        policy.save()
    net.round("B2")
    output = net.run("HQ", "hq", "recompute").output
    assert "2 removed" in output  # ¥30,000 alone is below ¥50,000, at B1 and B2
    for code in ("B1", "B2"):
        net.import_(code, net.export("HQ", code))
    assert ("B1", KEY_ID) not in flags_at(net, "B1")
    assert set(flags_at(net, "B1")) == {("B1", BLACK_ID)}


def test_a_branch_never_sends_flags_up(net):
    with net.open("B3"):
        NetworkFlag.create(addressee="B3", id_number=SINGLE_ID, segment="key", reason=[],
                           evaluated_on=dt.date.today())
    bundle = net.export("B3", "HQ")
    net.import_("HQ", bundle)
    with net.open("HQ"):
        assert not NetworkFlag.select().where(NetworkFlag.origin == "B3").exists()


def test_the_daily_work_at_hq_computes_flags_and_reclassifies_no_branch_row(net):
    with net.open("HQ"):
        before = dict(Customer.select(Customer.id, Customer.version).tuples())
        flags.recompute()  # nothing arrived since: the daily step has nothing to do
        assert flags.recompute_if_due() is None
        Meta.set_value(flags.LAST_RUN, "2000-01-01")  # a new day
        daily._day_work()
        assert flags.last_run() == dt.date.today()
        warmed = Meta.select().where(Meta.key.contains("hq-comparison"))
        assert warmed.exists()  # and this year's branch comparison is ready
        assert dict(Customer.select(Customer.id, Customer.version).tuples()) == before


def test_hq_lists_the_flagged_people(net):
    client = hq_client(net)
    page = text(client.get("/hq/flags"))
    assert "李黑名" in page and "恶意骗赔" in page
    only_key = text(client.get("/hq/flags?segment=key"))
    assert "李黑名" not in only_key
    fragment = text(client.get("/hq/flags", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="flags"' in fragment


def test_hq_refuses_flags_a_branch_sends(net):
    from inscrm.models import Site
    from inscrm.sync.apply import _Context

    with net.open("HQ"):
        context = _Context(Site.current(), Site.get(Site.code == "B3"), {"kind": "changes"})
        message, params = context._refusal(NetworkFlag, "B3")
        assert "only HQ writes" in message and params == {"sender": "B3"}
        assert context._refusal(Customer, "B3") is None


def test_recompute_refuses_a_bad_date_and_a_branch_in_one_line(net):
    bad = net.invoke("HQ", "hq", "recompute", "--as-of", "2025-13-40")
    assert bad.exit_code == 2 and "not a date" in bad.output
    branch = net.invoke("B1", "hq", "recompute")
    assert branch.exit_code == 1 and "this is a branch" in branch.output
    assert "Traceback" not in bad.output + branch.output
