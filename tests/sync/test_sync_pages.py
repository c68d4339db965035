"""The sync pages: a branch downloads its bundle and uploads HQ's; HQ uploads many at once, reads
the ledger and the lagging branches, registers branches; refusals are one line on a 4xx page."""

import datetime as dt
import io
import re

import pytest
from network import PASSWORD, Network

from inscrm import create_app
from inscrm.models import PeerState, Site, SyncLedger
from tests.helpers import login, post

HX = {"HX-Request": "true"}


@pytest.fixture
def net(tmp_path, database_url):
    net = Network(tmp_path, branches=2, hq_url=database_url)
    net.run("B1", "demo", "--history-months", 0, "--customers", 8, "--seed", 3)
    net.run("B1", "user", "add", "clerk", "--role", "agent", "--password", "clerk-pass-1")
    net.run("HQ", "user", "add", "reader", "--role", "analyst", "--password", "reader-pass-1")
    return net


def signed_in(net, site, username="admin", password=PASSWORD, **config):
    """A test client on the site's app, signed in (a new app each time: one database at once)."""
    app = create_app({"TESTING": True, "DATA_DIR": str(net.dirs[site]), "STARTUP_TASKS": False,
                      "DATABASE_URL": net.urls.get(site, ""), **config})
    client = app.test_client()
    login(client, username, password)
    return client


def closed(response):
    """The response read and closed, as the server closes it (its files go)."""
    response.get_data()
    response.close()
    return response


def upload(client, *files, htmx=False):
    """POST files, given as (name, bytes), to the site's upload."""
    data = {"files": [(io.BytesIO(raw), name) for name, raw in files]}
    return closed(post(client, "/sync/import", data=data, htmx=htmx,
                       content_type="multipart/form-data"))


def download(client, path, **form):
    response = post(client, path, data=form)
    assert response.status_code == 200, response.get_data(as_text=True)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    name = re.search(r'filename="?([^";]+)', disposition).group(1)
    return name, closed(response).get_data()


def counts(net, site):
    """Rows per synced table and in the ledger; not the audit log, which the sign-ins write."""
    counts = net.counts(site)
    counts.pop("audit_log")
    with net.open(site):
        counts["ledger"] = SyncLedger.select().count()
    return counts


def outcome_lines(html):
    return re.findall(r'<li class="(ok|error)">([^<]*)</li>', html)


def test_branch_page_full_and_fragment(net):
    client = signed_in(net, "B1")
    full = client.get("/sync/")
    html = full.get_data(as_text=True)
    assert full.status_code == 200 and "<html" in html and 'id="sync"' in html
    assert 'href="/sync/"' in html  # the navigation has the entry
    unacknowledged = int(re.search(r'data-unacknowledged="(\d+)"', html).group(1))
    assert unacknowledged > 0
    fragment = client.get("/sync/", headers=HX)
    assert "HX-Request" in fragment.headers["Vary"]
    part = fragment.get_data(as_text=True)
    assert "<html" not in part and part.lstrip().startswith('<div id="sync">')
    assert 'hx-post="/sync/import"' in part


def test_a_round_through_the_pages(net):
    name, bundle = download(signed_in(net, "B1"), "/sync/export")
    assert re.fullmatch(r"B1-to-HQ-\d{8}-\d{6}\.bundle", name)

    hq = signed_in(net, "HQ")
    response = upload(hq, (name, bundle), htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    [(kind, line)] = outcome_lines(html)
    assert kind == "ok" and line.startswith(f"{name}: ") and "B1" in line
    assert net.owned("HQ", "B1") == net.owned("B1", "B1")
    hq = signed_in(net, "HQ")
    page = hq.get("/sync/").get_data(as_text=True)
    row = re.search(r'<tr data-site="B1"[^>]*>(.*?)</tr>', page, re.S).group(1)
    with net.open("HQ"):
        applied = PeerState.get(PeerState.site == "B1").applied
    assert f'<td class="num">{applied}</td>' in row
    again = upload(signed_in(net, "HQ"), (name, bundle))  # a replay changes nothing
    assert again.status_code == 200
    [(_, line)] = outcome_lines(again.get_data(as_text=True))
    assert line == f"{name}: 已导入过；未做任何更改"

    back_name, back = download(signed_in(net, "HQ"), "/sync/export/B1", kind="changes")
    assert back_name.startswith("HQ-to-B1-")
    branch = signed_in(net, "B1")
    response = upload(branch, (back_name, back))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert outcome_lines(html)[0][0] == "ok"
    # HQ acknowledged all but the sign-in since the export: the user's last login, its audit
    assert 'data-unacknowledged="2"' in html


def test_hq_uploads_many_bundles_at_once_in_any_order(net):
    net.run("B2", "demo", "--history-months", 0, "--customers", 5, "--seed", 4)
    first = net.export("B1", "HQ").read_bytes()
    net.run("B1", "user", "add", "later", "--role", "agent", "--password", "later-pass-1")
    second = net.export("B1", "HQ").read_bytes()
    other = net.export("B2", "HQ").read_bytes()
    response = upload(signed_in(net, "HQ"), ("b1-second.bundle", second), ("b2.bundle", other),
                      ("b1-first.bundle", first))
    lines = outcome_lines(response.get_data(as_text=True))
    assert response.status_code == 200 and [kind for kind, _ in lines] == ["ok"] * 3
    assert [line.split(":")[0] for _, line in lines] == ["b1-second.bundle", "b2.bundle",
                                                         "b1-first.bundle"]
    for code in ("B1", "B2"):
        assert net.owned("HQ", code) == net.owned(code, code)


def test_a_refused_file_is_one_line_on_a_4xx_page_and_changes_nothing(net):
    good = net.export("B1", "HQ").read_bytes()
    before = counts(net, "HQ")
    for htmx in (False, True):
        response = upload(signed_in(net, "HQ"), ("客户名单.txt", "不是同步包".encode()),
                          htmx=htmx)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert ("<html" in html) is not htmx
        assert outcome_lines(html) == [("error", "客户名单.txt: 不是同步包")]
        assert "Traceback" not in html
    assert counts(net, "HQ") == before
    # B1's bundle taken to B2 by mistake: addressed to someone else
    response = upload(signed_in(net, "B2"), ("b1.bundle", good))
    assert response.status_code == 422
    assert outcome_lines(response.get_data(as_text=True)) == [
        ("error", "b1.bundle: 收件方是 HQ，不是本站点（B2）")]
    # altered bytes, beside a good file: the good one applies, the altered one changes nothing
    altered = bytearray(good)
    altered[len(altered) // 2] ^= 0x5A
    response = upload(signed_in(net, "HQ"), ("altered.bundle", bytes(altered)),
                      ("good.bundle", good))
    lines = outcome_lines(response.get_data(as_text=True))
    assert response.status_code == 422, lines
    assert lines[0][0] == "error" and lines[0][1].startswith("altered.bundle: ")
    assert lines[1][0] == "ok"
    with net.open("HQ"):
        assert SyncLedger.select().count() == 1


def test_upload_limits_name_the_file(net):
    good = net.export("B1", "HQ").read_bytes()
    before = counts(net, "HQ")
    client = signed_in(net, "HQ", SYNC_MAX_BUNDLE=256 << 10)
    big = b"PK" + b"\0" * (300 << 10)  # small enough for the test client to keep in memory
    response = upload(client, ("big.bundle", big), htmx=True)
    [(kind, line)] = outcome_lines(response.get_data(as_text=True))
    assert response.status_code == 413 and kind == "error"
    assert line.startswith("big.bundle: ") and "0.25 MB" in line
    client = signed_in(net, "HQ", SYNC_MAX_UPLOAD=len(good) // 2)
    response = upload(client, ("good.bundle", good))
    assert response.status_code == 413
    assert "inscrm sync import" in response.get_data(as_text=True)
    assert counts(net, "HQ") == before


def test_hq_registers_a_branch_and_the_file_joins_it(net, tmp_path):
    hq = signed_in(net, "HQ")
    bad = post(hq, "/sync/branches", data={"code": "x", "name": "第三支公司"})
    assert bad.status_code == 400
    assert "站点代码" in bad.get_data(as_text=True) or "site code" in bad.get_data(as_text=True)
    taken = post(hq, "/sync/branches", data={"code": "B1", "name": "重复"})
    assert taken.status_code == 400 and "B1" in taken.get_data(as_text=True)
    name, raw = download(hq, "/sync/branches", code="b3", name="第三支公司")
    assert name == "B3.registration"
    registration = tmp_path / name
    registration.write_bytes(raw)
    assert list((net.dirs["HQ"] / "sync-files").iterdir()) == []  # HQ keeps no copy
    net.dirs["B3"] = tmp_path / "b3"
    net.join("B3", registration)
    net.import_("HQ", net.export("B3", "HQ"))
    with net.open("HQ"):
        assert PeerState.get(PeerState.site == "B3").applied > 0
        assert Site.get(Site.code == "B3").name == "第三支公司"


def test_lagging_branches_and_their_setting(net):
    net.import_("HQ", net.export("B1", "HQ"))
    with net.open("HQ"):
        PeerState.update(last_import_at=dt.datetime.now() - dt.timedelta(days=5)).where(
            PeerState.site == "B1").execute()
        Site.update(created_at=dt.datetime.now() - dt.timedelta(days=30)).where(
            Site.code == "B2").execute()
    hq = signed_in(net, "HQ")
    page = hq.get("/sync/").get_data(as_text=True)
    lagging = re.search(r'<section class="card" id="sync-lagging">(.*?)</section>', page,
                        re.S).group(1)
    assert 'data-site="B2"' in lagging and 'data-site="B1"' not in lagging
    refused = post(hq, "/sync/lag", data={"days": "0"}, htmx=True)
    assert refused.status_code == 400 and "1 到 365" in refused.get_data(as_text=True)
    saved = post(hq, "/sync/lag", data={"days": "3"}, htmx=True)
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "<html" not in html
    lagging = re.search(r'id="sync-lagging">(.*?)</section>', html, re.S).group(1)
    assert 'data-site="B1"' in lagging and 'data-site="B2"' in lagging
    assert 'name="days" min="1" max="365" value="3"' in html
    listing = net.run("HQ", "branch", "list").output
    assert "B1" in listing and listing.count("LAGGING") == 2


def test_the_ledger_page_of_a_branch_shows_its_bundles_and_rejected_rows(net):
    net.import_("HQ", net.export("B1", "HQ"))
    with net.open("HQ"):
        row = SyncLedger.get(SyncLedger.site == "B1")
        row.rejected = [{"table": "customer", "uid": "0190-abc", "reason": "a row of site B2"}]
        row.save()
    hq = signed_in(net, "HQ", "reader", "reader-pass-1")
    for headers in ({}, HX):
        response = hq.get("/sync/branches/B1", headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and ("<html" in html) is not bool(headers)
        assert "0190-abc" in html and "a row of site B2" in html
    assert hq.get("/sync/branches/NOPE").status_code == 404


def test_who_may_use_the_pages(net):
    clerk = signed_in(net, "B1", "clerk", "clerk-pass-1")
    assert clerk.get("/sync/").status_code == 403
    assert post(clerk, "/sync/export").status_code == 403
    assert 'href="/sync/"' not in clerk.get("/").get_data(as_text=True)
    reader = signed_in(net, "HQ", "reader", "reader-pass-1")
    page = reader.get("/sync/").get_data(as_text=True)
    assert 'id="sync-branches"' in page and 'id="sync-register"' not in page
    assert upload(reader, ("x.bundle", b"x")).status_code == 403
    assert post(reader, "/sync/export/B1", data={"kind": "changes"}).status_code == 403
    assert post(reader, "/sync/branches", data={"code": "B9", "name": "九"}).status_code == 403
    assert post(reader, "/sync/lag", data={"days": "3"}).status_code == 403


def test_a_standalone_installation_has_no_one_to_sync_with(client):
    login(client)
    html = client.get("/sync/").get_data(as_text=True)
    assert "尚未加入总部" in html and 'action="/sync/export"' not in html
    response = post(client, "/sync/export")
    assert response.status_code == 400
