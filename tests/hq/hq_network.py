"""A headquarters with three branches, built through the real CLI and real bundles
(`tests/sync/network.py`), holding a few people on purpose beside the demo customers:

- 张网络 (KEY_ID) at B1 with ¥30,000 and at B2 with ¥25,000 of annual premium: standard at each
  branch, key across the network (¥55,000 ≥ ¥50,000, at 2 branches); a claim of ¥4,000 at B1
  (paid 3,000 + reserve 1,000), a declined one at B2 and a competitor's policy at B2;
- 李黑名 (BLACK_ID) blacklisted for fraud at B1, holding a policy at B3: a cross-branch hit;
- 王单店 (SINGLE_ID) at B2 only.

    net = build(tmp_path)             # bundles of B1–B3 applied at HQ
    client = hq_client(net, "ana")    # a logged-in test client at HQ (analyst ana)
"""

import datetime as dt

from inscrm import create_app
from inscrm.blacklist import workflow
from tests.helpers import login, make_claim, make_customer, make_policy, resident_id
from tests.sync.network import PASSWORD, Network

KEY_ID = resident_id("19700101", 11)
BLACK_ID = resident_id("19750505", 22)
SINGLE_ID = resident_id("19800808", 33)
ANALYST_PASSWORD = "analyst-pass-1"
TODAY = dt.date.today()


def _person(name, id_number, premium, start_days_ago=30, **fields):
    customer = make_customer(name=name, id_number=id_number, **fields)
    make_policy(customer, start=TODAY - dt.timedelta(days=start_days_ago), premium=premium)
    return customer


def build(root, customers=25, hq_url=None):
    net = Network(root, branches=3, hq_url=hq_url)
    for n, code in enumerate(net.branches, 1):
        net.run(code, "demo", "--customers", customers, "--seed", n)
    with net.open("B1"):
        zhang = _person("张网络", KEY_ID, "30000.00", phone="13900000001")
        make_claim(zhang.policies.get(), loss_date=TODAY - dt.timedelta(days=10),
                   paid="3000.00", reserve="1000.00", status="open")
        black = _person("李黑名", BLACK_ID, "2000.00")
        workflow.report(black, "fraud", "第1支公司理赔部", "三次可疑出险")
    with net.open("B2"):
        zhang = _person("张网络", KEY_ID, "25000.00", phone="13900000002")
        make_claim(zhang.policies.get(), paid="5000.00", status="declined")
        make_policy(zhang, start=TODAY - dt.timedelta(days=5), premium="9000.00",
                    insurer="某财险")
        _person("王单店", SINGLE_ID, "1200.00")
    with net.open("B3"):
        _person("李黑名", BLACK_ID, "3000.00")
    for code in net.branches:
        net.run(code, "classify")
        net.import_("HQ", net.export(code, "HQ"))
    net.run("HQ", "user", "add", "ana", "--role", "analyst", "--password", ANALYST_PASSWORD)
    return net


def hq_app(net, site="HQ"):
    return create_app({"TESTING": True, "DATA_DIR": str(net.dirs[site]),
                       "DATABASE_URL": net.urls.get(site, ""), "STARTUP_TASKS": False})


def hq_client(net, username="ana", site="HQ"):
    """A test client logged in at the site (HQ's analyst ana, or any site's admin)."""
    app = hq_app(net, site)
    client = app.test_client()
    login(client, username, ANALYST_PASSWORD if username == "ana" else PASSWORD)
    return client


def text(response):
    return response.get_data(as_text=True)
