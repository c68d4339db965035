"""The same HQ workload on SQLite and on PostgreSQL, figures side by side.

    python benchmarks/bench_engines.py                       # 2 branches × 20,000 customers
    python benchmarks/bench_engines.py --branches 10 --customers 100000
    python benchmarks/bench_engines.py --database-url postgresql://user@host/empty_db

Branch offices (SQLite, built once) make their demo data and send a full bundle each to HQ.
HQ is set up once on SQLite and moved to PostgreSQL with `inscrm db copy` (so both hold the
same keys and registrations); then on each engine:
  bulk load:   `inscrm demo` into a new database of that engine (the one bulk writer: COPY on
               PostgreSQL, executemany on SQLite),
  sync import: every branch bundle into HQ,
  classify:    a full segment run at HQ,
  search:      median and p95 of the one-box search (1- and 2-character names, phone prefixes)
               over 200 queries drawn from the data.
Without --database-url a throwaway PostgreSQL cluster is started (tests/pg_server.py). This is
a script, not a test: it asserts nothing and prints figures.
"""

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inscrm.cli import cli  # noqa: E402

PASSWORD = "bench-admin-1"


def run(*args, url=""):
    """`inscrm ARGS` in this process; `url` "" is the data directory's SQLite file."""
    result = CliRunner().invoke(cli, [str(a) for a in args],
                                env={"INSCRM_DATABASE_URL": url or None},
                                catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"inscrm {' '.join(map(str, args))} failed:\n{result.output}")
    return result.output


def timed(*args, url=""):
    started = time.perf_counter()
    run(*args, url=url)
    return time.perf_counter() - started


def build_network(root, branches, customers):
    """HQ on SQLite with the branches registered; each branch's full bundle for HQ."""
    hq = root / "hq"
    run("init", "--hq", "--site", "HQ", "--site-name", "总公司", "--admin-password", PASSWORD,
        "--data-dir", hq)
    bundles = []
    for n in range(1, branches + 1):
        code, branch = f"B{n:02d}", root / f"b{n:02d}"
        registration = root / f"{code}.registration"
        run("branch", "add", "--site", code, "--site-name", f"第{n}支公司", "--out",
            registration, "--data-dir", hq)
        run("init", "--join", registration, "--admin-password", PASSWORD, "--data-dir", branch)
        run("demo", "--customers", customers, "--seed", n, "--data-dir", branch)
        bundle = root / f"{code}.bundle"
        run("sync", "export", "--to", "HQ", "--out", bundle, "--data-dir", branch)
        bundles.append(bundle)
        print(f"  branch {code}: {customers:,} customers, bundle {bundle.stat().st_size:,} bytes")
    return hq, bundles


def search_times(data_dir, url, rnd, n=200):
    """Seconds per search for n queries drawn from HQ's customers."""
    from inscrm import create_app
    from inscrm.customers import search
    from inscrm.models import Customer, User, db

    app = create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        admin = User.get(User.username == "admin")
        people = [name for (name,) in Customer.select(Customer.name)
                  .where(Customer.kind == "individual").limit(5000).tuples()]
        phones = [p for (p,) in Customer.select(Customer.phone)
                  .where(Customer.phone.is_null(False)).limit(5000).tuples()]
        queries = ([rnd.choice(people)[:1] for _ in range(n // 4)]
                   + [rnd.choice(people)[:2] for _ in range(n // 2)]
                   + [rnd.choice(phones)[:5] for _ in range(n // 4)])
        rnd.shuffle(queries)
        for text in queries[:20]:  # warm-up
            search.search(admin, search.Query(text=text))
        seconds = []
        for text in queries:
            started = time.perf_counter()
            search.search(admin, search.Query(text=text))
            seconds.append(time.perf_counter() - started)
        db.close()
    return seconds


def workload(root, name, hq_dir, url, bundles, customers):
    """The figures of one engine."""
    figures = {}
    load_dir = root / f"load-{name}"
    load_url = url and fresh(url)
    run("init", "--site", "LOAD", "--site-name", "装载", "--admin-password", PASSWORD,
        "--data-dir", load_dir, url=load_url)
    figures["bulk load (demo)"] = timed("demo", "--customers", customers, "--history-months",
                                        "0", "--data-dir", load_dir,
                                        url=load_url)
    figures["sync import"] = timed("sync", "import", *bundles, "--data-dir", hq_dir, url=url)
    figures["classify"] = timed("classify", "--data-dir", hq_dir, url=url)
    seconds = search_times(hq_dir, url, random.Random(7))
    figures["search median"] = statistics.median(seconds)
    figures["search p95"] = statistics.quantiles(seconds, n=20)[18]
    return figures


_SERVER = {}


def fresh(url):
    """A new empty database on the server of `url` (the benchmark's own server only)."""
    from tests.pg_server import create_database

    return create_database(_SERVER.get("url", url))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--branches", type=int, default=2)
    parser.add_argument("--customers", type=int, default=20_000, help="per branch")
    parser.add_argument("--database-url", help="an empty PostgreSQL database for HQ "
                                               "(default: a throwaway cluster)")
    args = parser.parse_args()

    from tests.pg_server import create_database, postgres_server

    with tempfile.TemporaryDirectory(prefix="inscrm-bench-") as folder:
        root = Path(folder)
        print(f"building {args.branches} branches of {args.customers:,} customers")
        hq, bundles = build_network(root, args.branches, args.customers)
        with postgres_server() as server:
            _SERVER["url"] = server
            url = args.database_url or create_database(server)
            pg_hq = root / "hq-pg"  # the keys and secret; the database goes by db copy
            shutil.copytree(hq, pg_hq, ignore=shutil.ignore_patterns("inscrm.db*", "backups"))
            run("db", "copy", "--to", url, "--data-dir", hq)
            results = {
                "SQLite": workload(root, "sqlite", hq, "", bundles, args.customers),
                "PostgreSQL": workload(root, "pg", pg_hq, url, bundles, args.customers),
            }
    total = args.branches * args.customers
    print(f"\nHQ of {total:,} customers ({args.branches} bundles); bulk load of "
          f"{args.customers:,} customers")
    print(f"{'':22}{'SQLite':>12}{'PostgreSQL':>12}{'PG/SQLite':>11}")
    for key in results["SQLite"]:
        a, b = results["SQLite"][key], results["PostgreSQL"][key]
        unit, scale = ("ms", 1000) if key.startswith("search") else ("s", 1)
        print(f"{key:22}{a * scale:>10.1f}{unit:>2}{b * scale:>10.1f}{unit:>2}{b / a:>10.2f}×")


if __name__ == "__main__":
    main()
