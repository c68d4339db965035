"""Rules owned by HQ: a draft's simulated migration matrix equals what the branches' own
reclassification under the published thresholds gives; publishing is the administrator's,
audited, and reaches every branch in its next bundle."""

import time

import pytest

from inscrm.hq import simulation
from inscrm.models import AuditLog, Customer, RuleDraft, RuleSettings, User
from inscrm.segments import rules
from tests.helpers import csrf_token
from tests.hq.hq_network import hq_client, text

DRAFT = {"key_annual_premium": "20000", "quality_claim_free_years": "2"}


@pytest.fixture(scope="module")
def settled(net):
    """Every branch has HQ's bundle (the relayed blacklist entries) and classified under it,
    and HQ has their segments back: stored segments are what the rules in force give today."""
    for code in net.branches:
        net.import_(code, net.export("HQ", code))
        net.run(code, "classify")
        net.import_("HQ", net.export(code, "HQ"))
    return net


def segments_at(net, code):
    with net.open(code):
        return {c.uid: (c.segment, c.annual_premium) for c in Customer.live()}


def test_the_simulated_matrix_is_what_each_branch_s_reclassification_gives(settled):
    net = settled
    with net.open("HQ"):
        admin = User.get(User.username == "admin", User.origin == "HQ")
        row = simulation.simulate(simulation.draft(DRAFT, admin, "lower key threshold"))
        result = row.result
        simulation.publish(row, admin)
    moved = {b["code"]: b for b in result["branches"]}
    assert result["network"]["moved"] > 0
    for code in net.branches:
        before = segments_at(net, code)
        net.import_(code, net.export("HQ", code))
        with net.open(code):
            assert rules.current()["key_annual_premium"] == "20000.00"
        net.run(code, "classify")
        after = segments_at(net, code)
        cells = {}
        for uid, (old, premium) in before.items():
            pair = f"{old}>{after[uid][0]}"
            n, total = cells.get(pair, (0, 0))
            cells[pair] = (n + 1, total + premium)
        assert {pair: [n, str(total)] for pair, (n, total) in cells.items()} == \
            moved[code]["cells"], code
    assert moved["B1"]["cells"].get("standard>key", [0])[0] >= 1  # 张网络's ¥30,000


def test_only_an_administrator_publishes_and_a_stale_draft_must_be_simulated_again(settled):
    net = settled
    analyst = hq_client(net)
    token = csrf_token(analyst, "/hq/rules")
    response = analyst.post("/hq/rules/drafts", data={"key_annual_premium": "45000",
                                                      "csrf_token": token})
    assert response.status_code == 303
    draft_url = response.headers["Location"]
    for _ in range(100):  # the simulation runs in a thread of its own
        page = text(analyst.get(draft_url))
        if 'id="matrix-network"' in page:
            break
        time.sleep(0.1)
    assert 'id="matrix-B1"' in page and 'id="matrix-network"' in page
    assert "Publish" not in page and "发布到各支公司" not in page  # not the analyst's to do
    draft_id = int(draft_url.rsplit("/", 1)[1])
    refused = analyst.post(f"/hq/rules/drafts/{draft_id}/publish", data={"csrf_token": token})
    assert refused.status_code == 403
    with analyst.application.app_context():
        assert RuleDraft.get_by_id(draft_id).status == "draft"
        # the rules change under the draft: it must be simulated again before it is published
        rules.save({"blacklist_quota": 6}, note="quota")
    admin = hq_client(net, "admin")
    admin_token = csrf_token(admin, "/hq/rules")
    stale = admin.post(f"/hq/rules/drafts/{draft_id}/publish", data={"csrf_token": admin_token})
    assert stale.status_code == 400 and "重新模拟" in text(stale)
    with admin.application.app_context():
        simulation.simulate(RuleDraft.get_by_id(draft_id))
        versions = RuleSettings.live().where(RuleSettings.origin == "HQ").count()
    done = admin.post(f"/hq/rules/drafts/{draft_id}/publish", data={"csrf_token": admin_token})
    assert done.status_code == 303
    with admin.application.app_context():
        assert RuleSettings.live().where(RuleSettings.origin == "HQ").count() == versions + 1
        assert rules.current()["key_annual_premium"] == "45000.00"
        entry = AuditLog.select().where(AuditLog.action == "rules_published").order_by(
            AuditLog.id.desc()).get()
        assert entry.username == "admin" and entry.details["draft"] == draft_id
        assert RuleDraft.get_by_id(draft_id).status == "published"


def test_a_bad_or_empty_draft_is_refused_with_the_field_named(settled):
    client = hq_client(settled)
    token = csrf_token(client, "/hq/rules")
    bad = client.post("/hq/rules/drafts", data={"key_annual_premium": "lots",
                                                "csrf_token": token})
    assert bad.status_code == 400 and "重要客户" in text(bad) and "lots" in text(bad)
    empty = client.post("/hq/rules/drafts", data={"csrf_token": token})
    assert empty.status_code == 400
    with client.application.app_context():
        assert not RuleDraft.select().where(RuleDraft.changes.contains("lots")).exists()


def test_rule_pages_with_and_without_htmx(settled):
    client = hq_client(settled)
    page = text(client.get("/hq/rules"))
    assert 'id="hq-rules"' in page and "<html" in page
    fragment = text(client.get("/hq/rules", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="hq-rules"' in fragment
    assert client.get("/settings/rules").headers["Location"].endswith("/hq/rules")
    with client.application.app_context():
        draft_id = RuleDraft.select().order_by(RuleDraft.id).first().id
    fragment = text(client.get(f"/hq/rules/drafts/{draft_id}", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="draft"' in fragment
