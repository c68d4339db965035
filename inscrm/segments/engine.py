"""The segment rules of DESIGN §2 as set-based SQL: figures as of a date, then one decision.

`classify(as_of, customer_ids)` computes every customer's figures with aggregate queries into
temporary tables (policies, claims, intermediary channels, blacklist entries, intents), decides
the first segment that holds in DESIGN's order with a single CASE, and writes only the rows whose
segment, reason or annual premium changed — one bulk UPDATE, and one INSERT … SELECT of history
rows for the changes of segment. One customer and all customers run the very same statements;
the only difference is an `IN (…)` filter, so both give the same answer by construction.

Exactness: money is compared in integer cents and ratios by cross-multiplication with the
threshold as a fraction (loss ratio ≤ 30% is `incurred * 10 <= premium * 3`), never as floats.
The statements themselves are in `inscrm.segment_sql`; this module runs them and writes.
"""

import datetime as dt
import time

from peewee import Table, fn

from inscrm.db import dialect, stamps, transactions
from inscrm.models import SEGMENTS, Customer, Meta, db
from inscrm.segments import rules
from inscrm.segments.sql import decision_sql, figure_queries, parameters

LAST_FULL_RUN = "last_full_classification"
LAST_RULES = "last_full_classification_rules"  # the rule settings version that run used

# DESIGN §2's transition diagram; key → quality is a step down too. prospect → floating (an
# intent that aged out) has no named flow.
FLOWS = {
    "mining": [("floating", "prospect")],
    "growth": [(a, b) for a in ("floating", "prospect") for b in ("standard", "quality", "key")],
    "value_growth": [("standard", "quality"), ("standard", "key"), ("quality", "key")],
    "stripping": [(a, "blacklist") for a in SEGMENTS if a != "blacklist"],
    "churn": [(a, b) for a in ("standard", "quality", "key") for b in ("prospect", "floating")],
    "downgrade": [("key", "standard"), ("quality", "standard"), ("key", "quality")],
    "reinstated": [("blacklist", b) for b in SEGMENTS if b != "blacklist"],
}
FLOW_OF = {pair: flow for flow, pairs in FLOWS.items() for pair in pairs}


def _flow_sql(old, new):
    whens = " ".join(f"WHEN {old} = '{a}' AND {new} = '{b}' THEN '{flow}'"
                     for (a, b), flow in FLOW_OF.items())
    return f"CASE {whens} END"


_TEMP_TABLES = (*(name for name, _select in figure_queries()), "seg_new", "seg_diff")


def _drop_temp_tables():
    for name in _TEMP_TABLES:
        dialect.drop_temp_table(name)


# What `evaluate` leaves behind: each customer's segment, reason and annual premium (cents).
EVALUATED = Table("seg_new", ("id", "segment", "reason", "annual")).bind(db)


def evaluate(as_of, values=None, customer_ids=None):
    """Fill the temporary table EVALUATED with the segment each customer (all, or those ids)
    gets as of a date under the rule values (default: those in force), writing nothing else;
    returns the SQL parameters. `drop_evaluation()` clears it. A simulation of new thresholds
    runs these very statements, so it says what a classification would do."""
    params = parameters(as_of, values)
    _drop_temp_tables()
    for name, select in figure_queries(customer_ids):
        dialect.execute(f"CREATE TEMP TABLE {name} AS {select}", params)
        dialect.create_temp_index(name, "cid")
    dialect.execute(f"CREATE TEMP TABLE seg_new AS {decision_sql(customer_ids)}", params)
    return params


# The rules the figures depend on (continuity, the intent window); the others only decide.
FIGURE_RULES = ("coverage_gap_days", "prospect_intent_days")


def decide_again(as_of, values, customer_ids=None):
    """Fill EVALUATED again under other rule values, on the figures the last `evaluate` of
    this connection computed (as of the same date, for the same customers); valid when the
    values differ from those only in rules outside FIGURE_RULES."""
    params = parameters(as_of, values)
    dialect.drop_temp_table("seg_new")
    dialect.execute(f"CREATE TEMP TABLE seg_new AS {decision_sql(customer_ids)}", params)
    return params


def drop_evaluation():
    _drop_temp_tables()


def classify(as_of=None, customer_ids=None):
    """Evaluate the customers (all, or those ids) as of a date; returns the number changed."""
    as_of = as_of or dt.date.today()
    # a full run is a job: it waits its turn for the write lock; a few customers are a moment
    lock = transactions.job_writing() if customer_ids is None else transactions.writing()
    with lock:
        params = evaluate(as_of, customer_ids=customer_ids)
        db.execute_sql("""
            CREATE TEMP TABLE seg_diff AS
            SELECT n.id, n.segment, n.reason, n.annual,
                   c.segment AS old_segment, c.segment_date AS old_date
            FROM seg_new n JOIN customer c ON c.id = n.id
            WHERE c.segment IS DISTINCT FROM n.segment
               OR c.segment_reason IS DISTINCT FROM n.reason
               OR c.annual_premium IS DISTINCT FROM n.annual OR c.segment_date IS NULL""")
        changed = db.execute_sql("SELECT count(*) FROM seg_diff").fetchone()[0]
        if changed:
            _write_changes(params)
        _drop_temp_tables()
        if customer_ids is None:
            Meta.set_value(LAST_FULL_RUN, as_of.isoformat())
            Meta.set_value(LAST_RULES, _rules_version())
    return changed


def _write_changes(params):
    """Bulk UPDATE of the changed customers, and a history row for every change of segment."""
    # One reserved stamp instead of a trigger per row; the owner (origin) stays as it was.
    stamp = stamps.stamp()
    write = {**params, "seq": stamp["seq"], "version": stamp["version"],
             "origin": stamp["origin"]}
    dialect.execute("""
        UPDATE customer SET segment = d.segment, segment_reason = d.reason, segment_date = :d,
            annual_premium = d.annual, seq = :seq, version = :version
        FROM seg_diff d WHERE customer.id = d.id""", write)
    dialect.connection_functions()
    old = "CASE WHEN old_date IS NULL THEN NULL ELSE old_segment END"
    dialect.execute(f"""
        INSERT INTO segment_change (uid, origin, version, seq, deleted, customer_id,
            from_segment, to_segment, flow, reason, changed_on, annual_premium)
        SELECT {dialect.uuid7()}, :origin, :version, :seq, FALSE, id, {old}, segment,
            {_flow_sql(old, 'segment')}, reason, :d, annual
        FROM seg_diff WHERE old_date IS NULL OR old_segment IS DISTINCT FROM segment
        ORDER BY id""", write)


def classify_all(as_of=None):
    """Evaluate every customer; returns (counts per segment, customers changed, seconds)."""
    started = time.perf_counter()
    changed = classify(as_of)
    return segment_counts(), changed, time.perf_counter() - started


def classify_customer(customer_id, as_of=None):
    """Evaluate one customer with the same statements as a full run."""
    return classify(as_of, [customer_id])


def reclassify(*customer_ids):
    """Re-evaluate customers today, after their policies, claims, contacts or blacklist changed.

    Pass the intermediary too when a policy sold through one changed (its channel premium moved).
    """
    ids = [int(i) for i in customer_ids if i is not None]
    if ids:
        classify(dt.date.today(), ids)


def segment_counts():
    """{segment: number of live customers}, every segment present."""
    rows = (
        Customer.live(Customer.segment, fn.COUNT(Customer.id))
        .group_by(Customer.segment)
        .tuples()
    )
    counts = dict.fromkeys(SEGMENTS, 0)
    counts.update(dict(rows))
    return counts


def change_rules(changes, user=None, note=""):
    """Save new thresholds (versioned, audited) and re-evaluate everyone under them."""
    row = rules.save(changes, user=user, note=note)
    if changes:
        classify_all()
    return row


def last_full_run():
    """The as-of date of the last full classification, or None."""
    value = Meta.get_value(LAST_FULL_RUN)
    return dt.date.fromisoformat(value) if value else None


def _rules_version():
    """The uid of the rule settings in force (new after a local change or one synced down)."""
    latest = rules.latest()
    return latest.uid if latest else ""


def evaluated_on(customer):
    """The date the customer's segment was last evaluated: a full run re-evaluates everyone but
    writes only the customers whose segment or reason changed."""
    if customer.segment_date is None:
        return None
    last = last_full_run()
    return max(customer.segment_date, last) if last else customer.segment_date


def due_for_full_run(today=None):
    """True when the last full run is older than today, or ran under other rule settings."""
    last = last_full_run()
    return (last is None or last < (today or dt.date.today())
            or Meta.get_value(LAST_RULES) != _rules_version())
