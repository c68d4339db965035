"""Synthetic customers, policies, claims and contacts for benchmarks (when no demo data is at hand).

Roughly what the demo data holds: 70% of customers insured with us at some time, yearly
renewals with lapses, a few competitor policies, intermediaries, tenders, claims on a quarter
of the policies, contacts with intents, and a handful of blacklist entries.
"""

import datetime as dt
import random

from peewee import chunked

from inscrm import create_app
from inscrm.db import stamps
from inscrm.models import Activity, BlacklistEntry, Claim, Customer, Policy, db
from inscrm.sites import initialise


def _bulk(model, rows):
    stamp = stamps.stamp()
    for batch in chunked(rows, 500):
        model.insert_many([{**row, **stamp} for row in batch]).execute()


def generate(data_dir, n, seed=1):
    """Fill a new data directory with n customers and their business."""
    app = create_app({"DATA_DIR": data_dir, "STARTUP_TASKS": False, "TESTING": True})
    rnd = random.Random(seed)
    today = dt.date.today()
    with app.app_context():
        db.connect(reuse_if_open=True)
        initialise("BENCH", "基准测试", "admin", "bench-admin-1")
        with db.atomic():
            _bulk(Customer, [{
                "kind": "individual" if i % 10 else "corporate", "name": f"客户{i}",
                "id_number": f"33040219800101{i:06d}"[-18:],
                "credit": "bad" if i % 50 == 0 else "good",
                "intermediary_type": "agency" if i % 1000 == 0 else None,
            } for i in range(n)])
            ids = [r[0] for r in db.execute_sql("SELECT id FROM customer").fetchall()]
            agencies = ids[::1000]
            policies, claims_for = [], []
            for cid in ids:
                if rnd.random() > 0.7:
                    continue
                start = today - dt.timedelta(days=rnd.randint(0, 365 * 5))
                for _ in range(rnd.choice((1, 1, 2, 2, 3, 4))):
                    premium = rnd.choice((800, 1500, 3000, 6000, 20000, 60000))
                    policies.append({
                        "policy_no": f"P{len(policies):09d}", "customer": cid,
                        "premium": premium, "start_date": start,
                        "end_date": start + dt.timedelta(days=364),
                        "cancelled": rnd.random() < 0.02,
                        "insurer": "人保财险" if rnd.random() < 0.05 else "",
                        "channel": "tender" if rnd.random() < 0.01 else "direct",
                        "intermediary": rnd.choice(agencies) if rnd.random() < 0.2 else None,
                    })
                    start += dt.timedelta(days=365 + rnd.choice((0, 0, 0, 10, 40, 400)))
                    if start > today:
                        break
            _bulk(Policy, policies)
            rows = db.execute_sql("SELECT id, customer_id, start_date, premium FROM policy")
            for pid, cid, start, cents in rows.fetchall():
                for _ in range(rnd.choice((0, 0, 0, 1, 1, 2))):
                    loss = dt.date.fromisoformat(start) + dt.timedelta(days=rnd.randint(0, 364))
                    claims_for.append({
                        "claim_no": f"C{len(claims_for):09d}", "policy": pid, "customer": cid,
                        "loss_date": min(loss, today), "paid": cents / 100 * rnd.random(),
                        "status": rnd.choice(("closed", "closed", "open", "declined")),
                    })
            _bulk(Claim, claims_for)
            _bulk(Activity, [{
                "customer": rnd.choice(ids), "outcome": rnd.choice(("interested", "quoted",
                                                                    "none", "lost")),
                "date": today - dt.timedelta(days=rnd.randint(0, 700)),
            } for _ in range(n // 5)])
            _bulk(BlacklistEntry, [{
                "customer": rnd.choice(ids), "reason": "fraud", "unit": "基准测试",
                "reported_on": today - dt.timedelta(days=rnd.randint(0, 700)),
            } for _ in range(n // 1000)])
