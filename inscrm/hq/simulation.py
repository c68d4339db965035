"""Rules owned by HQ, simulated before they are published.

An analyst drafts new segment thresholds (`draft`); the simulation evaluates every customer of
every branch with the segment engine's own statements (`engine.evaluate`) under the rules in
force and under the draft, as of the same date (when the draft changes thresholds only, the
figures are computed once and decided twice) — and counts, per branch, how many
customers and how much annual premium would move from each segment to each other (a migration
matrix on the consolidated data). Nothing is written but the result on the draft. An HQ
administrator then publishes the draft as a new rule version (audited); it travels down in the
next bundle, and each branch's next classification applies it. A draft simulated under other
rules than those now in force must be simulated again before it is published.
"""

import datetime as dt
import logging
import threading
from decimal import Decimal

from peewee import BigIntegerField, CharField, IntegerField, fn

from inscrm.db.transactions import writing
from inscrm.hq.persons import cents
from inscrm.i18n import N_
from inscrm.models import SEGMENTS, AuditLog, BaseModel, Customer, RuleDraft, Site, db, now
from inscrm.segments import engine, rules
from inscrm.validators import Invalid

log = logging.getLogger(__name__)


class Baseline(BaseModel):
    """The segments under the rules in force, kept while the draft's are evaluated (a
    temporary table of the simulating connection)."""

    id = IntegerField(primary_key=True)
    segment = CharField()
    annual = BigIntegerField()

    class Meta:
        table_name = "hq_simulation_baseline"
        temporary = True


def _version():
    latest = rules.latest()
    return latest.number if latest else 0


def moves(changes, as_of=None):
    """{site code: {(from, to): (customers, annual premium)}} when the thresholds `changes`
    replace those in force, every customer evaluated as of `as_of` under both."""
    as_of = as_of or dt.date.today()
    values = {**rules.current(), **changes}
    new = engine.EVALUATED
    with db.atomic():
        engine.evaluate(as_of)
        Baseline.drop_table(safe=True)
        Baseline.create_table(safe=False)
        Baseline.insert_from(new.select(new.id, new.segment, new.annual),
                             [Baseline.id, Baseline.segment, Baseline.annual]).execute()
        if set(changes) & set(engine.FIGURE_RULES):
            engine.evaluate(as_of, values)
        else:  # thresholds only: the same figures, decided again
            engine.decide_again(as_of, values)
        rows = (new.select(Customer.origin, Baseline.segment, new.segment,
                           fn.COUNT(Baseline.id), fn.SUM(Baseline.annual))
                .join(Baseline, on=(Baseline.id == new.id))
                .join(Customer, on=(Customer.id == new.id))
                .group_by(Customer.origin, Baseline.segment, new.segment)
                .tuples())
        out = {}
        for origin, before, after, n, premium in rows:
            out.setdefault(origin, {})[(before, after)] = (n, cents(premium))
        engine.drop_evaluation()
        Baseline.drop_table(safe=True)
    return out


def result(changes, as_of=None):
    """The simulation as JSON-ready data: per branch its matrix cells, customers and premium
    that would change segment; and the network's total."""
    as_of = as_of or dt.date.today()
    found = moves(changes, as_of)
    names = {site.code: site.name for site in Site.select()}
    branches, total = [], {}
    for code in sorted(found):
        cells = found[code]
        for pair, (n, premium) in cells.items():
            n0, p0 = total.get(pair, (0, Decimal("0.00")))
            total[pair] = (n0 + n, p0 + premium)
        branches.append(_summary(code, names.get(code, code), cells))
    return {"as_of": as_of.isoformat(), "based_on": _version(), "changes": changes,
            "branches": branches, "network": _summary("", "", total)}


def _summary(code, name, cells):
    moved = {pair: cell for pair, cell in cells.items() if pair[0] != pair[1]}
    return {
        "code": code, "name": name,
        "cells": {f"{a}>{b}": [n, str(premium)] for (a, b), (n, premium) in cells.items()},
        "customers": sum(n for n, _ in cells.values()),
        "moved": sum(n for n, _ in moved.values()),
        "moved_premium": str(sum((p for _, p in moved.values()), Decimal("0.00"))),
    }


def matrix(summary):
    """A branch's cells as rows for a table: [(from, [(to, customers, premium)])]."""
    cells = summary["cells"]
    return [(a, [(b, *cells.get(f"{a}>{b}", [0, "0.00"])) for b in SEGMENTS])
            for a in SEGMENTS]


# --- drafts -------------------------------------------------------------------------------


def draft(form, user, note=""):
    """A new draft from the rule form's fields (only what differs from the rules in force);
    raises Invalid when a value is bad or nothing changes."""
    if rules.from_hq():
        raise Invalid(N_("The rule settings come from HQ; they can only be changed there."))
    changes = rules.parse(form)
    if not changes:
        raise Invalid(N_("Change at least one threshold to simulate."))
    with writing():
        row = RuleDraft.create(changes=changes, note=(note or "").strip(), created_by=user)
        AuditLog.record("rules_drafted", user, target=f"rule_draft:{row.id}", changes=changes)
    return row


def simulate(row, as_of=None):
    """Run the draft's simulation now and keep its result on the draft."""
    outcome = result(row.changes, as_of)
    with writing():
        (RuleDraft.update(result=outcome, as_of=dt.date.fromisoformat(outcome["as_of"]),
                          based_on=outcome["based_on"], simulated_at=now())
         .where(RuleDraft.id == row.id).execute())
    return RuleDraft.get_by_id(row.id)


def start(row, as_of=None):
    """Simulate in a thread of its own (over a large network it takes a while); the draft's
    page shows the result once `simulated_at` is set."""
    (RuleDraft.update(result=None, simulated_at=None).where(RuleDraft.id == row.id).execute())

    def run():
        db.connect(reuse_if_open=True)
        try:
            simulate(RuleDraft.get_by_id(row.id), as_of)
        except Exception:  # the page offers to simulate again; the log has the details
            log.exception("simulation of rule draft %s failed", row.id)
        finally:
            if not db.is_closed():
                db.close()

    thread = threading.Thread(target=run, name=f"simulate-{row.id}", daemon=True)
    thread.start()
    return thread


def is_current(row):
    """The draft was simulated under the rules in force now."""
    return row.simulated_at is not None and row.based_on == _version()


def publish(row, user, ip=""):
    """(HQ administrator) Publish a simulated draft as the next rule version; audited."""
    if user is None or user.role != "admin":
        raise Invalid(N_("Only an administrator may change the rules."))
    if row.status != "draft":
        raise Invalid(N_("This draft was already decided."))
    if not is_current(row):
        raise Invalid(N_("The rules changed since this draft was simulated; simulate it "
                         "again first."))
    with writing():
        version = rules.save(row.changes, user=user, note=row.note or f"draft {row.id}")
        (RuleDraft.update(status="published", decided_by=user, decided_at=now(),
                          published=version).where(RuleDraft.id == row.id).execute())
        network = (row.result or {}).get("network", {})
        AuditLog.record("rules_published", user, target=f"rule_settings:{version.uid}", ip=ip,
                        draft=row.id, changes=row.changes, moved=network.get("moved"),
                        moved_premium=network.get("moved_premium"))
    return version


def discard(row, user, ip=""):
    if row.status != "draft":
        raise Invalid(N_("This draft was already decided."))
    with writing():
        (RuleDraft.update(status="discarded", decided_by=user, decided_at=now())
         .where(RuleDraft.id == row.id).execute())
        AuditLog.record("rules_draft_discarded", user, target=f"rule_draft:{row.id}", ip=ip)


def drafts(limit=20):
    return RuleDraft.select().order_by(RuleDraft.id.desc()).limit(limit)
