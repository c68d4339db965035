"""The network blacklist: every branch's entries in one list, the cross-branch hits (people
blacklisted at one branch who hold policies in force at another) as a risk report, and HQ's
decisions about sharing an entry with the other branches (`BlacklistShare`, owned by HQ: a
withheld entry is not relayed to the other branches, `inscrm.sync.tables`)."""

import datetime as dt

from peewee import JOIN, fn

from inscrm.db import stamps
from inscrm.db.transactions import writing
from inscrm.hq.persons import cents
from inscrm.i18n import N_
from inscrm.labels import label
from inscrm.models import AuditLog, BlacklistEntry, BlacklistShare, Customer, Policy, Site
from inscrm.validators import Invalid


def _names():
    return {site.code: site.name for site in Site.select()}


def entries(site=None, active=True, limit=500):
    """Entries of every branch (or one), newest first, with their customer and HQ's latest
    decision on each: [(entry, share or None)]."""
    query = (BlacklistEntry.live().select(BlacklistEntry, Customer)
             .join(Customer, JOIN.LEFT_OUTER, on=(BlacklistEntry.customer == Customer.id))
             .order_by(BlacklistEntry.reported_on.desc(), BlacklistEntry.id.desc()))
    if active:
        query = query.where(BlacklistEntry.active)
    if site:
        query = query.where(BlacklistEntry.origin == site)
    rows = list(query.limit(limit))
    shares = {share.entry_id: share for share in (
        BlacklistShare.live().where(BlacklistShare.entry.in_([e.id for e in rows]))
        .order_by(BlacklistShare.id))}
    return [(entry, shares.get(entry.id)) for entry in rows]


def cross_branch_hits(as_of=None, translate=None):
    """People with an active entry at one branch who hold our policies in force at another:
    one row per entry and customer row elsewhere, most premium first."""
    as_of = as_of or dt.date.today()
    translate = translate or (lambda message: message)
    held = Customer.alias("held")
    premium = fn.SUM(Policy.premium).coerce(False)
    rows = (Policy.ours(cancelled=False)
            .select(BlacklistEntry.id, BlacklistEntry.id_number, BlacklistEntry.origin,
                    BlacklistEntry.name, BlacklistEntry.reason, BlacklistEntry.unit,
                    BlacklistEntry.reported_on, held.id, held.origin, held.name,
                    fn.COUNT(Policy.id), premium)
            .join(held, on=(Policy.customer == held.id))
            .join_from(held, BlacklistEntry, on=(
                (BlacklistEntry.id_number == held.id_number)
                & (BlacklistEntry.origin != held.origin)))
            .where(~held.deleted, ~BlacklistEntry.deleted, BlacklistEntry.active,
                   BlacklistEntry.reported_on <= as_of, Policy.start_date <= as_of,
                   Policy.end_date >= as_of)
            .group_by(BlacklistEntry.id, held.id)
            .order_by(premium.desc(), BlacklistEntry.id, held.id)
            .tuples())
    names = _names()
    return [{"entry_id": entry_id, "id_number": number, "entry_site": site,
             "entry_site_name": names.get(site, site), "name": name or held_name,
             "reason": translate(label("blacklist_reason", reason)), "unit": unit,
             "reported_on": reported_on, "customer_id": held_id, "held_site": held_site,
             "held_site_name": names.get(held_site, held_site), "policies": n,
             "premium": cents(total)}
            for (entry_id, number, site, name, reason, unit, reported_on, held_id, held_site,
                 held_name, n, total) in rows]


def decide_share(entry, shared, note="", user=None, ip="", on=None):
    """HQ shares an entry with the other branches, or withholds it (with a note); audited.
    One decision per entry: a new one replaces the last. Sharing an entry again queues it
    for the next bundle to every branch (its change sequence moves; the row, its version and
    its owner stay the branch's), so a branch that acknowledged bundles while it was withheld
    still receives it."""
    note = (note or "").strip()
    if not shared and not note:
        raise Invalid(N_("Say why the entry is withheld from the other branches."))
    me = Site.current()
    with writing():
        share = (BlacklistShare.live()
                 .where(BlacklistShare.entry == entry, BlacklistShare.origin == me.code)
                 .first())
        if share is None:
            share = BlacklistShare(entry=entry)
        share.shared, share.note, share.decided_on = bool(shared), note, on or dt.date.today()
        share.save()
        if shared:
            BlacklistEntry.update(seq=stamps.stamp()["seq"]).where(
                BlacklistEntry.id == entry.id).execute()
        AuditLog.record("blacklist_shared" if shared else "blacklist_withheld", user,
                        target=f"blacklist_entry:{entry.uid}", ip=ip, note=note)
    return share
