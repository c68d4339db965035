"""Customer search at branch scale: prints the time of each kind of query, over real HTTP.

    python benchmarks/bench_search.py                 # builds 500,000 customers (`inscrm demo`)
    python benchmarks/bench_search.py --data-dir DIR  # a copy of an existing data directory

For each kind (one-character surname, two- and three-character substrings, mobile and landline
prefixes, full ID number, plate, policy number, filtered list pages, an account manager's own
customers) it runs at least 50 different queries drawn from the data, after a warm-up with other
queries, and prints the median (p50) and p95 of
  search: `inscrm.customers.search.search` (the page of 50 and the capped count), and
  HTTP:   the whole htmx request `/customers?…` to the product's waitress server
          (`inscrm.desktop.server.Server`) on loopback, in a session signed in by a real login
          POST as the user of the query (search, template, response, socket).
This is a script, not a test: it asserts nothing and prints figures.
"""

import argparse
import http.cookiejar
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-search-1"  # given to every user of the copied data directory
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def build(data_dir, customers, seed):
    """A new data directory filled by the demo generator, through the real CLI."""
    inscrm = [sys.executable, "-c", "from inscrm.cli import main; main()"]
    subprocess.run(inscrm + ["init", "--data-dir", str(data_dir), "--site", "BENCH",
                             "--site-name", "基准测试支公司", "--admin-password", "bench-admin-1"],
                   check=True)
    started = time.perf_counter()
    subprocess.run(inscrm + ["demo", "--data-dir", str(data_dir), "--customers", str(customers),
                             "--seed", str(seed)], check=True)
    print(f"built {customers:,} customers in {time.perf_counter() - started:.0f} s")


def samples(rnd, n):
    """n queries of each kind, drawn from the data."""
    from inscrm.models import Customer, Policy, Vehicle

    def rows(model, columns, where=None, count=n):
        top = model.select(model.id).order_by(model.id.desc()).limit(1).scalar() or 0
        picked = []
        while len(picked) < count:
            ids = [rnd.randint(1, top) for _ in range(count * 3)]
            query = model.select(*columns).where(model.id.in_(ids))
            if where is not None:
                query = query.where(where)
            picked += [row for row in query.tuples()]
        rnd.shuffle(picked)
        return picked[:count]

    people = [r[0] for r in rows(Customer, [Customer.name], (Customer.kind == "individual")
                                 & ~Customer.deleted, n * 3)]

    def piece(length):
        names = [name for name in people if len(name) >= length]
        return [name[i:i + length] for name in names[:n]
                for i in [rnd.randrange(len(name) - length + 1)]]

    placed = rows(Customer, [Customer.segment, Customer.township, Customer.manager],
                  ~Customer.deleted, n * 2)
    return {
        "one-character surname": [{"text": name[0]} for name in people[:n]],
        "two-character substring": [{"text": t} for t in piece(2)],
        "three-character substring": [{"text": t} for t in piece(3)],
        "mobile prefix (7 digits)": [{"text": r[0][:7]} for r in rows(
            Customer, [Customer.phone], Customer.phone.startswith("1"))],
        # the demo's landlines are 0573-8xxxxxxx: `0573-87` matches about 6,000 customers
        "landline prefix (0573-8x)": [{"text": r[0][:7]} for r in rows(
            Customer, [Customer.phone], Customer.phone.startswith("0573-8"))],
        "landline prefix (0573-8xx)": [{"text": r[0][:8]} for r in rows(
            Customer, [Customer.phone], Customer.phone.startswith("0573-8"))],
        "full ID number": [{"text": r[0]} for r in rows(
            Customer, [Customer.id_number], Customer.id_number.is_null(False))],
        "plate": [{"text": r[0]} for r in rows(Vehicle, [Vehicle.plate],
                                                Vehicle.plate.is_null(False))],
        "policy number": [{"text": r[0]} for r in rows(Policy, [Policy.policy_no])],
        "filtered list (segment + township)": [
            {"segment": segment, "township": town} for segment, town, _m in placed][:n],
        "filtered list (account manager, by premium)": [
            {"manager": manager, "sort": "premium"} for _s, _t, manager in placed if manager][:n],
        "agent: own customers, no text": [
            {"as_user": manager} for _s, _t, manager in placed if manager][:n],
        "agent: one-character surname (own customers)": [
            {"text": name[0], "as_user": manager}
            for name, (_s, _t, manager) in zip(people, placed, strict=False) if manager][:n],
    }


class Browser:
    """One browser over HTTP: its own cookies, signed in by the login form, timed GETs."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def login(self, username, password=PASSWORD):
        token = TOKEN.search(self.get("/login")[1]).group(1)
        data = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrf_token": token}).encode()
        with self.opener.open(self.base + "/login", data=data) as response:
            response.read()
        if "/login" in response.url:
            sys.exit(f"could not sign in as {username}")
        return self

    def get(self, path, htmx=False):
        """(milliseconds, body) of one GET."""
        request = urllib.request.Request(self.base + path,
                                         headers={"HX-Request": "true"} if htmx else {})
        started = time.perf_counter()
        with self.opener.open(request) as response:
            body = response.read()
        return (time.perf_counter() - started) * 1000, body.decode("utf-8")


def serve(app, threads=4):
    """The app on the product's waitress server, on a free loopback port."""
    from inscrm.desktop.server import Server

    server = Server(app, "127.0.0.1", 0, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    return server


def measure(base, browsers, queries):
    from inscrm.customers import search
    from inscrm.models import User

    search_ms, http_ms, matches = [], [], []
    for spec in queries:
        spec = dict(spec)
        user_id = spec.pop("as_user", None)
        user = User.get_by_id(user_id) if user_id else User.get(User.username == "admin")
        if user.username not in browsers:
            browsers[user.username] = Browser(base).login(user.username)
        query = search.Query(**spec)
        started = time.perf_counter()
        page = search.search(user, query)
        search_ms.append((time.perf_counter() - started) * 1000)
        matches.append(page.count)
        url = "/customers?" + urllib.parse.urlencode(
            {("q" if k == "text" else k): v for k, v in spec.items() if v})
        http_ms.append(browsers[user.username].get(url, htmx=True)[0])
    return search_ms, http_ms, matches


def p95(values):
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="an existing data directory (it is copied first)")
    parser.add_argument("--customers", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=60, help="queries per kind (≥ 50)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="inscrm-bench-"))
    data_dir = work / "data"
    if args.data_dir:
        shutil.copytree(args.data_dir, data_dir)
    else:
        build(data_dir, args.customers, args.seed)

    from inscrm import create_app
    from inscrm.models import Customer, User, db

    started = time.perf_counter()
    app = create_app({"DATA_DIR": str(data_dir), "STARTUP_TASKS": False})
    with app.app_context():
        db.connect(reuse_if_open=True)
        print(f"opened in {time.perf_counter() - started:.1f} s (upgrades and indexes once)")
        from inscrm.users import hash_password

        User.update(password_hash=hash_password(PASSWORD), failed_logins=0,
                    locked_until=None).execute()
        total = Customer.live().count()
        server = serve(app)
        base, browsers = server.url.rstrip("/"), {}
        rnd = random.Random(args.seed)
        warm_up = samples(rnd, 10)
        for queries in warm_up.values():
            measure(base, browsers, queries)
        kinds = samples(rnd, max(args.queries, 50))
        print(f"\n{total:,} customers; {max(args.queries, 50)} queries per kind; times in ms\n")
        print("| query | search p50 | search p95 | HTTP p50 | HTTP p95 | matches (median) |")
        print("|---|---:|---:|---:|---:|---:|")
        for kind, queries in kinds.items():
            search_ms, http_ms, matches = measure(base, browsers, queries)
            print(f"| {kind} | {statistics.median(search_ms):.1f} | {p95(search_ms):.1f} | "
                  f"{statistics.median(http_ms):.1f} | {p95(http_ms):.1f} | "
                  f"{statistics.median(matches):,.0f} |", flush=True)
        server.stop(delay=0)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
