"""An account manager's first day: a new installation with the demo, the day's task passes, and
what each account manager finds in "my work". Prints figures, asserts nothing.

    python benchmarks/bench_first_day.py --customers 20000

Per account manager: open tasks, overdue, due today, due in the next 7 days — by kind.
"""

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peewee import Case, fn  # noqa: E402

from inscrm import create_app  # noqa: E402
from inscrm.demo import generate  # noqa: E402
from inscrm.models import Task, User, db  # noqa: E402
from inscrm.segments import engine  # noqa: E402
from inscrm.sites import initialise  # noqa: E402
from inscrm.work import service_plans, tasks  # noqa: E402


def count_if(condition):
    return fn.SUM(Case(None, [(condition, 1)], 0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    args = parser.parse_args()
    today = dt.date.today()
    with tempfile.TemporaryDirectory() as root:
        app = create_app({"DATA_DIR": root, "TESTING": True})
        with app.app_context():
            db.connect(reuse_if_open=True)
            initialise("JX01", "嘉兴南湖支公司", "admin", "admin-pass-1")
            generate(args.customers, 1, today)
            engine.classify_all()
            tasks.generate_tasks(today)
            service_plans.generate_service_tasks(today)
            week = today + dt.timedelta(days=7)
            rows = (Task.live()
                    .select(Task.assignee, Task.kind, fn.COUNT(Task.id),
                            count_if(Task.due_date < today), count_if(Task.due_date == today),
                            count_if(Task.due_date.between(today + dt.timedelta(days=1), week)))
                    .where(Task.status == "open")
                    .group_by(Task.assignee, Task.kind)
                    .tuples())
            people = {u.id: u.username for u in User.select()}
            print(f"{args.customers:,} demo customers, {today}: open / overdue / today / "
                  f"next 7 days")
            totals = {}
            for assignee, kind, *figures in rows:
                mine = totals.setdefault(people.get(assignee, "-"), {})
                mine[kind] = [int(f or 0) for f in figures]
            for person, kinds in sorted(totals.items()):
                overdue = sum(f[1] for f in kinds.values())
                today_n = sum(f[2] for f in kinds.values())
                detail = "  ".join(f"{k} {'/'.join(map(str, f))}" for k, f in sorted(kinds.items()))
                print(f"{person:10} overdue {overdue:5}  due today {today_n:5}   {detail}")


if __name__ == "__main__":
    main()
