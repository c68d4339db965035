"""Times what a logged contact and a filtered export cost on a large database: the per-customer
pass that closes the customer's service task against the pass over everyone, and the export of
a searched list.

    .venv/bin/python benchmarks/bench_contact.py --data-dir COPY_OF_DEMO

Use a copy of a demo data directory (the schema may be migrated, tasks are written). Prints
figures only.
"""

import argparse
import datetime as dt
import io

from bench_service import timed  # benchmarks/ is the script's folder

from inscrm import create_app
from inscrm.models import Customer, Task, User, db
from inscrm.reports import exports
from inscrm.segments import engine
from inscrm.work import contacts, service_plans


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()
    app = create_app({"DATA_DIR": args.data_dir, "STARTUP_TASKS": False})
    with app.app_context():
        db.connect(reuse_if_open=True)
        print(f"customers {Customer.select().count():,}")
        today = dt.date.today()
        if not Customer.select().where(Customer.segment.in_(list(service_plans.plans()))).exists():
            timed("classify_all (the demo is not classified yet)",
                  lambda: engine.classify_all(today))
        timed("generate_service_tasks", lambda: service_plans.generate_service_tasks(today))
        open_tasks = (Task.select(Task.customer).where(Task.kind == "service",
                                                       Task.status == "open"))
        customer = Customer.get_by_id(open_tasks.limit(1).scalar())
        user = User.select().where(User.role == "admin").first()
        timed("close_contacted_service_tasks(customer_ids=[one])",
              lambda: service_plans.close_contacted_service_tasks(customer_ids=[customer.id]))
        timed("close_contacted_service_tasks() over everyone",
              service_plans.close_contacted_service_tasks)
        plan = service_plans.plans()[customer.segment]["kind"]
        timed(f"save_contact ({plan}, closes the task, re-evaluates)",
              lambda: contacts.save_contact(customer, {"kind": plan}, user))
        print(f"  task now {Task.get(Task.customer == customer, Task.kind == 'service').status}")
        for filters in ({"q": "张"}, {"q": "138"}, {"q": "张", "segment": "standard"}):
            count = timed(f"export customers.csv {filters}", lambda f=filters: exports.export(
                "customers", io.BytesIO(), "csv", user=user, filters=f))
            print(f"  {count:,} rows")


if __name__ == "__main__":
    main()
