"""A row HQ or a branch rejects is kept as a msgid and its figures, and the ledger pages word it
in the reader's language; rows kept in words only (older sites) read as they were written."""

from types import SimpleNamespace

from test_sync_pages import net, signed_in  # noqa: F401 (the network fixture)

from inscrm.i18n import translator
from inscrm.models import Customer, NetworkFlag, SyncLedger
from inscrm.sync import rejection_text
from inscrm.sync.apply import _Context
from tests.helpers import post


def _rejected(me, sender, model, origin):
    context = _Context(SimpleNamespace(code=me, is_hq=me == "HQ"),
                       SimpleNamespace(code=sender, is_hq=sender == "HQ"), {"kind": "changes"})
    context._reject(model, "0190-abc", *context._refusal(model, origin))
    return context.rejected[0]


def test_a_rejection_is_a_msgid_worded_for_each_reader(ctx):
    item = _rejected("HQ", "B1", Customer, "B2")
    assert item["msg"] == "a row of site %(origin)s sent by %(sender)s: only %(origin)s may " \
                          "change it" and item["params"] == {"origin": "B2", "sender": "B1"}
    assert item["reason"] == "a row of site B2 sent by B1: only B2 may change it"  # older sites
    assert rejection_text(item, translator("zh")) == "站点 B2 的记录由 B1 发来：只有 B2 可以修改"
    assert rejection_text(item, translator("en")) == item["reason"]
    flag = _rejected("HQ", "B1", NetworkFlag, "B1")
    assert rejection_text(flag, translator("zh")) == "只有总部可以写入的表中的记录，却由 B1 发来"
    assert rejection_text({"reason": "a row of site B2"}, translator("zh")) == "a row of site B2"
    odd = {"reason": "as sent", "msg": "%(missing)s", "params": {}}  # a peer's mismatched figures
    assert rejection_text(odd, translator("zh")) == "as sent"


def test_the_ledger_page_words_the_rejected_rows_in_the_readers_language(net):  # noqa: F811
    net.import_("HQ", net.export("B1", "HQ"))
    with net.open("HQ"):
        row = SyncLedger.get(SyncLedger.site == "B1")
        row.rejected = [
            {"table": "customer", "uid": "0190-new", "reason": "the row belongs to site B2",
             "msg": "the row belongs to site %(owner)s", "params": {"owner": "B2"}},
            {"table": "customer", "uid": "0190-old", "reason": "a row of site B2"},
        ]
        row.save()
    hq = signed_in(net, "HQ", "reader", "reader-pass-1")
    html = hq.get("/sync/branches/B1").get_data(as_text=True)
    assert "该记录属于站点 B2" in html and "the row belongs to site" not in html
    assert "a row of site B2" in html  # kept in words only: shown as written
    post(hq, "/language", {"lang": "en", "next": "/"})
    assert "the row belongs to site B2" in hq.get("/sync/branches/B1").get_data(as_text=True)
