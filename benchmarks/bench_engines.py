"""The same headquarters on SQLite and on PostgreSQL: prints their figures side by side.

    python benchmarks/bench_engines.py                           # 2 branches × 20,000 customers
    python benchmarks/bench_engines.py --branches 10 --customers 100000 --keep
    python benchmarks/bench_engines.py --network DIR             # the branches kept by --keep
    python benchmarks/bench_engines.py --database-url postgresql://user@host/empty_db

The branch offices are built once, through the real CLI, by bench_hq's builder: demo data, people
insured at two branches, a classification and a full bundle each for HQ. HQ starts empty (its
analyst and the branches registered) and is moved to PostgreSQL with `inscrm db copy`, so both
engines start from the same keys and registrations. Then on each engine, in this order:
  sync import  every bundle but the last into the empty HQ, each by `inscrm sync import` in a
               process of its own (on SQLite the backup written before each is included);
  under load   10 analysts signed in over HTTP request searches, person pages, read-only 360
               pages and the overview without a pause, for 60 s and until the last bundle,
               imported meanwhile, is in; an answer other than 200 or a failed request is an
               error;
  pages        on the whole HQ, median and p95 over HTTP (waitress on loopback) of the customer
               search (bench_hq's kinds together), the person page and the branch comparison
               served (targets: search p95 ≤ 50 ms on both engines);
  jobs         the branch comparison computed and a rule simulation over every customer.
Without --database-url a throwaway PostgreSQL cluster is started (tests/pg_server.py). This is
a script, not a test: it asserts nothing and prints figures.
"""

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_hq import ANALYST, build_branches, inscrm, search_paths  # noqa: E402
from bench_search import Browser, p95, serve  # noqa: E402

from inscrm.desktop.server import THREADS  # noqa: E402

ANALYSTS = 10
UNDER_LOAD = 60  # seconds at least
REQUESTS = 60  # per kind of page measured on the whole HQ


def is_search(path):
    return path.startswith("/hq/customers?")  # asked for by htmx as the search box does


def import_bundles(data_dir, url, bundles):
    """Seconds of each bundle's `inscrm sync import` (SQLite's import backups removed after
    each, outside the time: ten copies of a growing HQ would fill the disk)."""
    seconds = []
    for bundle in bundles:
        started = time.perf_counter()
        inscrm("sync", "import", bundle, data_dir=data_dir, url=url)
        seconds.append(time.perf_counter() - started)
        print(f"  imported {bundle.name} in {seconds[-1]:.1f} s", flush=True)
        for backup in (data_dir / "backups").glob("*.db"):
            backup.unlink()
    return seconds


def pages(rnd, n, codes):
    """{kind: URLs} drawn from HQ's data: search kinds, person pages, 360 pages, overview."""
    from inscrm.hq import persons
    from inscrm.models import Customer

    found, _ = persons.across_branches(limit=n * 5)
    people = rnd.sample([customer_id for *_, customer_id in found], min(n, len(found)))
    singles = [c.id for c in Customer.live(Customer.id).order_by(Customer.id).limit(n * 20)]
    return {
        **search_paths(rnd, n, codes),
        "person page": [f"/hq/persons/{i}" for i in people],
        "read-only 360 page": [f"/hq/customers/{i}" for i in rnd.sample(singles, n)],
        "network overview": ["/hq/"] * n,
    }


def under_load(base, data_dir, url, bundle, paths):
    """10 analysts working while `bundle` imports: (import seconds, {kind of page: request
    times in ms}, errors by reason); the search's kinds count as one."""
    browsers = [Browser(base).login(*ANALYST) for _ in range(ANALYSTS)]
    every = [("customer search" if is_search(path) else kind, path)
             for kind, kind_paths in paths.items() for path in kind_paths]
    times, errors, lock = {}, {}, threading.Lock()
    started = time.perf_counter()
    job = subprocess.Popen(
        [sys.executable, "-c", "from inscrm.cli import main; main()", "sync", "import",
         str(bundle), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "INSCRM_DATABASE_URL": url})

    def analyst(browser, seed):
        rnd = random.Random(seed)
        while time.perf_counter() - started < UNDER_LOAD or job.poll() is None:
            kind, path = rnd.choice(every)
            try:
                ms, _ = browser.get(path, htmx=is_search(path))
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code}"
            except OSError as exc:
                reason = type(exc).__name__
            else:
                with lock:
                    times.setdefault(kind, []).append(ms)
                continue
            with lock:
                errors[reason] = errors.get(reason, 0) + 1

    threads = [threading.Thread(target=analyst, args=(b, i)) for i, b in enumerate(browsers)]
    for thread in threads:
        thread.start()
    output, _ = job.communicate()
    imported = time.perf_counter() - started
    for thread in threads:
        thread.join()
    if job.returncode != 0:
        errors["the import failed"] = 1
        print(output, file=sys.stderr)
    return imported, times, errors


def workload(name, data_dir, url, bundles, codes):
    """The figures of one engine, as {figure: (value, unit)}."""
    from inscrm import create_app
    from inscrm.db import engines
    from inscrm.hq import comparison, simulation
    from inscrm.models import Customer, db
    from inscrm.reports import kpi

    print(f"\n{name}: importing {len(bundles) - 1} bundles", flush=True)
    figures = {}
    seconds = import_bundles(data_dir, url, bundles[:-1])
    figures["sync import, each bundle (median)"] = (statistics.median(seconds), "s")
    figures[f"sync import, {len(seconds)} bundles"] = (sum(seconds), "s")

    app = create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": url or None, "TESTING": True})
    server = serve(app, THREADS)  # as many threads as the product's server
    base = server.url.rstrip("/")
    with app.app_context():
        db.connect(reuse_if_open=True)
        before = pages(random.Random(1), 20, codes)
        db.close()
    print(f"{name}: {ANALYSTS} analysts working while {bundles[-1].name} imports", flush=True)
    imported, times, errors = under_load(base, data_dir, url, bundles[-1], before)
    figures["last bundle, imported under load"] = (imported, "s")
    every = [ms for kind_times in times.values() for ms in kind_times]
    figures["analysts' requests under load"] = (len(every), "")
    figures["analysts' errors"] = (sum(errors.values()), "")
    figures["analysts' requests, median"] = (statistics.median(every), "ms")
    figures["analysts' requests, p95"] = (p95(every), "ms")
    for kind in sorted(times):
        figures[f"under load: {kind}, p95"] = (p95(times[kind]), "ms")
    if errors:
        print(f"{name}: errors under load: {errors}", flush=True)

    print(f"{name}: pages and jobs on the whole HQ", flush=True)
    with app.app_context():
        db.connect(reuse_if_open=True)
        figures["customers at HQ"] = (Customer.live().count(), "")
        measured = pages(random.Random(2), REQUESTS, codes)
        first, last = kpi.period_bounds("year", dt.date.today())
        started = time.perf_counter()
        comparison.figures(first, last, refresh=True)
        figures["branch comparison computed"] = (time.perf_counter() - started, "s")
        started = time.perf_counter()
        simulation.result({"key_annual_premium": "40000"})
        figures["rule simulation"] = (time.perf_counter() - started, "s")
        db.close()
    browser = Browser(base).login(*ANALYST)
    searches = [path for paths in measured.values() for path in paths if is_search(path)]
    for path in searches[:20] + measured["person page"][:10]:  # warm-up
        browser.get(path, htmx=is_search(path))
    for what, paths, htmx in (("customer search (every kind)", searches, True),
                              ("person page", measured["person page"], False),
                              ("branch comparison served", ["/hq/branches"] * REQUESTS, False)):
        took = [browser.get(path, htmx)[0] for path in paths]
        figures[f"{what}, median"] = (statistics.median(took), "ms")
        figures[f"{what}, p95"] = (p95(took), "ms")
    server.stop(delay=0)
    with app.app_context():
        engines.close_all()
    return figures


def report(name, figures):
    """Print one engine's figures as soon as they are measured; return them."""
    print(f"\n{name}:")
    for key, (value, unit) in figures.items():
        print(f"  {key}: {shown(value, unit)}", flush=True)
    return figures


def shown(value, unit):
    return f"{value:,.1f} {unit}" if unit else f"{value:,.0f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=2)
    parser.add_argument("--customers", type=int, default=20_000, help="per branch")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the branches and bundles")
    parser.add_argument("--network", help="the folder --keep left (the branches are not built)")
    parser.add_argument("--engines", default="sqlite,postgresql",
                        help="which engines to measure (comma-separated)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database for HQ "
                                               "(default: a throwaway cluster)")
    args = parser.parse_args()

    from tests.pg_server import create_database, postgres_server

    root = Path(args.network or tempfile.mkdtemp(prefix="inscrm-bench-engines-"))
    empty = root / "hq-empty"
    if not empty.exists():
        print(f"building {args.branches} branches × {args.customers:,} customers in {root}",
              flush=True)
        build_branches(root, args.branches, args.customers, args.customers // 50, args.seed,
                       hq=empty)
    bundles = sorted(root.glob("B*.bundle"))
    codes = [bundle.stem for bundle in bundles]
    runs = Path(tempfile.mkdtemp(prefix="inscrm-bench-engines-hq-", dir=root))
    try:
        results = {}
        if "sqlite" in args.engines:
            on_sqlite = runs / "hq-sqlite"
            shutil.copytree(empty, on_sqlite, ignore=shutil.ignore_patterns("backups"))
            results["SQLite"] = report("SQLite", workload("SQLite", on_sqlite, "", bundles, codes))
            shutil.rmtree(on_sqlite)
        with postgres_server() if "postgresql" in args.engines else nullcontext() as server:
            if server is None:
                return
            url = args.database_url or create_database(server)
            on_postgres = runs / "hq-postgresql"  # the keys and secret; the rows by db copy
            shutil.copytree(empty, on_postgres,
                            ignore=shutil.ignore_patterns("inscrm.db*", "sessions.db*", "backups"))
            inscrm("db", "copy", "--to", url, data_dir=empty)
            results["PostgreSQL"] = report("PostgreSQL",
                                           workload("PostgreSQL", on_postgres, url, bundles, codes))
    finally:
        shutil.rmtree(runs, ignore_errors=True)
        if not (args.keep or args.network):
            shutil.rmtree(root, ignore_errors=True)

    if len(results) < 2:
        return
    print(f"\nHQ of {len(bundles)} branches × {args.customers:,} customers (figures: "
          f"{' | '.join(results)}); targets: sync import on PostgreSQL ≤ 1.5× SQLite's, "
          "search p95 ≤ 50 ms on both, no error under load\n")
    print("| figure | SQLite | PostgreSQL | PostgreSQL ÷ SQLite |")
    print("|---|---:|---:|---:|")
    for key, (value, unit) in results["SQLite"].items():
        other = results["PostgreSQL"][key][0]
        ratio = f"{other / value:.2f}×" if value else "—"
        print(f"| {key} | {shown(value, unit)} | {shown(other, unit)} | {ratio} |")


if __name__ == "__main__":
    main()
