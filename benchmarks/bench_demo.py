"""Time `inscrm demo`: generate 100,000 customers (or --customers N) in a temporary data dir.

    .venv/bin/python benchmarks/bench_demo.py [--customers 100000] [--seed 1]

Prints the wall-clock and CPU seconds (on a shared machine the CPU time is the steadier figure),
the rows written per table and the rows per second.
"""

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from inscrm import create_app
from inscrm.demo import generate
from inscrm.sites import initialise


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as data_dir:
        app = create_app({"DATA_DIR": data_dir, "STARTUP_TASKS": False})
        with app.app_context():
            initialise("DEMO", "嘉兴演示支公司", "admin", "demo-admin")
            wall, cpu = time.perf_counter(), time.process_time()
            counts = generate(args.customers, seed=args.seed, today=dt.date.today())
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = (Path(data_dir) / "inscrm.db").stat().st_size
        rows = sum(counts.values())
        print(f"demo {args.customers:,} customers: {wall:.1f} s wall, {cpu:.1f} s CPU, "
              f"{rows:,} rows ({rows / wall:,.0f} rows/s), database {size / 2**20:,.0f} MB")
        for table, count in counts.items():
            print(f"  {table:<16} {count:>10,}")


if __name__ == "__main__":
    main()
