"""Load benchmark: an office at work while an import and a full classification run.

    .venv/bin/python benchmarks/bench_load.py [--customers 20000] [--users 20] [--seconds 60]
        [--policies N] [--logins 2] [--pause 0] [--threads 24] [--import-in server|cli]

    The issue's scenario, 15 people working while 400,000 policies come in:
    .venv/bin/python benchmarks/bench_load.py --users 15 --policies 400000

Builds a demo branch in a temporary data directory, serves it with waitress on loopback, and
has `--users` users (threads of a second process, as browsers are) work for `--seconds`: 80 %
reads (a name search, a customer's 360 page, My work) and 20 % writes (a contact logged, a task
rescheduled), with `--pause` seconds between one person's clicks on average (none by default).
People come in one by one over the first seconds and each logs out and in again `--logins`
times at random moments of the run. A moment after they start, a core-system extract
(`--policies` policies of a third as many new customers) is imported, then every customer is
classified, while they work: in the server's process, as the import page does, or as
`inscrm import` / `inscrm classify` processes (`--import-in cli`).
Prints p50 / p95 / p99 per kind of request, requests per second, the 5xx count and which
requests answered 503 "busy", how many times "database is locked" was logged, the import's and
the classification's own times and how long each job held the write lock. Prints figures only.
"""

import argparse
import datetime as dt
import http.cookiejar
import logging
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_import import generate as generate_extract  # noqa: E402
from bench_import import new_data_dir  # noqa: E402

from inscrm.demo import generate as generate_demo  # noqa: E402
from inscrm.desktop.server import THREADS, Server  # noqa: E402
from inscrm.imports.load import import_file  # noqa: E402
from inscrm.models import Customer, Task, db  # noqa: E402
from inscrm.segments import engine  # noqa: E402
from inscrm.work import tasks  # noqa: E402

PASSWORD = "bench-pass-1"
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
NAMES = "王李张刘陈杨赵黄周吴"
HELD = re.compile(r"a job held the write lock for ([0-9.]+) s")


class LockedCount(logging.Handler):
    """Counts log records (messages or tracebacks) that say "database is locked"."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        text = record.getMessage() + (self.format(record) if record.exc_info else "")
        if "database is locked" in text:
            self.count += 1


class LockHeld(logging.Handler):
    """Collects how long each job held the write lock (`inscrm.db.transactions` logs it)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.seconds = []

    def emit(self, record):
        if hasattr(record, "lock_held"):
            self.seconds.append(record.lock_held)


class User:
    """One signed-in browser: its own cookies, its CSRF token."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = None

    def request(self, path, data=None, htmx=False):
        """(status, body) of a GET, or of a POST when `data` is given."""
        headers = {"HX-Request": "true"} if htmx else {}
        body = None
        if data is not None:
            headers["X-CSRFToken"] = self.token
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=120) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def log_in(self, record):
        """Open the login page, then sign in (timed as "login": the POST and the start page
        it leads to)."""
        _, page = self.request("/login")
        self.token = TOKEN.search(page).group(1)
        started = time.perf_counter()
        status, page = self.request("/login", {"username": "admin", "password": PASSWORD,
                                               "csrf_token": self.token})
        record("login", started, status)
        found = TOKEN.search(page)
        if found:
            self.token = found.group(1)

    def log_out(self, record):
        started = time.perf_counter()
        status, _ = self.request("/logout", {})
        record("logout", started, status)


def build(folder, customers, policies):
    app = new_data_dir(folder / "data")
    with app.app_context():
        started = time.perf_counter()
        generate_demo(customers, seed=1)
        print(f"demo branch: {customers:,} customers in {time.perf_counter() - started:.1f} s")
        engine.classify_all()
        tasks.generate_once_a_day()  # the renewal and follow-up tasks people reschedule
        customer_ids = [c for (c,) in Customer.select(Customer.id).tuples()]
        task_ids = [t for (t,) in Task.select(Task.id).where(Task.status == "open").tuples()]
    extract = generate_extract(folder, policies)
    db.close()
    return app, customer_ids, task_ids, extract


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--policies", type=int, default=None,
                        help="policies in the imported extract (default: 3 per 2 customers)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--logins", type=int, default=2,
                        help="times each user logs out and in again during the run")
    parser.add_argument("--pause", type=float, default=0,
                        help="mean seconds a person pauses between two clicks (0: none)")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="waitress's worker threads (default: the server's)")
    parser.add_argument("--import-in", choices=("server", "cli"), default="server",
                        help="run the import and the classification in the server's process, "
                             "as the import page does, or as `inscrm import` and `inscrm "
                             "classify` processes of their own")
    args = parser.parse_args()
    policies = args.policies or args.customers * 3 // 2
    locked = LockedCount()
    logging.getLogger().addHandler(locked)
    logging.getLogger().setLevel(logging.WARNING)
    held = LockHeld()
    logging.getLogger("inscrm.db.transactions").addHandler(held)
    logging.getLogger("inscrm.db.transactions").setLevel(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app, customer_ids, task_ids, extract = build(folder, args.customers, policies)
        server = Server(app, "127.0.0.1", 0, threads=args.threads)
        threading.Thread(target=server.run, daemon=True).start()
        base = server.url.rstrip("/")
        try:
            run(app, base, args, customer_ids, task_ids, extract, (locked, held))
        finally:
            server.stop(delay=0)


def run(app, base, args, customer_ids, task_ids, extract, logs):
    """The people in a process of their own, as browsers are: their threads do not take the
    server's interpreter lock. The jobs run beside them, from here."""
    jobs = {}

    def jobs_run():
        time.sleep(min(2.0, args.seconds / 10))
        if args.import_in == "cli":
            for path in extract:
                command(f"inscrm import {path.name}", "import", str(path))
            command("inscrm classify", "classify")
            return
        with app.app_context():
            db.connect(reuse_if_open=True)
            for path in extract:
                started = time.perf_counter()
                summary = import_file(path, app.config["BACKUPS"])
                jobs[f"import {path.name} ({summary.rows:,} rows)"] = (
                    time.perf_counter() - started)
            started = time.perf_counter()
            engine.classify_all()
            jobs["full classification"] = time.perf_counter() - started
            db.close()

    def command(name, *argv):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", "from inscrm.cli import main; main()", *argv, "--data-dir",
             app.config["DATA_DIR"]], capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        jobs[name] = time.perf_counter() - started
        if done.returncode:
            print(f"{name} failed: {done.stdout}{done.stderr}")
        log = Path(app.config["DATA_DIR"]) / "logs" / "inscrm.log"
        if log.exists():
            logs[1].seconds[:] = [float(s) for s in HELD.findall(log.read_text("utf-8"))]

    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    crowd = spawn.Process(target=people, args=(base, args, customer_ids, task_ids, results))
    crowd.start()
    background = threading.Thread(target=jobs_run)
    background.start()
    timings, statuses, busy, elapsed = results.get()
    crowd.join()
    background.join()
    report(timings, statuses, busy, elapsed, jobs, logs, args)


def people(base, args, customer_ids, task_ids, results):
    """`args.users` people at work for `args.seconds` (in a process of their own); puts
    (timings by kind, statuses, 5xx by kind, seconds) on `results`."""
    timings = defaultdict(list)
    statuses = defaultdict(int)
    busy = defaultdict(int)
    began = time.monotonic()
    stop = began + args.seconds

    def record(kind, started, status):
        timings[kind].append(time.perf_counter() - started)
        statuses[status] += 1
        if status >= 500:
            busy[kind] += 1

    def work(number):
        rng = random.Random(number)
        time.sleep(rng.uniform(0, min(10.0, args.seconds / 6)))  # people come in one by one
        user = User(base)
        user.log_in(record)
        relogins = sorted(began + rng.uniform(0, args.seconds) for _ in range(args.logins))
        while time.monotonic() < stop:
            if args.pause:
                time.sleep(min(rng.expovariate(1 / args.pause), stop - time.monotonic(),
                               5 * args.pause))
            if relogins and time.monotonic() >= relogins[0]:
                relogins.pop(0)
                user.log_out(record)
                user.log_in(record)
                continue
            roll = rng.random()
            started = time.perf_counter()
            if roll < 0.3:
                kind, (status, _) = "search", user.request(
                    "/customers?" + urllib.parse.urlencode({"q": rng.choice(NAMES)}))
            elif roll < 0.6:
                kind, (status, _) = "360 page", user.request(
                    f"/customers/{rng.choice(customer_ids)}")
            elif roll < 0.8:
                kind, (status, _) = "my work", user.request("/work/")
            elif roll < 0.9 or not task_ids:
                kind, (status, _) = "log a contact", user.request(
                    f"/customers/{rng.choice(customer_ids)}/activities",
                    {"kind": "call", "outcome": "interested", "notes": "回访"}, htmx=True)
            else:
                due = dt.date.today() + dt.timedelta(days=rng.randrange(1, 30))
                kind, (status, _) = "reschedule", user.request(
                    f"/work/task/{rng.choice(task_ids)}/reschedule",
                    {"due_date": due.isoformat()}, htmx=True)
            record(kind, started, status)

    users = [threading.Thread(target=work, args=(n,)) for n in range(args.users)]
    started = time.perf_counter()
    for thread in users:
        thread.start()
    for thread in users:
        thread.join()
    results.put((dict(timings), dict(statuses), dict(busy), time.perf_counter() - started))


def report(timings, statuses, busy, elapsed, jobs, logs, args):
    locked, held = logs
    total = sum(len(t) for t in timings.values())
    print(f"{args.users} users for {args.seconds:.0f} s: {total:,} requests, "
          f"{total / elapsed:.1f} per second")
    print(f"{'kind':<16}{'count':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for kind, values in sorted(timings.items()):
        cuts = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(f"{kind:<16}{len(values):>7}{cuts[49] * 1000:>10.0f}{cuts[94] * 1000:>10.0f}"
              f"{cuts[98] * 1000:>10.0f}")
    print("statuses: " + ", ".join(f"{code} × {n}" for code, n in sorted(statuses.items())))
    print(f"5xx: {sum(n for code, n in statuses.items() if code >= 500)}  "
          f"(503 busy: {statuses.get(503, 0)})  'database is locked' logged: {locked.count}")
    if busy:
        print("5xx by kind: " + ", ".join(f"{kind} × {n}" for kind, n in sorted(busy.items())))
    for name, seconds in jobs.items():
        print(f"{name:<48} {seconds:8.1f} s")
    print("write lock held by jobs: "
          + (", ".join(f"{s:.1f} s" for s in held.seconds) or "never"))


if __name__ == "__main__":
    main()
