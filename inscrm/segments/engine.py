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
from inscrm.segments.sql import decision_sql, figure_queries, listed, parameters

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


def classify(as_of=None, customer_ids=None, then=None):
    """Evaluate the customers (all, or those ids) as of a date; returns the number changed.

    A few customers are one short transaction. A full run is a job that must not lock the
    office out: everyone is evaluated on a read snapshot, and the changes are written in pieces
    of about PIECE_SECONDS each, one transaction apiece, pausing between them so that people's
    writes waiting for the lock get it. A customer whose rows someone changed since the
    snapshot is left out of the pieces and evaluated again at the end, under the lock, on the
    rows as they are then. Inside a caller's transaction the whole run is that transaction.
    `then`: a function run in the transaction that ends the run."""
    as_of = as_of or dt.date.today()
    if customer_ids is not None or db.transaction_depth() > 0:
        with transactions.writing():
            params = evaluate(as_of, customer_ids=customer_ids)
            changed = _diff()
            if changed:
                _write_changes(params)
            _drop_temp_tables()
            if customer_ids is None:
                _mark_full_run(as_of)
            if then is not None:
                then()
        return changed
    return _classify_in_pieces(as_of, then)


PIECE_SECONDS = 0.4  # a full run's writes hold the lock about this long at a time
FIRST_PIECE = 1000  # customers written by the first piece; later ones sized by its time
MIN_PIECE = 100


def _pause():
    """Between two pieces of a full run: no transaction is open."""
    transactions.pause()


def _classify_in_pieces(as_of, then):
    with transactions.reading():
        since = stamps.current_seq()  # the changes this snapshot has seen
        params = evaluate(as_of)
        changed = _diff()
    dialect.create_temp_index("seg_diff", "id")
    ours, size, after = set(), FIRST_PIECE, 0
    while True:
        (last,) = db.execute_sql(
            f"SELECT max(id) FROM (SELECT id FROM seg_diff WHERE id > {after} "
            f"ORDER BY id LIMIT {size}) AS piece").fetchone()
        if last is None:
            break
        started = time.perf_counter()
        with transactions.job_writing():
            stale = _touched_since(since, ours)
            if stale:
                db.execute_sql(f"DELETE FROM seg_diff WHERE id IN ({listed(stale)})")
            ours.add(_write_changes(params, after, last))
        after = last
        held = time.perf_counter() - started
        size = max(MIN_PIECE, min(20_000, int(size * PIECE_SECONDS / max(held, 0.01))))
        _pause()
    with transactions.job_writing():
        stale = _touched_since(since, ours)
        _drop_temp_tables()
        if stale:  # evaluated again on the rows as they are now
            params = evaluate(as_of, customer_ids=stale)
            if _diff():
                _write_changes(params)
            _drop_temp_tables()
        _mark_full_run(as_of)
        if then is not None:
            then()
    return changed


def _touched_since(since, ours):
    """Customers (and intermediaries) whose rows a write other than this run's own pieces (the
    change sequences `ours`) made after change sequence `since`: what a snapshot taken then no
    longer knows."""
    later = f"seq > {int(since)}"
    not_ours = f" AND seq NOT IN ({listed(ours)})" if ours else ""
    statements = [
        f"SELECT id FROM customer WHERE {later}{not_ours}",
        f"SELECT customer_id FROM policy WHERE {later}",
        f"SELECT intermediary_id FROM policy WHERE {later} AND intermediary_id IS NOT NULL",
        f"SELECT customer_id FROM claim WHERE {later}",
        f"SELECT customer_id FROM activity WHERE {later}",
        f"SELECT customer_id FROM blacklist_entry WHERE {later} AND customer_id IS NOT NULL",
        "SELECT c.id FROM blacklist_entry b JOIN customer c ON c.id_number = b.id_number "
        f"WHERE b.{later} AND b.id_number <> ''",
    ]
    return {row[0] for row in db.execute_sql(" UNION ".join(statements))}


def _diff():
    """The temporary table seg_diff of the evaluated customers whose segment, reason or annual
    premium differs from their row's; returns how many."""
    db.execute_sql("""
        CREATE TEMP TABLE seg_diff AS
        SELECT n.id, n.segment, n.reason, n.annual,
               c.segment AS old_segment, c.segment_date AS old_date
        FROM seg_new n JOIN customer c ON c.id = n.id
        WHERE c.segment IS DISTINCT FROM n.segment
           OR c.segment_reason IS DISTINCT FROM n.reason
           OR c.annual_premium IS DISTINCT FROM n.annual OR c.segment_date IS NULL""")
    return db.execute_sql("SELECT count(*) FROM seg_diff").fetchone()[0]


def _mark_full_run(as_of):
    Meta.set_value(LAST_FULL_RUN, as_of.isoformat())
    Meta.set_value(LAST_RULES, _rules_version())


EVERY_ID = (0, 2**63 - 1)


def _write_changes(params, after=EVERY_ID[0], last=EVERY_ID[1]):
    """Bulk UPDATE of the changed customers of seg_diff (those of ids after `after` up to
    `last`), and a history row for every change of segment; returns the change sequence they
    were written with."""
    # One reserved stamp instead of a trigger per row; the owner (origin) stays as it was.
    stamp = stamps.stamp()
    write = {**params, "seq": stamp["seq"], "version": stamp["version"],
             "origin": stamp["origin"], "after": after, "last": last}
    dialect.execute("""
        UPDATE customer SET segment = d.segment, segment_reason = d.reason, segment_date = :d,
            annual_premium = d.annual, seq = :seq, version = :version
        FROM seg_diff d WHERE customer.id = d.id AND d.id > :after AND d.id <= :last""", write)
    dialect.connection_functions()
    old = "CASE WHEN old_date IS NULL THEN NULL ELSE old_segment END"
    dialect.execute(f"""
        INSERT INTO segment_change (uid, origin, version, seq, deleted, customer_id,
            from_segment, to_segment, flow, reason, changed_on, annual_premium)
        SELECT {dialect.uuid7()}, :origin, :version, :seq, FALSE, id, {old}, segment,
            {_flow_sql(old, 'segment')}, reason, :d, annual
        FROM seg_diff WHERE id > :after AND id <= :last
            AND (old_date IS NULL OR old_segment IS DISTINCT FROM segment)
        ORDER BY id""", write)
    return stamp["seq"]


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
