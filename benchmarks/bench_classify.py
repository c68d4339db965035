"""Benchmark the segment engine on a data directory; prints figures, asserts nothing.

    python benchmarks/bench_classify.py --data-dir /tmp/me-500k
    python benchmarks/bench_classify.py --data-dir /tmp/synthetic --generate 500000

Use a COPY of the demo data (the run writes segments and history). It prints the time of the
read-only aggregate query that computes the same per-customer figures (the floor), the first
full run (every customer written), a second full run (nothing changed), and the time to
re-evaluate one customer.
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inscrm import create_app  # noqa: E402
from inscrm.models import db  # noqa: E402
from inscrm.segments import engine  # noqa: E402
from inscrm.segments import sql as segment_sql  # noqa: E402


def floor_query(as_of):
    """The figures as one read-only SELECT (the same subqueries the engine materialises)."""
    ctes = ",\n".join(f"{name} AS ({select})" for name, select in segment_sql.figure_queries())
    sql = f"""WITH {ctes}
        SELECT c.id, p.in_force, p.annual, p.premium_all, p.premium_12m, p.tender, r.run_start,
               p.latest_start, k.last_loss, k.incurred, k.claims_12m, k.incurred_12m,
               ch.channel, bl.reason, a.intent_on
        FROM customer c
        LEFT JOIN seg_pol p ON p.cid = c.id LEFT JOIN seg_run r ON r.cid = c.id
        LEFT JOIN seg_clm k ON k.cid = c.id
        LEFT JOIN seg_chan ch ON ch.cid = c.id LEFT JOIN seg_bl bl ON bl.cid = c.id
        LEFT JOIN seg_act a ON a.cid = c.id
        WHERE NOT c.deleted"""
    with Timer() as timer:
        rows = db.execute_sql(sql, segment_sql.parameters(as_of)).fetchall()
    return timer, len(rows)


class Timer:
    """Wall-clock and CPU seconds of a block (SQLite runs in this process, so CPU counts it)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self):
        return f"{self.wall:.2f} s (CPU {self.cpu:.2f} s)"


def count(table):
    return db.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--generate", type=int, default=0,
                        help="first fill a NEW data directory with this many synthetic customers")
    parser.add_argument("--as-of", default=dt.date.today().isoformat())
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)

    if args.generate:
        from synthetic import generate

        generate(args.data_dir, args.generate)
    app = create_app({"DATA_DIR": args.data_dir, "STARTUP_TASKS": False, "TESTING": True})
    with app.app_context():
        db.connect(reuse_if_open=True)
        print(f"data: {count('customer'):,} customers, {count('policy'):,} policies, "
              f"{count('claim'):,} claims, {count('activity'):,} activities, "
              f"{count('blacklist_entry'):,} blacklist entries; as of {as_of}")
        floor, rows = floor_query(as_of)
        print(f"floor (read-only figures query, {rows:,} rows): {floor}")
        for run in (1, 2):
            with Timer() as timer:
                counts, changed, _seconds = engine.classify_all(as_of)
            print(f"full run {run}: {timer}, {changed:,} customers written "
                  f"({timer.wall / floor.wall:.2f}× the floor; CPU {timer.cpu / floor.cpu:.2f}×)")
        print("segments: " + ", ".join(f"{s} {n:,}" for s, n in counts.items()))
        floor_again, _rows = floor_query(as_of)
        print(f"floor again: {floor_again}")
        ids = [r[0] for r in db.execute_sql("SELECT id FROM customer").fetchall()]
        times, differ = [], 0
        for customer_id in random.Random(1).sample(ids, min(args.samples, len(ids))):
            started = time.perf_counter()
            differ += engine.classify_customer(customer_id, as_of)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"one customer ({len(times)} samples): median {statistics.median(times):.1f} ms, "
              f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, max {times[-1]:.1f} ms; "
              f"{differ} of them changed by the one-customer run (0: same as the full run)")


if __name__ == "__main__":
    main()
