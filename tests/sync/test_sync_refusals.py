"""Every refused bundle: one line naming the file and the reason, exit 1, nothing changed."""

import shutil
import zipfile

import pytest
from network import Network

from inscrm.models import Site


@pytest.fixture(scope="module")
def net(tmp_path_factory, module_database_url):
    net = Network(tmp_path_factory.mktemp("refusals"), branches=2, hq_url=module_database_url)
    net.run("B1", "demo", "--history-months", 0, "--customers", 5)
    return net


@pytest.fixture(scope="module")
def good(net):
    return net.export("B1", "HQ", name="good.bundle")


def refused(net, site, path, reason):
    before = net.counts(site)
    result = net.invoke(site, "sync", "import", str(path))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and str(path) in lines[0] and reason in lines[0], result.output
    assert "Traceback" not in result.output
    assert net.counts(site) == before
    return lines[0]


@pytest.mark.parametrize("where", [0.0, 0.2, 0.5, 0.8, 0.97, 0.999])
def test_altered_bytes_anywhere(net, good, tmp_path, where):
    data = bytearray(good.read_bytes())
    data[int(len(data) * where)] ^= 0x5A
    bad = tmp_path / "altered.bundle"
    bad.write_bytes(bytes(data))
    line = refused(net, "HQ", bad, "")
    assert "refused" in line


def test_an_altered_copy_of_an_applied_bundle_is_refused_not_taken_for_it(net, tmp_path):
    applied = net.export("B1", "HQ")
    net.import_("HQ", applied)
    data = bytearray(applied.read_bytes())
    data[len(data) // 2] ^= 0x5A  # inside the payload; the signed manifest is intact
    copy = tmp_path / "copy.bundle"
    copy.write_bytes(bytes(data))
    line = refused(net, "HQ", copy, "")
    assert "already applied" not in line and ("altered" in line or "damaged" in line)


def test_truncated_file(net, good, tmp_path):
    bad = tmp_path / "truncated.bundle"
    bad.write_bytes(good.read_bytes()[: len(good.read_bytes()) * 2 // 3])
    refused(net, "HQ", bad, "truncated")


def test_not_a_bundle(net, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("客户名单", encoding="utf-8")
    refused(net, "HQ", bad, "not a sync bundle")


def test_wrong_addressee(net, good):
    refused(net, "B2", good, "addressed to HQ, not to this site (B2)")


def test_unknown_sender(net, tmp_path):
    net.add_branch("B7", "第七支公司")
    bundle = net.export("B7", "HQ")
    with net.open("HQ"):
        Site.update(sign_key=None).where(Site.code == "B7").execute()
    try:
        refused(net, "HQ", bundle, "not registered here")
    finally:
        with net.open("HQ"):
            Site.delete().where(Site.code == "B7").execute()


def test_signed_with_another_sites_key(net, tmp_path):
    keys_b1 = net.dirs["B1"] / "keys"
    saved = tmp_path / "b1-keys"
    shutil.copytree(keys_b1, saved)
    shutil.rmtree(keys_b1)
    shutil.copytree(net.dirs["B2"] / "keys", keys_b1)  # B1's PC holds B2's key files
    try:
        forged = net.export("B1", "HQ")
    finally:
        shutil.rmtree(keys_b1)
        shutil.copytree(saved, keys_b1)
    refused(net, "HQ", forged, "signature does not match B1's key")


def test_newer_format_or_schema(net, monkeypatch):
    from inscrm.sync import bundle, export

    monkeypatch.setattr(bundle, "FORMAT", 2)
    newer_format = net.export("B1", "HQ")
    monkeypatch.undo()
    monkeypatch.setattr(export, "LATEST", 99)
    newer_schema = net.export("B1", "HQ")
    monkeypatch.undo()
    refused(net, "HQ", newer_format, "newer InsCRM (bundle format 2")
    refused(net, "HQ", newer_schema, "newer InsCRM (schema 99")


def test_a_gap_in_sequences_names_the_missing_range(net, tmp_path):
    net.import_("HQ", net.export("B1", "HQ"))
    net.import_("B1", net.export("HQ", "B1"))  # B1 now knows HQ has everything
    net.run("B1", "user", "add", "gapper", "--role", "agent", "--password", "gapper-pass")
    ahead = net.export("B1", "HQ")
    with net.open("HQ"):
        from inscrm.models import PeerState

        PeerState.update(applied=1).where(PeerState.site == "B1").execute()
    line = refused(net, "HQ", ahead, "changes 2–")
    assert "are missing" in line


def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_bomb_member_path_and_oversized_member(net, tmp_path):
    bomb = _zip(tmp_path / "bomb.bundle", {"manifest.json": b"0" * (50 << 20),
                                          "signature": b"x", "payload.bin": b"x"},
                zipfile.ZIP_DEFLATED)
    refused(net, "HQ", bomb, "zip bomb")
    escape = _zip(tmp_path / "escape.bundle", {"../manifest.json": b"{}", "signature": b"x",
                                              "payload.bin": b"x"})
    refused(net, "HQ", escape, "unsafe member path ../manifest.json")
    big = _zip(tmp_path / "big.bundle", {"manifest.json": b" " * (2 << 20), "signature": b"x",
                                        "payload.bin": b"x"})
    refused(net, "HQ", big, "member manifest.json is too large")
