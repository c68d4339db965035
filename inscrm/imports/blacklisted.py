"""The blacklist guard for policy imports: which rows of a chunk would write a new policy of ours
for a blacklisted customer, found in a few set queries per chunk.

A customer is blacklisted as in `inscrm.guard`: an active entry names them or their ID number
(also an entry shared by HQ), or the claims rule put them in the blacklist segment. Rows that
update a policy already imported from the same source, and competitors' policies (an insurer
given), are no new business of ours and pass.
"""

from dataclasses import dataclass

from peewee import chunked

from inscrm.blacklist import guard
from inscrm.db import dialect
from inscrm.imports.problems import Problem
from inscrm.labels import label
from inscrm.models import BlacklistEntry, Customer, Policy

BATCH = 500

# The customers of a chunk that may be blacklisted, in one plain query per BATCH ids (most chunks
# have none, and building peewee IN lists of thousands of ids per chunk costs more than the
# import's own look-ups); `refusals` then asks the guard for the exact verdict on these few.
_SUSPECTS = """
SELECT c.id FROM customer c WHERE c.id IN ({ids}) AND (
  c.segment = 'blacklist'
  OR EXISTS (SELECT 1 FROM blacklist_entry e
             WHERE e.customer_id = c.id AND e.active AND NOT e.deleted)
  OR (c.id_number IS NOT NULL AND c.id_number <> '' AND (
    EXISTS (SELECT 1 FROM blacklist_entry e
            WHERE e.id_number = c.id_number AND e.active AND NOT e.deleted)
    OR EXISTS (SELECT 1 FROM customer t JOIN blacklist_entry e ON e.customer_id = t.id
               WHERE t.id_number = c.id_number AND e.active AND NOT e.deleted))))
"""


@dataclass
class BlockedRow:
    row: int
    ref: str
    policy_no: str
    problem: object  # the Problem naming column customer_ref and the refusal


def _new(candidates, source):
    """The rows whose policy_no is not yet imported from this source."""
    existing = set()
    for batch in chunked([r.values["policy_no"] for r in candidates], BATCH):
        existing.update(n for (n,) in Policy.select(Policy.policy_no).where(
            Policy.source == source, Policy.policy_no.in_(batch),
            Policy.owned_here()).tuples())
    return [r for r in candidates if r.values["policy_no"] not in existing]


def _customers(ids):
    people = {}
    for batch in chunked(sorted(ids), BATCH):
        for row in (Customer.select(Customer.id, Customer.name, Customer.id_number,
                                    Customer.segment)
                    .where(Customer.id.in_(batch)).tuples()):
            people[row[0]] = row[1:]
    return people


def _newest_by_customer(ids):
    """{customer id: newest active entry naming that customer row}."""
    found = {}
    for batch in chunked(sorted(ids), BATCH):
        query = (BlacklistEntry.live()
                 .where(BlacklistEntry.active, BlacklistEntry.customer.in_(batch))
                 .order_by(BlacklistEntry.reported_on, BlacklistEntry.id))
        for entry in query:
            found[entry.customer_id] = entry  # ascending: the newest stays
    return found


def _newest(*entries):
    present = [e for e in entries if e is not None]
    return max(present, key=lambda e: (e.reported_on, e.id)) if present else None


def refusals(customer_ids):
    """{customer id: guard.Blocked} for the blacklisted among these customers."""
    suspects = set()
    for batch in chunked(sorted(customer_ids), BATCH):
        sql = _SUSPECTS.format(ids=", ".join("?" * len(batch)))
        suspects.update(i for (i,) in dialect.execute(sql, batch))
    if not suspects:
        return {}
    people = _customers(suspects)
    by_number = guard.blacklisted_id_numbers(n for _, n, _ in people.values())
    by_row = _newest_by_customer(people)
    found = {}
    for customer_id, (name, id_number, segment) in people.items():
        entry = _newest(by_row.get(customer_id), by_number.get(id_number) if id_number else None)
        blocked = guard.blocking(name, entry, segment)
        if blocked is not None:
            found[customer_id] = blocked
    return found


def blocked_rows(records, source):
    """[(record, BlockedRow)] for the rows that would write a new policy of ours for a
    blacklisted customer (records resolved: values["customer"] holds the customer id)."""
    ours = [r for r in records if not r.values.get("insurer")]
    found = refusals({r.values["customer"] for r in ours})
    hits = []
    for record in _new([r for r in ours if r.values["customer"] in found], source):
        blocked = found[record.values["customer"]]
        params = dict(blocked.params)
        if "reason" in params:
            params["reason"] = label("blacklist_reason", params["reason"])
        problem = Problem(record.number, "customer_ref", record.values["customer_ref"],
                          blocked.message, params, words=("reason",))
        hits.append((record, BlockedRow(record.number, record.values["customer_ref"],
                                        record.values["policy_no"], problem)))
    return hits
