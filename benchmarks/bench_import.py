"""Import benchmark: a 300,000-row policies CSV with its customers into an empty data directory.

    .venv/bin/python benchmarks/bench_import.py [--policies 300000] [--keep DIR]

Generates deterministic files (one customer per three policies, Chinese names, valid resident
IDs), imports customers then policies with `inscrm.imports.load.import_file`, then loads the same
parsed rows with raw `sqlite3.executemany` in one transaction into the same tables of another
empty data directory: the ceiling. Prints both times, the ratio, and the peak memory of the import
(targets: ≤ 3× the ceiling, ≤ 300 MB).
"""

import argparse
import csv
import datetime as dt
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inscrm import create_app  # noqa: E402
from inscrm.db.ids import uuid7  # noqa: E402
from inscrm.imports.load import import_file  # noqa: E402
from inscrm.sites import initialise  # noqa: E402
from inscrm.validators import parse_date, parse_money, resident_id_check_digit  # noqa: E402

PRODUCTS = ("商业车险", "交强险", "企业财产险", "家庭财产险", "意外险")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def generate(folder, policies):
    """Write customers.csv and policies.csv; return their paths."""
    rng = random.Random(1)
    customers = policies // 3
    customers_csv, policies_csv = folder / "customers.csv", folder / "policies.csv"
    with customers_csv.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["customer_ref", "kind", "name", "id_number", "phone", "source"])
        for i in range(customers):
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=i // 1000)  # unique with the serial
            first17 = f"330402{birth:%Y%m%d}{i % 1000:03d}"
            out.writerow([f"C{i:07d}", "个人", rng.choice(SURNAMES) + f"客户{i}",
                          first17 + resident_id_check_digit(first17),
                          f"13{rng.randrange(10**9):09d}", "核心系统"])
    with policies_csv.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["policy_no", "customer_ref", "product", "channel", "premium",
                      "sum_insured", "start_date", "end_date", "cancelled"])
        for i in range(policies):
            start = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000))
            out.writerow([f"P{i:09d}", f"C{i % customers:07d}", rng.choice(PRODUCTS), "直接",
                          f"{rng.randrange(50_000, 2_000_000) / 100:,.2f}",
                          str(rng.randrange(1, 100) * 10_000),
                          f"{start:%Y-%m-%d}", f"{start + dt.timedelta(days=364):%Y-%m-%d}",
                          "否"])
    return customers_csv, policies_csv


def new_data_dir(path):
    app = create_app({"DATA_DIR": str(path), "STARTUP_TASKS": False, "TESTING": True})
    with app.app_context():
        initialise("BENCH", "基准", "admin", "bench-pass-1")
    return app


def run_import(app, files, again=False):
    """(wall, cpu) seconds per file."""
    timings = []
    with app.app_context():
        for path in files:
            wall, cpu = time.perf_counter(), time.process_time()
            summary = import_file(path, app.config["BACKUPS"])
            timings.append((time.perf_counter() - wall, time.process_time() - cpu))
            expected = summary.unchanged if again else summary.inserted
            assert summary.imported and expected == summary.rows, summary.counts_line()
            print(f"  {summary.counts_line()}  ({timings[-1][0]:.1f} s, "
                  f"CPU {timings[-1][1]:.1f} s)")
    return timings


def parsed_rows(customers_csv, policies_csv):
    """The files' rows parsed to database values, as the ceiling inserts them."""
    stamp = {"seq": 1, "version": "0000000000000-0000000001-BENCH", "origin": "BENCH"}
    customers, refs, ids = [], [], {}
    with customers_csv.open(encoding="utf-8-sig", newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=1):
            ids[row["customer_ref"]] = n
            customers.append((n, uuid7(), stamp["origin"], stamp["version"], stamp["seq"], 0,
                              "individual", row["name"], "resident_id", row["id_number"],
                              row["phone"], "core_system", "unknown", "floating", 0, "", now()))
            refs.append((uuid7(), stamp["origin"], stamp["version"], stamp["seq"], 0, n, "core",
                         row["customer_ref"]))
    policies = []
    with policies_csv.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            policies.append((uuid7(), stamp["origin"], stamp["version"], stamp["seq"], 0,
                             row["policy_no"], "core", ids[row["customer_ref"]], row["product"],
                             "direct", "", int(parse_money(row["premium"]) * 100),
                             int(parse_money(row["sum_insured"]) * 100),
                             str(parse_date(row["start_date"])),
                             str(parse_date(row["end_date"])), 0))
    return customers, refs, policies


def now():
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


def ceiling(db_path, customers, refs, policies):
    """Raw executemany of the parsed rows in one transaction into the same tables."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=1")
    conn.execute("PRAGMA foreign_keys=1")
    conn.execute("PRAGMA cache_size=-64000")
    wall, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO customer (id, uid, origin, version, seq, deleted, kind, name, id_type, "
        "id_number, phone, source, credit, segment, annual_premium, notes, created_at, "
        "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [row + (row[-1],) for row in customers])
    conn.executemany(
        "INSERT INTO customer_ref (uid, origin, version, seq, deleted, customer_id, source, ref) "
        "VALUES (?,?,?,?,?,?,?,?)", refs)
    conn.executemany(
        "INSERT INTO policy (uid, origin, version, seq, deleted, policy_no, source, "
        "customer_id, product, channel, insurer, premium, sum_insured, start_date, end_date, "
        "cancelled) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", policies)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - wall, time.process_time() - cpu
    conn.close()
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=300_000)
    parser.add_argument("--keep", help="work in this folder and keep it")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="inscrm-bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.policies:,} policies and {args.policies // 3:,} customers in "
          f"{folder}")
    files = generate(folder, args.policies)
    for path in files:
        print(f"  {path.name}: {path.stat().st_size / 1e6:.1f} MB")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("import (validate, upsert by reference, one transaction per file, backup first):")
    app = new_data_dir(folder / "import")
    timings = run_import(app, files)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("re-import of the same files (must change nothing):")
    again = run_import(app, files, again=True)
    wall = sum(t[0] for t in timings)
    cpu = sum(t[1] for t in timings)

    print("ceiling (the same parsed rows, raw sqlite3.executemany, one transaction):")
    rows = parsed_rows(*files)
    ceiling_app = new_data_dir(folder / "ceiling")
    raw_wall, raw_cpu = ceiling(ceiling_app.config["DATABASE"], *rows)
    print(f"  {raw_wall:.1f} s, CPU {raw_cpu:.1f} s")
    print()
    print("             wall      CPU")
    print(f"import     {wall:6.1f} s {cpu:6.1f} s   (customers {timings[0][0]:.1f} s, "
          f"policies {timings[1][0]:.1f} s wall)")
    print(f"ceiling    {raw_wall:6.1f} s {raw_cpu:6.1f} s")
    print(f"re-import  {sum(t[0] for t in again):6.1f} s {sum(t[1] for t in again):6.1f} s   "
          "(nothing written)")
    print(f"ratio      {wall / raw_wall:6.2f} × {cpu / raw_cpu:6.2f} ×   (target ≤ 3)")
    print(f"peak memory  {peak:.0f} MB  (process peak during the import; before it "
          f"{rss_before:.0f} MB; target ≤ 300 MB)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (CPU time is the "
          "fairer figure on a busy machine)")


if __name__ == "__main__":
    main()
