"""The blacklist workflow and the manual decisions that feed the segment rules.

Claims staff report a customer (reason, reporting unit, evidence); a manager lifts an entry,
exempts a customer from the automatic claims rule until a date, or designates a key customer.
Each is one transaction with its audit entry, and the customer is re-evaluated in it.
"""

import datetime as dt

from peewee import JOIN, fn

from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import (
    BLACKLIST_REASONS,
    KEY_DESIGNATIONS,
    AuditLog,
    BlacklistEntry,
    Branch,
    Customer,
)
from inscrm.segments import engine, rules
from inscrm.validators import Invalid, parse_choice


def _required_text(value, message):
    text = (value or "").strip()
    if not text:
        raise Invalid(message)
    return text


def report(customer, reason, unit, evidence="", user=None, ip="", on=None):
    """Claims staff put a customer on the blacklist; returns the new entry."""
    reason = parse_choice(reason or "", BLACKLIST_REASONS)
    unit = _required_text(unit, N_("Name the reporting unit."))
    with writing():
        entry = BlacklistEntry.create(
            customer=customer, id_number=customer.id_number or None, name=customer.name,
            reason=reason, unit=unit, reporter=user, reported_on=on or dt.date.today(),
            evidence=(evidence or "").strip(),
        )
        AuditLog.record("blacklist_reported", user, target=f"customer:{customer.uid}", ip=ip,
                        entry=entry.uid, reason=reason, unit=unit)
        engine.reclassify(customer.id)
    return entry


def lift(entry, reason, user=None, ip="", on=None):
    """A manager lifts an active entry, with the reason why."""
    why = _required_text(reason, N_("Give the reason for lifting the entry."))
    if not entry.active:
        raise Invalid(N_("This entry was already lifted."))
    with writing():
        entry.active = False
        entry.lifted_by = user
        entry.lifted_on = on or dt.date.today()
        entry.lift_reason = why
        entry.save()
        AuditLog.record("blacklist_lifted", user, target=f"blacklist_entry:{entry.uid}", ip=ip,
                        reason=why)
        _reclassify_entry(entry)
    return entry


def _reclassify_entry(entry):
    """The entry's customer, and every customer with its ID number (shared entries)."""
    ids = []
    if entry.id_number:
        ids = [c.id for c in Customer.live(Customer.id).where(
            Customer.id_number == entry.id_number)]
    engine.reclassify(entry.customer_id, *ids)


def exempt(customer, until, reason, user=None, ip=""):
    """Exempt a customer from the automatic claims rule until a date (None ends it)."""
    why = _required_text(reason, N_("Give the reason for the exemption."))
    if until is not None and until < dt.date.today():
        raise Invalid(N_("The exemption must end today or later."))
    with writing():
        before = customer.exempt_until
        customer.exempt_until = until
        customer.exempt_reason = why
        customer.save(only=[Customer.exempt_until, Customer.exempt_reason])
        AuditLog.record("blacklist_exemption", user, target=f"customer:{customer.uid}", ip=ip,
                        until=until.isoformat() if until else None,
                        before=before.isoformat() if before else None, reason=why)
        engine.reclassify(customer.id)
    return customer


def designate_key(customer, designation, reason, user=None, ip=""):
    """Designate a key customer by hand (brand, social standing, big project); None removes it."""
    why = _required_text(reason, N_("Give the reason for the designation."))
    if designation:
        designation = parse_choice(designation, KEY_DESIGNATIONS)
    with writing():
        before = customer.key_designation
        customer.key_designation = designation or None
        customer.key_reason = why
        customer.save(only=[Customer.key_designation, Customer.key_reason])
        AuditLog.record("key_designation", user, target=f"customer:{customer.uid}", ip=ip,
                        designation=designation or None, before=before, reason=why)
        engine.reclassify(customer.id)
    return customer


def entries(active_only=True):
    """Blacklist entries, newest first."""
    query = (BlacklistEntry.live().select(BlacklistEntry, Customer)
             .join(Customer, JOIN.LEFT_OUTER, on=(BlacklistEntry.customer == Customer.id))
             .order_by(BlacklistEntry.reported_on.desc(), BlacklistEntry.id.desc()))
    if active_only:
        query = query.where(BlacklistEntry.active)
    return query


def entries_of(customer):
    """The active entries that hold for a customer: its own, and those shared by HQ for its ID
    number (the same entries the segment rule reads)."""
    mine = BlacklistEntry.customer == customer.id
    if customer.id_number:
        mine |= BlacklistEntry.id_number == customer.id_number
    return entries().where(mine)


def quota(year):
    """[(unit, entries reported in the year, quota)] for every branch and every reporting unit."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    reported = dict(
        BlacklistEntry.live(BlacklistEntry.unit, fn.COUNT(BlacklistEntry.id))
        .where(BlacklistEntry.reported_on.between(first, last))
        .group_by(BlacklistEntry.unit)
        .tuples()
    )
    units = {name: 0 for (name,) in Branch.live(Branch.name).tuples()}
    units.update(reported)
    minimum = int(rules.current()["blacklist_quota"])
    return [(unit, n, minimum) for unit, n in sorted(units.items())]
