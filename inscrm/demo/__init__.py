"""Realistic, deterministic demo data for a branch office in Jiaxing (`inscrm demo`).

`generate(customers, seed, today)` fills an initialised database that has no customers yet:
staff with territories in Jiaxing's towns, individual and corporate customers with valid ID
numbers and credit codes, 浙F vehicles, renewal chains of motor and non-motor policies sold
direct or through intermediaries, claims, contacts and blacklist reports — mixed so that every
segment of DESIGN §2 is well populated. The same seed and the same `today` give the same data
(only the uids and sync stamps differ). Rows are made in Python and written in bulk inside one
transaction, a batch of customers at a time.
"""

import datetime as dt
import random
from types import SimpleNamespace

from inscrm.db import stamps
from inscrm.db.bulk import Table, indexes_rebuilt
from inscrm.demo import claims, contacts, people, policies, staff
from inscrm.demo.identity import Identities, Picker
from inscrm.i18n import N_
from inscrm.models import (
    Activity,
    AuditLog,
    BlacklistEntry,
    Branch,
    Claim,
    Customer,
    CustomerRef,
    Policy,
    Site,
    Township,
    User,
    Vehicle,
    db,
)
from inscrm.validators import Invalid

BATCH = 5_000  # customers made and written at a time, so memory stays flat
CORPORATE_SHARE = 0.12
# in the order they are written (each refers only to tables before it, or to itself)
TABLES = (
    ("user", User, ("username", "name", "password_hash", "role", "branch")),
    ("township", Township, ("district", "name", "manager")),
    ("customer", Customer, (
        "kind", "name", "id_type", "id_number", "phone", "phone2", "address", "township",
        "industry", "source", "credit", "intermediary_type", "manager", "birth_date",
        "key_designation", "key_reason", "last_contact_date")),
    ("customer_ref", CustomerRef, ("customer", "source", "ref")),
    ("vehicle", Vehicle, ("customer", "plate", "vin", "brand_model", "registered_on")),
    ("policy", Policy, (
        "policy_no", "customer", "product", "channel", "intermediary", "insurer", "premium",
        "sum_insured", "start_date", "end_date", "cancelled", "renewal_of", "vehicle")),
    ("claim", Claim, (
        "claim_no", "policy", "customer", "loss_date", "report_date", "paid", "reserve", "status",
        "cause", "fraud_suspected")),
    ("activity", Activity, ("customer", "user", "kind", "outcome", "notes", "date",
                            "next_action_date")),
    ("blacklist", BlacklistEntry, (
        "customer", "id_number", "name", "reason", "unit", "reporter", "reported_on", "evidence",
        "active", "lifted_by", "lifted_on", "lift_reason")),
)
# empty before the demo (they all hang off customers), so their indexes are built after the load
BULK_MODELS = (Customer, CustomerRef, Vehicle, Policy, Claim, Activity)


class Demo:
    """What every part of the generator shares: the random stream, the date, the tables…"""

    def __init__(self, seed, today, stamp):
        self.rng = random.Random(seed)
        self.today = today
        self.ident = Identities(self.rng)
        self.tables = SimpleNamespace(**{name: Table(model, columns, stamp)
                                         for name, model, columns in TABLES})
        self.policy_serial = self.claim_serial = self.core_refs = 0
        self.staff = self.towns_by_district = self.agencies = self.brokers = None
        self.unit = ""

    def flush(self):
        for name, _, _ in TABLES:
            getattr(self.tables, name).flush()

    def counts(self):
        return {model._meta.table_name: getattr(self.tables, name).count
                for name, model, _ in TABLES}


def intermediary_count(customers):
    """Car dealers, agencies and brokers: about one per 500 customers, 3 to 400."""
    return min(400, max(3, customers // 500), max(1, customers // 20))


def generate(customers, seed=1, today=None):
    """Fill this initialised database, which has no customers yet, with demo data.

    Returns the number of rows written per table.
    """
    if customers < 1:
        raise Invalid(N_("The number of demo customers must be at least 1."))
    site = Site.current()
    if site is None:
        raise Invalid(N_("This data directory is not initialised."))
    today = today or dt.date.today()
    with db.atomic():
        if Customer.select().exists():
            raise Invalid(N_("This database already has customers; demo data only goes into "
                             "a database without any."))
        demo = Demo(seed, today, stamps.stamp())
        branch = Branch.get_or_none(Branch.code == site.code)
        demo.unit = branch.name if branch else site.name
        demo.staff = staff.make_staff(demo.tables, demo.ident, demo.rng, customers,
                                      branch.id if branch else None)
        demo.towns_by_district = {}
        for town in demo.staff.towns:
            demo.towns_by_district.setdefault(town.district, []).append(town)
        with indexes_rebuilt(BULK_MODELS):
            _intermediaries(demo, intermediary_count(customers))
            demo.flush()
            remaining = customers - intermediary_count(customers)
            while remaining > 0:
                for _ in range(min(BATCH, remaining)):
                    _customer(demo)
                remaining -= BATCH
                demo.flush()
        counts = demo.counts()
        AuditLog.record("demo_generated", target=f"site:{site.code}", seed=seed,
                        today=today.isoformat(), rows=counts)
    return counts


def _intermediaries(demo, count):
    found = people.intermediaries(demo, count)
    # business is spread Zipf-like: a few busy intermediaries (over the key channel premium),
    # a long tail of small ones
    agencies = [row_id for kind, row_id in found if kind != "broker"]
    demo.agencies = Picker(agencies, [(k + 1) ** -1.3 for k in range(len(agencies))])
    brokers = [row_id for kind, row_id in found if kind == "broker"]
    demo.brokers = (Picker(brokers, [(k + 1) ** -1.3 for k in range(len(brokers))]) if brokers
                    else demo.agencies)


def _customer(demo):
    kind = "corporate" if demo.rng.random() < CORPORATE_SHARE else "individual"
    person = people.choose(demo, kind)
    items = policies.plan(demo, person)
    if person.profile in people.INSURED:
        facts = policies.write_policies(demo, person, items)
        claims.write_claims(demo, person, facts)
    else:
        policies.write_records(demo, person, items)
    last_contact = contacts.write_activities(demo, person)
    name, id_number = people.customer_row(demo, person, last_contact)
    contacts.write_blacklist(demo, person, name, id_number)
