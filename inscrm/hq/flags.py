"""Network-wide flags: HQ evaluates each person (ID number) over every branch's rows with the
segment rules of DESIGN §2 and the thresholds in force — blacklisted anywhere, or key across the
network — and flags the person at every branch that has them, with the reason in words.

A person is evaluated when two or more sites are involved (rows at two branches, or a blacklist
entry from another site): a person at one branch alone is what that branch's own segment says.
The first rule that holds wins, as at a branch:

1. blacklist — an active entry at any site that HQ shares (not withheld), else a branch's own
   claims-rule blacklist, else the claims rule over the combined figures (12-month claims and
   loss ratio across branches) unless every branch exempted the person;
2. key — in force at some branch and the combined annual premium ≥ the key threshold, else
   key at a branch by its own rule (a tender policy, a designation, a channel).

HQ owns the flags (`NetworkFlag`, one per person and branch); they travel down in the next
bundle to their branch, which shows them beside its own segment. A recomputation writes only
what changed (a flag that no longer holds becomes a tombstone), so unchanged flags do not travel
again. `recompute` is what `inscrm hq recompute` and the daily work at HQ call.
"""

import datetime as dt
from decimal import ROUND_CEILING

from peewee import EXCLUDED, JOIN, chunked, fn

from inscrm.db import stamps, transactions
from inscrm.db.ids import uuid7
from inscrm.formatting import money
from inscrm.hq import persons
from inscrm.i18n import N_
from inscrm.models import (
    BlacklistEntry,
    BlacklistShare,
    Customer,
    Meta,
    NetworkFlag,
    Site,
    SyncLedger,
)
from inscrm.segments import rules
from inscrm.segments.sql import MSG, parameters

FLAGGED = ("blacklist", "key")  # the network segments a person is flagged with
LAST_RUN = "network_flags_on"  # the day of the last recomputation
LAST_LEDGER = "network_flags_ledger"  # the newest bundle applied before it
CHUNK = 500

REASONS = {
    "key_network": N_("Network annual premium %(premium)s ≥ %(threshold)s, at %(branches)s "
                      "branches"),
    "key_at": N_("Key customer at %(site)s"),
    "blacklist_at": N_("Blacklisted at %(site)s"),
    "claims_network": N_("%(count)s claims in the last 12 months across %(branches)s branches, "
                         "loss ratio %(ratio)s > %(threshold)s"),
}


def _part(key, **params):
    return {"msg": REASONS[key], "params": params}


def _parts(reason):
    return reason if isinstance(reason, list) else [reason]


def _percent_up(part, whole):
    """part / whole as a percentage rounded up to 0.01%, as the segment reasons print it."""
    basis_points = (part * 10000 / whole).to_integral_value(rounding=ROUND_CEILING)
    text = f"{int(basis_points) // 100}.{int(basis_points) % 100:02d}%"
    return text.replace(".00%", "%")


# --- who is evaluated, and on what ----------------------------------------------------------


def _withheld():
    """Entries HQ decided not to share: they flag no one beyond their own branch."""
    return (BlacklistShare.select(BlacklistShare.entry)
            .where(~BlacklistShare.shared, ~BlacklistShare.deleted))


def _active_entries(as_of):
    """Active entries on `as_of` with the ID number they are for (their own or their
    customer's), unless withheld: (ID number, site, reason, unit, reported on)."""
    number = fn.COALESCE(BlacklistEntry.id_number, Customer.id_number)
    return (BlacklistEntry.live(number.alias("idno"), BlacklistEntry.origin,
                                BlacklistEntry.reason, BlacklistEntry.unit,
                                BlacklistEntry.reported_on)
            .join(Customer, JOIN.LEFT_OUTER, on=(BlacklistEntry.customer == Customer.id))
            .where(BlacklistEntry.active, BlacklistEntry.reported_on <= as_of,
                   BlacklistEntry.id.not_in(_withheld())))


def network_persons(as_of):
    """A sub-query of the ID numbers involving two or more sites (customer rows at two
    branches, or a row here and an active shared entry there)."""
    rows = (Customer.live(Customer.id_number.alias("idno"), Customer.origin.alias("site"))
            .where(Customer.id_number.is_null(False), Customer.id_number != ""))
    entries = (_active_entries(as_of).select(
        fn.COALESCE(BlacklistEntry.id_number, Customer.id_number).alias("idno"),
        BlacklistEntry.origin.alias("site")))
    both = (rows | entries).alias("involved")
    return (both.select_from(both.c.idno)
            .where(both.c.idno.is_null(False), both.c.idno != "")
            .group_by(both.c.idno)
            .having(fn.COUNT(both.c.site) > 1))


def _rows(numbers):
    """{ID number: [customer rows]} of the persons, with what the rules read of each."""
    out = {}
    query = (Customer.live(Customer.id, Customer.id_number, Customer.origin, Customer.segment,
                           Customer.segment_reason, Customer.exempt_until)
             .where(Customer.id_number.in_(numbers))
             .order_by(Customer.origin, Customer.id))
    for row in query:
        out.setdefault(row.id_number, []).append(row)
    return out


def _entries(numbers, as_of):
    out = {}
    query = (_active_entries(as_of)
             .where(fn.COALESCE(BlacklistEntry.id_number, Customer.id_number).in_(numbers))
             .order_by(BlacklistEntry.reported_on, BlacklistEntry.id).tuples())
    for number, site, reason, unit, reported_on in query:
        out.setdefault(number, []).append((site, reason, unit, reported_on))
    return out


# --- the decision -------------------------------------------------------------------------


def decide(figures, rows, entries, values, texts, names, as_of):
    """(segment, reason) of one person across the network, or None: DESIGN §2's first two
    rules over the combined figures (`texts`: the thresholds as the reasons print them)."""
    where = len({row.origin for row in rows})

    def site(code):
        return names.get(code, code)

    if entries:
        code, reason, unit, reported_on = entries[0]
        return "blacklist", [_part("blacklist_at", site=site(code)),
                             {"msg": MSG[f"bl_{reason}"],
                              "params": {"date": reported_on.isoformat(), "unit": unit or "—"}}]
    for row in rows:
        parts = _parts(row.segment_reason or [])
        if row.segment == "blacklist" and parts and parts[0].get("msg") == MSG["bl_claims"]:
            return "blacklist", [_part("blacklist_at", site=site(row.origin)), *parts]
    exempt = all(row.exempt_until is not None and row.exempt_until >= as_of for row in rows)
    threshold = rules.as_decimal(values, "blacklist_loss_ratio_12m")
    if (not exempt and figures.claims_12m >= int(values["blacklist_claims_12m"])
            and figures.incurred_12m > figures.premium_12m * threshold):
        ratio = (_percent_up(figures.incurred_12m, figures.premium_12m)
                 if figures.premium_12m else "—")
        return "blacklist", [_part("claims_network", count=figures.claims_12m, branches=where,
                                   ratio=ratio, threshold=texts["t_bl_ratio"])]
    if figures.in_force and (
            figures.annual_premium >= rules.as_decimal(values, "key_annual_premium")):
        return "key", [_part("key_network", premium=money(figures.annual_premium),
                             threshold=texts["t_key_annual"], branches=where)]
    for row in rows:
        if row.segment == "key":
            return "key", [_part("key_at", site=site(row.origin)),
                           *_parts(row.segment_reason or [])]
    return None


def evaluate(as_of=None):
    """{(branch code, ID number): flag values} of every person the network flags today."""
    as_of = as_of or dt.date.today()
    values = rules.current()
    texts = parameters(as_of, values)
    names = {site.code: site.name for site in Site.select()}
    branches = {site.code for site in Site.branches()}
    numbers = network_persons(as_of)
    figures = persons.figures(numbers, as_of)
    rows, entries = _rows(numbers), _entries(numbers, as_of)
    wanted = {}
    for number, held in rows.items():
        person = figures.get(number, persons.Figures())
        found = decide(person, held, entries.get(number, []), values, texts, names, as_of)
        if found is None:
            continue
        segment, reason = found
        for code in sorted({row.origin for row in held} & branches):
            wanted[(code, number)] = {
                "segment": segment, "reason": reason,
                "branches": len({row.origin for row in held}),
                "annual_premium": person.annual_premium,
            }
    return wanted


# --- writing what changed -------------------------------------------------------------------


def _same(flag, values):
    return (not flag.deleted and flag.segment == values["segment"]
            and flag.reason == values["reason"] and flag.branches == values["branches"]
            and flag.annual_premium == values["annual_premium"])


def recompute(as_of=None):
    """Evaluate every person across the network and write the flags that changed; returns
    {"flagged": persons flagged, "added", "changed", "removed"}."""
    as_of = as_of or dt.date.today()
    wanted = evaluate(as_of)  # read outside the write lock
    newest = SyncLedger.select(fn.MAX(SyncLedger.id)).scalar() or 0
    counts = {"flagged": len({number for _, number in wanted}), "added": 0, "changed": 0,
              "removed": 0}
    with transactions.job_writing():
        me = Site.current().code
        stored = {(f.addressee, f.id_number): f
                  for f in NetworkFlag.select().where(NetworkFlag.origin == me)}
        stamp = stamps.stamp()
        upserts = []
        for key, values in wanted.items():
            flag = stored.get(key)
            if flag is not None and _same(flag, values):
                continue
            counts["added" if flag is None or flag.deleted else "changed"] += 1
            upserts.append({
                "uid": uuid7(), "origin": me, "version": stamp["version"], "seq": stamp["seq"],
                "deleted": False, "addressee": key[0], "id_number": key[1],
                "evaluated_on": as_of, **values,
            })
        updated = [NetworkFlag.segment, NetworkFlag.reason, NetworkFlag.branches,
                   NetworkFlag.annual_premium, NetworkFlag.evaluated_on, NetworkFlag.deleted,
                   NetworkFlag.version, NetworkFlag.seq]
        for part in chunked(upserts, CHUNK):
            (NetworkFlag.insert_many(part)
             .on_conflict(conflict_target=[NetworkFlag.origin, NetworkFlag.addressee,
                                           NetworkFlag.id_number],
                          update={f: EXCLUDED[f.column_name] for f in updated})
             .execute())
        gone = [f.id for key, f in stored.items() if not f.deleted and key not in wanted]
        counts["removed"] = len(gone)
        for part in chunked(gone, CHUNK):
            (NetworkFlag.update(deleted=True, version=stamp["version"], seq=stamp["seq"])
             .where(NetworkFlag.id.in_(part)).execute())
        Meta.set_value(LAST_RUN, as_of.isoformat())
        Meta.set_value(LAST_LEDGER, newest)
    return counts


def due(today=None):
    """True when the flags were not computed today, or bundles arrived since."""
    today = today or dt.date.today()
    newest = SyncLedger.select(fn.MAX(SyncLedger.id)).scalar() or 0
    return (Meta.get_value(LAST_RUN) != today.isoformat()
            or Meta.get_value(LAST_LEDGER) != str(newest))


def recompute_if_due(today=None):
    """The daily work's step at HQ: recompute when due; None when nothing was to do."""
    return recompute(today) if due(today) else None


def last_run():
    value = Meta.get_value(LAST_RUN)
    return dt.date.fromisoformat(value) if value else None


def flagged(segment=None, limit=200):
    """The persons HQ flags, blacklist first: [{id_number, segment, reason, branches,
    annual_premium, addressees, name, customer_id}] (one entry per person)."""
    query = (NetworkFlag.live()
             .where(NetworkFlag.origin == Site.select(Site.code).where(Site.is_self))
             .order_by(NetworkFlag.segment, NetworkFlag.id_number, NetworkFlag.addressee))
    if segment:
        query = query.where(NetworkFlag.segment == segment)
    people = {}
    for flag in query.limit(limit * 4):
        person = people.setdefault(flag.id_number, {
            "id_number": flag.id_number, "segment": flag.segment, "reason": flag.reason,
            "branches": flag.branches, "annual_premium": flag.annual_premium,
            "evaluated_on": flag.evaluated_on, "addressees": []})
        person["addressees"].append(flag.addressee)
    people = dict(list(people.items())[:limit])
    names = (Customer.live(Customer.id_number, fn.MIN(Customer.name), fn.MIN(Customer.id))
             .where(Customer.id_number.in_(list(people)))
             .group_by(Customer.id_number).tuples())
    for number, name, customer_id in names:
        people[number].update(name=name, customer_id=customer_id)
    return list(people.values())
