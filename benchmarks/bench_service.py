"""Times the service plans, compliance report, care list and quote check on a large database.

    .venv/bin/python benchmarks/bench_service.py [--data-dir COPY_OF_DEMO] [--customers N]

With --data-dir it uses that data directory (a copy: the schema may be migrated); otherwise it
builds a synthetic one in a temporary folder (N customers, default 200,000). Prints figures only.
"""

import argparse
import datetime as dt
import random
import tempfile
import time
from decimal import Decimal

from peewee import chunked

from inscrm import create_app
from inscrm.customers import quote
from inscrm.db import stamps
from inscrm.db.ids import uuid7
from inscrm.models import Activity, Customer, Policy, Task, Township, User, db
from inscrm.sites import initialise
from inscrm.validators import resident_id_check_digit
from inscrm.work import care, service_plans

SEGMENTS = ["key"] * 2 + ["quality"] * 15 + ["standard"] * 40 + ["prospect"] * 20 + \
    ["floating"] * 23


def build(customers, seed=1):
    rng = random.Random(seed)
    managers = [User.create(username=f"bench{i}", password_hash="x", role="agent")
                for i in range(20)]
    towns = [Township.create(name=f"镇{i}", manager=managers[i % 20]) for i in range(40)]
    today = dt.date.today()
    rows, policies, activities = [], [], []
    for n in range(customers):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        first17 = f"330402{born:%Y%m%d}{n % 1000:03d}"
        number = first17 + resident_id_check_digit(first17)
        rows.append({"uid": uuid7(), "name": f"客户{n}", "kind": "individual",
                     "id_type": "resident_id", "id_number": number,
                     "phone": f"139{n:08d}", "segment": rng.choice(SEGMENTS),
                     "manager": managers[n % 20].id if n % 3 else None,
                     "township": towns[n % 40].id})
    with db.atomic():
        stamp = stamps.stamp()
        for batch in chunked(rows, 500):
            Customer.insert_many([{**r, **stamp} for r in batch]).execute()
        ids = [cid for (cid,) in Customer.select(Customer.id).tuples()]
        for cid in ids:
            start = today - dt.timedelta(days=rng.randrange(3000))
            policies.append({"uid": uuid7(), "policy_no": f"BP{cid}", "customer": cid,
                             "premium": Decimal(rng.randrange(500, 80000)), "start_date": start,
                             "end_date": start + dt.timedelta(days=364)})
            for _ in range(rng.randrange(4)):
                activities.append({"uid": uuid7(), "customer": cid,
                                   "kind": rng.choice(["call", "visit", "message"]),
                                   "date": today - dt.timedelta(days=rng.randrange(400))})
        for batch in chunked(policies, 500):
            Policy.insert_many([{**r, **stamp} for r in batch]).execute()
        for batch in chunked(activities, 500):
            Activity.insert_many([{**r, **stamp} for r in batch]).execute()
    return ids


def timed(label, func):
    start = time.perf_counter()
    result = func()
    print(f"{label:<48} {time.perf_counter() - start:8.2f} s")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    parser.add_argument("--customers", type=int, default=200_000)
    args = parser.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="inscrm-service-bench-")
    app = create_app({"DATA_DIR": data_dir, "STARTUP_TASKS": False})
    with app.app_context():
        db.connect(reuse_if_open=True)
        if not args.data_dir:
            initialise("BENCH", "bench", "admin", "bench-pass-1")
            timed(f"build {args.customers:,} customers", lambda: build(args.customers))
        print(f"customers {Customer.select().count():,}, activities {Activity.select().count():,}")
        today = dt.date.today()
        counts = timed("generate_service_tasks (first run)",
                       lambda: service_plans.generate_service_tasks(today))
        print(f"  {counts}")
        counts = timed("generate_service_tasks (second run, nothing new)",
                       lambda: service_plans.generate_service_tasks(today))
        print(f"  {counts}")
        with db.atomic():
            stamp = stamps.stamp()
            customers = [cid for (cid,) in Task.select(Task.customer).where(
                Task.kind == "service", Task.status == "open").limit(5000).tuples()]
            for batch in chunked(customers, 500):
                Activity.insert_many([{"uid": uuid7(), "customer": cid, "kind": "visit",
                                       "date": today, **stamp} for cid in batch]).execute()
        counts = timed(f"generate after {len(customers):,} visits were logged",
                       lambda: service_plans.generate_service_tasks(today))
        print(f"  {counts}")
        report = timed("compliance report", lambda: service_plans.compliance(today))
        print("  " + ", ".join(f"{s['segment']} {s['contacted']}/{s['customers']}"
                               for s in report["segments"]))
        items = timed("care list, next 30 days",
                      lambda: care.care_list(Customer.live(), today,
                                             today + dt.timedelta(days=29)))
        print(f"  {len(items):,} items")
        timed("care list CSV", lambda: care.to_csv(items))
        number = Customer.select(Customer.id_number).where(Customer.segment == "key").scalar()
        timed("quote check of a key customer", lambda: quote.check(number))


if __name__ == "__main__":
    main()
