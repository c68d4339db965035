"""Server time of the account managers' pages and the dashboard on a large demo data directory.

    .venv/bin/python benchmarks/bench_work.py --data-dir DEMO_DATA_DIR [--runs 30]

(make one with `inscrm init` and `inscrm demo --customers 200000 --seed 1`).

Works on a copy of the data directory (the app may migrate its schema), runs the day's task
generation first (timed), then requests each page with the Flask test client as a signed-in
user and prints the median and 95th percentile of the server time. Prints figures; asserts
nothing.
"""

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))



def timed(client, url, runs, headers=None):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, headers=headers or {})
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url}: HTTP {response.status_code}")
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return statistics.median(times), p95, times[0], times[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="a demo data directory (copied first)")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-work-"))
    data = work / "data"
    shutil.copytree(args.data_dir, data)
    print(f"copied {args.data_dir} to {data}")

    from peewee import fn

    from inscrm import create_app
    from inscrm.models import Customer, Policy, Task, User, db
    from inscrm.reports import dashboard, kpi
    from inscrm.work import tasks

    app = create_app({"DATA_DIR": str(data), "STARTUP_TASKS": False})
    with app.app_context():
        db.connect(reuse_if_open=True)
        print(f"customers {Customer.live().count():,}  policies {Policy.live().count():,}")
        start = time.perf_counter()
        counts = tasks.generate_tasks()
        print(f"generate_tasks: {(time.perf_counter() - start) * 1000:.0f} ms  {counts}")
        start = time.perf_counter()
        again = tasks.generate_tasks()
        print(f"generate_tasks again (nothing new): {(time.perf_counter() - start) * 1000:.0f} ms"
              f"  {again}")
        busiest = (Task.select(Task.assignee, fn.COUNT(Task.id).alias("n"))
                   .where(Task.status == "open", Task.assignee.is_null(False))
                   .group_by(Task.assignee).order_by(fn.COUNT(Task.id).desc()).first())
        agent = User.get_by_id(busiest.assignee_id) if busiest else User.staff("agent").first()
        manager = User.staff("manager", "admin").first()
        open_count = Task.select().where(Task.assignee == agent, Task.status == "open").count()
        print(f"agent {agent.username}: {open_count:,} open tasks; manager {manager.username}")
        first, last = kpi.period_bounds("year", dt.date.today())
        start = time.perf_counter()
        dashboard.figures(first, last, dt.date.today(), refresh=True)
        print(f"dashboard figures computed (cold, once a day): "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")
        db.close()

    def client_for(user):
        client = app.test_client()
        with client.session_transaction() as session:
            session["user_id"] = user.id
        return client

    agent_client, manager_client = client_for(agent), client_for(manager)
    hx = {"HX-Request": "true"}
    pages = [
        ("my work (agent)", agent_client, "/work/", None),
        ("my work htmx (agent)", agent_client, "/work/", hx),
        ("visit list (agent)", agent_client, "/work/visits", None),
        ("team queue (manager)", manager_client, "/work/team", None),
        ("dashboard, this year (manager)", manager_client, "/reports/?period=year", None),
        ("dashboard htmx (manager)", manager_client, "/reports/?period=year", hx),
        ("renewals, this month (manager)", manager_client, "/reports/renewals?period=month", None),
    ]
    print(f"\nserver time over {args.runs} requests (ms): median  p95  min  max")
    for name, client, url, headers in pages:
        timed(client, url, 2, headers)  # warm the cache and the connection
        median, p95, low, high = timed(client, url, args.runs, headers)
        print(f"  {name:34s} {median:7.1f} {p95:7.1f} {low:7.1f} {high:7.1f}")
    for name, client, url in [("scorecards, this quarter", manager_client,
                               "/reports/scorecards?period=quarter")]:
        median, p95, low, high = timed(client, url, 3)
        print(f"  {name:34s} {median:7.1f} {p95:7.1f} {low:7.1f} {high:7.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
