"""Headquarters at network scale: prints the times of HQ's pages over HTTP and of its jobs.

    python benchmarks/bench_hq.py                           # 5 branches × 20,000 customers
    python benchmarks/bench_hq.py --branches 10 --customers 100000
    python benchmarks/bench_hq.py --keep            # …and keep the network's directories
    python benchmarks/bench_hq.py --network DIR     # measure a kept network again

Builds the network through the real CLI, as the offices would: `init --hq`, `branch add`,
`init --join`, `demo` and `classify` at each branch (with a share of the first branch's people
also customers of the others), each branch's full bundle exported and imported at HQ, then
`hq recompute`. HQ is served by waitress on a local port; an analyst logs in over HTTP.

Figures (median and p95 of ≥ 50 requests each, in ms, over HTTP — the whole round trip through
waitress — and in the server — the app's own time for the same request, no HTTP):
  customer search by kind of query (targets: p95 ≤ 50 ms), with and without a branch filter;
  the person page (target p95 ≤ 100 ms) and the read-only 360 page;
  the branch comparison computed (target ≤ 20 s) and served from what was computed
  (target p95 ≤ 200 ms); a rule simulation over every customer against a classification of
  the same customers (target ≤ 3×; the classification runs on a copy, HQ never reclassifies
  branch rows); the network flags; the bundles applied at HQ.
This is a script, not a test: it asserts nothing and prints figures.
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
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_search import TOKEN, Browser, p95, samples, serve  # noqa: E402

PASSWORD = "bench-admin-1"
ANALYST = ("analyst", "bench-analyst-1")


def inscrm(*args, data_dir, url=""):
    """Run one `inscrm` command in a process of its own (on the PostgreSQL database of `url`,
    when given); returns its output."""
    env = {**os.environ, "INSCRM_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-c", "from inscrm.cli import main; main()",
                           *map(str, args), "--data-dir", str(data_dir)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"inscrm {' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def timed(step, what):
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    print(f"{what}: {seconds:.1f} s", flush=True)
    return result, seconds


def share_people(first_dir, other_dir, count, seed):
    """`count` people of the first branch become customers of another branch too (same name and
    ID number, one policy of their own there), as people insured at two offices are."""
    from inscrm import create_app
    from inscrm.models import Customer, Policy, db

    rnd = random.Random(seed)
    app = create_app({"DATA_DIR": str(first_dir), "TESTING": True})
    with app.app_context():
        db.connect(reuse_if_open=True)
        people = list(Customer.live(Customer.name, Customer.id_number, Customer.kind,
                                    Customer.id_type)
                      .where(Customer.id_number.is_null(False)).tuples())
        db.close()
    chosen = rnd.sample(people, min(count, len(people)))
    app = create_app({"DATA_DIR": str(other_dir), "TESTING": True})
    today = dt.date.today()
    with app.app_context():
        db.connect(reuse_if_open=True)
        with db.atomic():
            for n, (name, number, kind, id_type) in enumerate(chosen):
                customer = Customer.create(name=name, id_number=number, kind=kind,
                                           id_type=id_type, source="walk_in")
                start = today - dt.timedelta(days=rnd.randint(10, 300))
                Policy.create(policy_no=f"PSHARE{seed:02d}{n:07d}", customer=customer,
                              product="商业车险", premium=rnd.randint(2_000, 40_000),
                              start_date=start, end_date=start + dt.timedelta(days=364))
        db.close()


def build_branches(root, branches, customers, shared, seed, hq=None):
    """An HQ with its analyst and the branches registered (no data yet), and each branch's
    full bundle for it; returns (HQ's directory, branch codes, bundle paths)."""
    hq = hq or root / "hq"
    inscrm("init", "--hq", "--site", "HQ", "--site-name", "总公司", "--admin-password",
           PASSWORD, data_dir=hq)
    inscrm("user", "add", ANALYST[0], "--role", "analyst", "--password", ANALYST[1],
           data_dir=hq)
    codes = [f"B{n:02d}" for n in range(1, branches + 1)]
    for n, code in enumerate(codes, 1):
        registration = root / f"{code}.registration"
        inscrm("branch", "add", "--site", code, "--site-name", f"第{n}支公司", "--out",
               registration, data_dir=hq)
        inscrm("init", "--join", registration, "--admin-password", PASSWORD,
               data_dir=root / code)
        timed(lambda c=code, s=n: inscrm("demo", "--customers", customers, "--seed",
                                         seed * 100 + s, data_dir=root / c),
              f"{code}: demo data, {customers:,} customers")
    for n, code in enumerate(codes[1:], 2):
        share_people(root / codes[0], root / code, shared, seed * 100 + n)
    bundles = []
    for code in codes:
        inscrm("classify", data_dir=root / code)
        bundles.append(root / f"{code}.bundle")
        inscrm("sync", "export", "--to", "HQ", "--out", bundles[-1], data_dir=root / code)
    return hq, codes, bundles


def build(root, branches, customers, shared, seed):
    hq, codes, bundles = build_branches(root, branches, customers, shared, seed)
    imports = []
    for code, bundle in zip(codes, bundles, strict=True):
        _, seconds = timed(lambda b=bundle: inscrm("sync", "import", b, data_dir=hq),
                           f"HQ: applied {code}'s full bundle")
        imports.append(seconds)
    return hq, codes, imports


# --- HTTP ------------------------------------------------------------------------------------


class InProcess:
    """The same requests through the app without HTTP: the server's own time."""

    def __init__(self, app, username, password):
        self.client = app.test_client()
        token = TOKEN.search(self.client.get("/login").get_data(as_text=True)).group(1)
        signed_in = self.client.post("/login", data={"username": username, "password": password,
                                                     "csrf_token": token})
        if signed_in.status_code != 302:
            sys.exit(f"could not sign in as {username}")

    def get(self, path, htmx=False):
        started = time.perf_counter()
        response = self.client.get(path, headers={"HX-Request": "true"} if htmx else {})
        response.get_data()
        return (time.perf_counter() - started) * 1000, response.status_code


def times(browser, paths, htmx=True):
    return [browser.get(path, htmx)[0] for path in paths]


def row(what, over_http, in_process, target=""):
    print(f"| {what} | {len(over_http)} | {statistics.median(over_http):.1f} | "
          f"{p95(over_http):.1f} | {statistics.median(in_process):.1f} | "
          f"{p95(in_process):.1f} | {target} |", flush=True)


def search_paths(rnd, n, codes):
    """Search URLs of each kind, drawn from the data (the branch bench's kinds, plus HQ's
    branch filter)."""
    kinds = {}
    for kind, specs in samples(rnd, n).items():
        texts = [spec["text"] for spec in specs if set(spec) == {"text"}]
        if len(texts) == len(specs):
            kinds[kind] = ["/hq/customers?" + urllib.parse.urlencode({"q": t}) for t in texts]
    surnames = [p.split("q=")[1] for p in kinds["one-character surname"]]
    kinds["branch + one-character surname"] = [
        f"/hq/customers?q={s}&branch={rnd.choice(codes)}" for s in surnames]
    kinds["branch, no text"] = [f"/hq/customers?branch={rnd.choice(codes)}" for _ in range(n)]
    kinds["branch, by premium"] = [f"/hq/customers?branch={rnd.choice(codes)}&sort=premium"
                                   for _ in range(n)]
    return kinds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=5)
    parser.add_argument("--customers", type=int, default=20_000, help="per branch")
    parser.add_argument("--shared", type=int, default=None,
                        help="people of the first branch at each other branch too "
                             "(default: 2%% of --customers)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=60, help="per kind (≥ 50)")
    parser.add_argument("--keep", action="store_true", help="keep the network's directories")
    parser.add_argument("--network", help="measure a network kept by --keep (built no more)")
    args = parser.parse_args()
    n = max(args.requests, 50)
    shared = args.shared if args.shared is not None else args.customers // 50

    if args.network:
        root = Path(args.network)
        hq_dir, imports = root / "hq", []
        codes = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name[0] == "B")
        shutil.rmtree(root / "classify-copy", ignore_errors=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="inscrm-bench-hq-"))
        print(f"building {args.branches} branches × {args.customers:,} customers in {root}",
              flush=True)
        hq_dir, codes, imports = build(root, args.branches, args.customers, shared, args.seed)
    _, flag_seconds = timed(lambda: inscrm("hq", "recompute", data_dir=hq_dir),
                            "HQ: network flags")

    from inscrm import create_app
    from inscrm.hq import comparison, simulation
    from inscrm.hq import persons as network_persons
    from inscrm.models import Customer, NetworkFlag, db
    from inscrm.reports import kpi

    app = create_app({"DATA_DIR": str(hq_dir), "TESTING": True})
    rnd = random.Random(args.seed)
    with app.app_context():
        db.connect(reuse_if_open=True)
        total = Customer.live().count()
        flagged = NetworkFlag.live().count()
        kinds = search_paths(rnd, n, codes)
        warm = search_paths(random.Random(args.seed + 1), 10, codes)
        found, _ = network_persons.across_branches(limit=n * 5)
        persons = rnd.sample([customer_id for *_, customer_id in found], min(n, len(found)))
        singles = [c.id for c in Customer.live(Customer.id).where(
            Customer.id_number.is_null(False)).order_by(Customer.id).limit(n * 20)]
        singles = rnd.sample(singles, n)
        first, last = kpi.period_bounds("year", dt.date.today())
        _, compare_seconds = timed(lambda: comparison.figures(first, last, refresh=True),
                                   "HQ: branch comparison computed")
        _, simulate_seconds = timed(lambda: simulation.result({"key_annual_premium": "40000"}),
                                    f"HQ: rule simulation over {total:,} customers")
        db.close()

    copy = root / "classify-copy"
    shutil.copytree(hq_dir, copy)
    copy_app = create_app({"DATA_DIR": str(copy), "TESTING": True})
    with copy_app.app_context():
        from inscrm.segments import engine

        db.connect(reuse_if_open=True)
        _, classify_seconds = timed(lambda: engine.classify_all(),
                                    f"a classification of the same {total:,} customers")
        db.close()

    http_server = serve(app)  # a daemon thread: it ends with the script
    browser = Browser(http_server.url.rstrip("/")).login(*ANALYST)
    server = InProcess(app, *ANALYST)
    for paths in warm.values():
        times(browser, paths)
        times(server, paths)
    print(f"\nHQ holds {total:,} customers of {len(codes)} branches; {flagged:,} network "
          f"flags; times in ms: over HTTP (waitress, the whole round trip) and in the server "
          f"(the app's own time, no HTTP)\n")
    print("| request | n | HTTP median | HTTP p95 | server median | server p95 | target |")
    print("|---|---:|---:|---:|---:|---:|---|")

    def measure(what, paths, htmx=True, target=""):
        over_http, in_process = times(browser, paths, htmx), times(server, paths, htmx)
        row(what, over_http, in_process, target)
        return over_http, in_process

    every_http, every_server = [], []
    for kind, paths in kinds.items():
        over_http, in_process = measure(f"search: {kind}", paths, target="p95 ≤ 50")
        every_http += over_http
        every_server += in_process
    row("search: every kind together", every_http, every_server, "p95 ≤ 50")
    times(browser, [f"/hq/persons/{i}" for i in persons[:10]], htmx=False)
    measure("person page (two or more branches)", [f"/hq/persons/{i}" for i in persons],
            False, "p95 ≤ 100")
    measure("person page (any customer)", [f"/hq/persons/{i}" for i in singles], False,
            "p95 ≤ 100")
    measure("read-only 360 page", [f"/hq/customers/{i}" for i in singles], False)
    measure("branch comparison, served", ["/hq/branches"] * n, False, "p95 ≤ 200")
    measure("network overview", ["/hq/"] * n, False)

    print("\n| job | seconds | target |")
    print("|---|---:|---|")
    if imports:
        print(f"| bundles applied at HQ (each, median of {len(imports)}) | "
              f"{statistics.median(imports):.1f} | |")
    print(f"| network flags (`hq recompute`, whole command) | {flag_seconds:.1f} | |")
    print(f"| branch comparison computed | {compare_seconds:.1f} | ≤ 20 |")
    print(f"| rule simulation | {simulate_seconds:.1f} | ≤ 3 × classification |")
    print(f"| classification of the same customers | {classify_seconds:.1f} | |")
    print(f"| simulation ÷ classification | {simulate_seconds / classify_seconds:.2f} | ≤ 3 |")
    if not (args.keep or args.network):
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
