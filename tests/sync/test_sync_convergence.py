"""A state machine: random edits, new customers, merges and deletes at three branches, their
bundles delivered to HQ in random order (some lost, some late, some twice, several at once),
acknowledgements coming back. No delivery takes a row at HQ back to an older version, and at
the end HQ holds exactly what a twin HQ that received every bundle the moment it was written
holds, and what each branch holds of its own.

The steps call the domain functions the CLI calls (`export_bundle`, `import_files`) on each
site's database in turn: an app per step would cost more than the step. Every site is on
SQLite, so an example starts from a copy of the template's data directories; HQ on PostgreSQL
receives shuffled, duplicated and lost bundles in test_sync_rounds.
"""

import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from network import Network

from inscrm.customers.edit import merge_customers
from inscrm.models import Customer, Policy
from inscrm.sync import BundleRefused, tables
from inscrm.sync.export import export_bundle
from inscrm.sync.service import import_files
from tests.helpers import make_customer, make_policy

BRANCHES = ("B1", "B2", "B3")
branch = st.sampled_from(BRANCHES)
pick = st.integers(min_value=0, max_value=1000)


def _owned_live(model):
    return list(model.live().where(model.owned_here()).order_by(model.id))


class Delivery(RuleBasedStateMachine):
    """`net` is a copy of the template network with a twin HQ, REF, that gets every bundle the
    moment it is written; HQ gets them as the courier brings them."""

    template = None  # a Network of HQ and three branches, set by the test
    root = None

    @initialize()
    def start(self):
        self.folder = Path(tempfile.mkdtemp(dir=self.root))
        self.net = self.template.clone(self.folder, twins={"REF": "HQ"})
        self.sent = []  # every bundle written, in order; any may reach HQ, or never
        self.delivered = set()
        self.count = 0

    def _write(self, sender, to):
        self.count += 1
        path = self.folder / f"{self.count:03d}-{sender}-to-{to}.bundle"
        with self.net.bound(sender) as data_dir:
            export_bundle(path, to, data_dir)
        return path

    def _apply(self, site, *paths):
        with self.net.bound(site) as data_dir:
            refused = [o for o in import_files(list(paths), data_dir)
                       if isinstance(o, BundleRefused)]
        assert not refused, refused

    def _send(self, code):
        """Each change is followed by the branch's bundle (it holds that change and all HQ has
        not acknowledged); REF applies it at once."""
        bundle = self._write(code, "HQ")
        self._apply("REF", bundle)
        self.sent.append(bundle)

    # --- at a branch: a change, then its bundle ---------------------------------------------

    @rule(code=branch, n=pick, text=st.text("客户改备注xyz", min_size=1, max_size=6))
    def edit(self, code, n, text):
        with self.net.bound(code):
            customer = _owned_live(Customer)[0]  # one row edited again and again
            customer.notes = text
            customer.phone = f"139{n:08d}"
            customer.save()
        self._send(code)

    @rule(code=branch, n=pick)
    def add(self, code, n):
        with self.net.bound(code):
            customer = make_customer(name=f"新客户{code}{n}")
            make_policy(customer, premium=f"{100 + n}.00")
        self._send(code)

    @rule(code=branch, n=pick)
    def delete(self, code, n):
        with self.net.bound(code):
            policies = _owned_live(Policy)
            if policies:
                policy = policies[n % len(policies)]
                policy.deleted = True
                policy.save()
        self._send(code)

    @rule(code=branch, n=pick, m=pick)
    def merge(self, code, n, m):
        with self.net.bound(code):
            customers = _owned_live(Customer)
            survivor, others = customers[n % len(customers)], customers[1:]
            other = others[m % len(others)] if others else survivor  # the first one stays
            if survivor.id != other.id:
                merge_customers(survivor, other)
        self._send(code)

    # --- the courier and HQ -----------------------------------------------------------------

    def _deliver(self, *bundles):
        """Bundles reach HQ: each applies, or was applied already (none is refused), and no
        row at HQ goes back to an older version."""
        before = self._versions()
        self._apply("HQ", *bundles)
        self.delivered.update(bundles)
        after = self._versions()
        older = {uid: (v, after.get(uid)) for uid, v in before.items() if after.get(uid, "") < v}
        assert not older, older

    def _versions(self):
        with self.net.bound("HQ"):
            return {uid: version for model in tables.ORDER
                    for uid, version in model.select(model.uid, model.version).tuples()}

    @precondition(lambda self: self.sent)
    @rule(picks=st.lists(pick, min_size=1, max_size=3), seed=pick, ack=st.booleans())
    def deliver(self, picks, seed, ack):
        """Some of the bundles written so far, old or new, perhaps the same one twice, all at
        once in any order. With `ack` HQ's bundle goes back to their branches at once."""
        chosen = [self.sent[p % len(self.sent)] for p in picks]
        random.Random(seed).shuffle(chosen)
        self._deliver(*chosen)
        if ack:
            for code in sorted({path.name.split("-")[1] for path in chosen}):
                self.acknowledge(code)

    @precondition(lambda self: set(self.sent) - self.delivered)
    @rule()
    def late(self):
        """The oldest bundle not delivered yet turns up at last."""
        self._deliver(next(path for path in self.sent if path not in self.delivered))

    @rule(code=branch)
    def acknowledge(self, code):
        self._apply(code, self._write("HQ", code))

    def teardown(self):
        try:
            if hasattr(self, "net"):
                self._converge()
        finally:
            shutil.rmtree(getattr(self, "folder", ""), ignore_errors=True)

    def _converge(self):
        for code in BRANCHES:  # the last bundle of each branch reaches both
            bundle = self._write(code, "HQ")
            self._deliver(bundle)
            self._apply("REF", bundle)
        for code in BRANCHES:
            at_hq = self.net.owned("HQ", code)
            assert at_hq == self.net.owned("REF", code)
            assert at_hq == self.net.owned(code, code)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """HQ and three branches of three customers with a policy or two each (little data, so
    many steps fit in a few seconds)."""
    net = Network(tmp_path_factory.mktemp("template"), branches=len(BRANCHES))
    for code in BRANCHES:
        with net.bound(code):
            for n in range(3):
                customer = make_customer(name=f"客户{code}{n}")
                for _ in range(1 + n % 2):
                    make_policy(customer)
    return net


def test_random_delivery_converges_to_in_order_delivery(template, tmp_path):
    Delivery.template, Delivery.root = template, tmp_path
    run_state_machine_as_test(Delivery, settings=settings(
        max_examples=10, stateful_step_count=12, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow]))
