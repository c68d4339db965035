"""Per kind: the row checks, the reference look-ups and the bulk upsert of one chunk of rows.

Each loader's `resolve(records)` turns references (customer_ref, policy_no, user names…) into
ids with one query per kind of reference for the whole chunk, and `write(records, summary)`
inserts the new rows and updates the changed ones in bulk. A row whose values equal the stored
ones is left alone (not restamped), so importing the same file twice changes nothing.
"""

from peewee import chunked, fn

from inscrm.db import bulk, stamps
from inscrm.db.ids import uuid7
from inscrm.i18n import N_
from inscrm.imports import blacklisted
from inscrm.imports.problems import Problem
from inscrm.imports.template import PROSPECT_SOURCES
from inscrm.models import (
    SOURCES,
    Activity,
    AuditLog,
    BlacklistEntry,
    Claim,
    Customer,
    CustomerRef,
    Policy,
    Township,
    User,
    Vehicle,
    now,
)
from inscrm.validators import Invalid, parse_id_number, policy_period_problem

# --- row checks: a row on its own, before any look-up ----------------------------------------


def _check_id_number(values):
    number = values.get("id_number")
    if number is None:
        return None
    id_type = values.get("id_type")
    if id_type is None:
        id_type = "uscc" if values.get("kind") == "corporate" else "resident_id"
        values["id_type"] = id_type
    try:
        values["id_number"] = parse_id_number(id_type, number)
    except Invalid as exc:
        return "id_number", exc.message
    return None


def _check_period(values):
    return policy_period_problem(values.get("start_date"), values.get("end_date"))


def _check_report_date(values):
    if values.get("report_date") and values.get("loss_date") and (
            values["report_date"] < values["loss_date"]):
        return "report_date", N_("The report date is before the loss date.")
    return None


ROW_CHECKS = {
    "customers": (_check_id_number,),
    "policies": (_check_period,),
    "claims": (_check_report_date,),
}


# --- shared look-ups and writes --------------------------------------------------------------


def customer_refs(source, refs):
    """{ref: customer id} for the references of one source."""
    if not refs:
        return {}
    return dict(
        CustomerRef.select(CustomerRef.ref, CustomerRef.customer)
        .where(CustomerRef.source == source, CustomerRef.ref.in_(list(refs)), ~CustomerRef.deleted,
               CustomerRef.owned_here())
        .tuples()
    )


def _usernames():
    return dict(User.local().select(User.username, User.id).tuples())


def _problem(record, column, message, **params):
    return record, [Problem(record.number, column, str(record.values.get(column, "")), message,
                            params)]


def _current(model, ids, fields):
    """{id: {field: stored value}} for the rows to compare against."""
    if not ids:
        return {}
    columns = [model._meta.fields[name] for name in fields]
    rows = {}
    for batch in chunked(list(ids), 5000):
        for row in model.select(model.id, *columns).where(model.id.in_(batch)).dicts():
            rows[row.pop("id")] = row
    return rows


def insert(model, rows, stamp):
    """Insert dict rows with one change stamp (the triggers then have nothing to do), with the
    fields' own conversions and defaults, through the one bulk writer (`inscrm.db.bulk`)."""
    if not rows:
        return
    meta = model._meta
    given = set().union(*rows) | set(stamp)
    names = sorted(given) + sorted(
        name for name, f in meta.fields.items()
        if name not in given and name != "id" and f.default is not None)
    fields = [meta.fields[name] for name in names]
    defaults = [f.default for f in fields]

    def values(row):
        row = {**row, **stamp}
        for name, f, default in zip(names, fields, defaults, strict=True):
            if name in row:
                yield f.db_value(row[name])
            else:
                yield f.db_value(default() if callable(default) else default)

    bulk.insert_rows(model, [f.column_name for f in fields], [tuple(values(row)) for row in rows])


def update_changed(model, items, summary, stamp, count=True):
    """Update the (id, fields) items whose fields differ from the stored row; count them.

    Rows with the same set of fields go through one executemany.
    """
    fields = sorted({name for _, values in items for name in values})
    current = _current(model, {row_id for row_id, _ in items}, fields)
    groups = {}
    for row_id, values in items:
        stored = current.get(row_id, {})
        if all(stored.get(name) == value for name, value in values.items()):
            if count:
                summary.unchanged += 1
            continue
        if count:
            summary.updated += 1
        values = bulk.derived(model, values)
        names = tuple(sorted(values))
        meta = model._meta.fields
        groups.setdefault(names, []).append(
            [meta[name].db_value(values[name]) for name in names]
            + [stamp["seq"], stamp["version"], row_id]
        )
    extra = ", updated_at = ?" if "updated_at" in model._meta.fields else ""
    for names, params in groups.items():
        columns = ", ".join(f'"{model._meta.fields[n].column_name}" = ?' for n in names)
        sql = (f'UPDATE "{model._meta.table_name}" SET {columns}, seq = ?, version = ?{extra} '
               "WHERE id = ?")
        if extra:
            moment = model._meta.fields["updated_at"].db_value(now())
            params = [p[:-1] + [moment, p[-1]] for p in params]
        bulk.executemany(sql, params)


def upsert_by_key(model, key, rows, source, summary, stamp):
    """Insert or update (key value, fields) rows of a model keyed by (source, key)."""
    column = model._meta.fields[key]
    existing = dict(model.select(column, model.id)
                    .where(model.source == source, column.in_([k for k, _ in rows]),
                           model.owned_here())
                    .tuples())
    new, updates = [], []
    for value, fields in rows:
        if value in existing:
            updates.append((existing[value], fields))
        else:
            new.append({key: value, "source": source, **fields})
    insert(model, new, stamp)
    summary.inserted += len(new)
    update_changed(model, updates, summary, stamp)


def ensure_vehicles(pairs, stamp):
    """{(customer id, plate): vehicle id}, creating the vehicles that are missing."""
    pairs = set(pairs)
    if not pairs:
        return {}

    def known():
        plates = list({plate for _, plate in pairs})
        query = (Vehicle.select(Vehicle.customer, Vehicle.plate, fn.MIN(Vehicle.id))
                 .where(Vehicle.plate.in_(plates), ~Vehicle.deleted)
                 .group_by(Vehicle.customer, Vehicle.plate).tuples())
        return {(c, p): v for c, p, v in query if (c, p) in pairs}

    found = known()
    missing = [{"customer": c, "plate": p} for c, p in sorted(pairs - set(found))]
    if missing:
        insert(Vehicle, missing, stamp)
        found = known()
    return found


class Loader:
    """Resolve and write one chunk at a time; `finish` runs once after the last chunk."""

    def __init__(self, source, user):
        self.source = source
        self.user = user
        self.file_keys = frozenset()
        self.on_insert = {}  # fields set on new rows only
        self.allow_blacklisted = False
        self.blocked = []  # blacklisted.BlockedRow: rows stopped (or let through) by the guard

    def resolve(self, records):
        return records, []

    def started(self, summary):
        """In the transaction of the first rows written."""

    def finish(self, summary):
        """In the transaction of the last rows written; returns the customers it changed."""
        return set()


# --- customers -------------------------------------------------------------------------------

CUSTOMER_FIELDS = ("kind", "name", "id_type", "id_number", "phone", "address", "industry",
                   "source", "credit", "intermediary_type")


class CustomerLoader(Loader):
    def __init__(self, source, user):
        super().__init__(source, user)
        self.users = _usernames()
        self.townships = {}
        for town_id, district, name in Township.select(
                Township.id, Township.district, Township.name).where(~Township.deleted).tuples():
            self.townships.setdefault(name, town_id)
            self.townships.setdefault(f"{district}{name}", town_id)
        # the customer source of rows that do not say: --source when it names one
        self.default_source = source if source in SOURCES else "core_system"

    def resolve(self, records):
        good, bad = [], []
        for record in records:
            manager = record.values.get("manager")
            if manager is not None and manager not in self.users:
                bad.append(_problem(record, "manager", N_("No user named %(name)s."),
                                    name=manager))
            else:
                good.append(record)
        return good, bad

    def _fields(self, values):
        fields = {name: values[name] for name in CUSTOMER_FIELDS if name in values}
        if "manager" in values:
            fields["manager"] = self.users[values["manager"]]
        if "township" in values:
            fields["township"] = self._township(values["township"])
        return fields

    def _township(self, name):
        if name not in self.townships:
            self.townships[name] = Township.create(name=name).id
        return self.townships[name]

    def write(self, records, summary):
        stamp = stamps.stamp()
        known = customer_refs(self.source, [r.values["customer_ref"] for r in records])
        prospect = {r.number: r.values.get("source", self.default_source) in PROSPECT_SOURCES
                    for r in records}
        matches = self._matches([r for r in records if r.values["customer_ref"] not in known],
                                prospect)
        shared = self._customers_with_other_refs(known.values())
        updates, matched, links, vehicles = [], [], [], []
        new_rows, new_by_number = [], {}
        for record in records:
            values = record.values
            ref = values["customer_ref"]
            fields = self._fields(values)
            if ref in known:
                customer_id = known[ref]
                row_source = values.get("source", self.default_source)
                if prospect[record.number] and shared.get(customer_id) != row_source:
                    summary.unchanged += 1  # a list never overwrites a customer it found
                    continue
                updates.append((customer_id, fields))
            elif (hit := matches.get(record.number)) is not None:
                customer_id, matched_by = hit
                links.append((customer_id, ref))
                if prospect[record.number]:
                    summary.existing += 1
                    summary.flagged.append((record.number, ref, customer_id, matched_by))
                    continue
                summary.matched += 1
                matched.append((customer_id, fields))
            elif values.get("id_number") in new_by_number:
                customer_id = new_by_number[values["id_number"]]  # twice in one chunk
                links.append((customer_id, ref))
                summary.matched += 1
            else:
                customer_id = uuid7()
                fields.setdefault("source", self.default_source)
                links.append((customer_id, ref))
                new_rows.append({"uid": customer_id, **fields})
                if values.get("id_number"):
                    new_by_number[values["id_number"]] = customer_id
                summary.inserted += 1
            if "plate" in values:
                vehicles.append((customer_id, values["plate"]))
        insert(Customer, new_rows, stamp)
        ids = {}
        for batch in chunked([row["uid"] for row in new_rows], 5000):
            ids.update(Customer.select(Customer.uid, Customer.id)
                       .where(Customer.uid.in_(batch)).tuples())
        resolve = lambda cid: ids.get(cid, cid)  # noqa: E731 (a uid of a row just inserted)
        insert(CustomerRef, [{"customer": resolve(c), "source": self.source, "ref": ref}
                             for c, ref in links], stamp)
        update_changed(Customer, updates, summary, stamp)
        update_changed(Customer, matched, summary, stamp, count=False)
        ensure_vehicles([(resolve(c), plate) for c, plate in vehicles], stamp)
        return {resolve(c) for c, _ in links} | {c for c, _ in updates}

    def _matches(self, records, prospect):
        """{row number: (existing customer id, matched by)} for rows of references new to the
        source: by ID number, and for prospect lists also by phone or plate."""
        def lookup(column, values):
            values = list({v for v in values if v})
            if not values:
                return {}
            return dict(Customer.select(column, fn.MIN(Customer.id))
                        .where(column.in_(values), ~Customer.deleted,
                               Customer.merged_into.is_null())
                        .group_by(column).tuples())

        by_id = lookup(Customer.id_number, [r.values.get("id_number") for r in records])
        lists = [r for r in records if prospect[r.number]]
        by_phone = lookup(Customer.phone, [r.values.get("phone") for r in lists])
        plates = list({r.values["plate"] for r in lists if "plate" in r.values})
        by_plate = dict(Vehicle.select(Vehicle.plate, fn.MIN(Vehicle.customer))
                        .where(Vehicle.plate.in_(plates), ~Vehicle.deleted)
                        .group_by(Vehicle.plate).tuples()) if plates else {}
        found = {}
        for record in records:
            values = record.values
            tries = [("id_number", by_id)]
            if prospect[record.number]:
                tries += [("phone", by_phone), ("plate", by_plate)]
            for column, index in tries:
                if values.get(column) in index:
                    found[record.number] = (index[values[column]], column)
                    break
        return found

    def _customers_with_other_refs(self, customer_ids):
        """{customer id: source} for customers a list may update: those it created, which no
        other source references (a customer a list only found maps to None)."""
        ids = list(set(customer_ids))
        if not ids:
            return {}
        others = {c for (c,) in CustomerRef.select(CustomerRef.customer)
                  .where(CustomerRef.customer.in_(ids), CustomerRef.source != self.source,
                         ~CustomerRef.deleted).tuples()}
        return {c: (None if c in others else source) for c, source in
                Customer.select(Customer.id, Customer.source).where(Customer.id.in_(ids))
                .tuples()}


# --- policies, claims, activities, blacklist -------------------------------------------------


class PolicyLoader(Loader):
    def __init__(self, source, user):
        super().__init__(source, user)
        self.pending = []  # (policy_no, renewal_of) whose earlier policy came later in the file

    def resolve(self, records):
        refs = customer_refs(self.source, {r.values[c] for r in records
                                           for c in ("customer_ref", "intermediary_ref")
                                           if c in r.values})
        renewals = self._policy_ids([r.values["renewal_of"] for r in records
                                     if "renewal_of" in r.values])
        good, bad = [], []
        for record in records:
            values = record.values
            problem = None
            for column in ("customer_ref", "intermediary_ref"):
                if column in values and values[column] not in refs:
                    problem = _problem(record, column, N_("No customer with reference %(ref)s in "
                                                          "source %(source)s."),
                                       ref=values[column], source=self.source)
                    break
            renewal = values.get("renewal_of")
            if problem is None and renewal is not None:
                if renewal == values["policy_no"]:
                    problem = _problem(record, "renewal_of", N_("A policy cannot renew itself."))
                elif renewal not in renewals and renewal not in self.file_keys:
                    problem = _problem(record, "renewal_of", N_("No policy %(ref)s in source "
                                                                "%(source)s or in this file."),
                                       ref=renewal, source=self.source)
            if problem is not None:
                bad.append(problem)
                continue
            values["customer"] = refs[values["customer_ref"]]
            if "intermediary_ref" in values:
                values["intermediary"] = refs[values["intermediary_ref"]]
            good.append(record)
        return self._guard(good, bad)

    def _guard(self, good, bad):
        """Stop the new policies of blacklisted customers, unless the import overrides it."""
        hits = blacklisted.blocked_rows(good, self.source)
        self.blocked.extend(row for _, row in hits)
        if self.allow_blacklisted or not hits:
            return good, bad
        stopped = {record.number for record, _ in hits}
        bad += [(record, [row.problem]) for record, row in hits]
        return [r for r in good if r.number not in stopped], bad

    def _policy_ids(self, numbers):
        if not numbers:
            return {}
        return dict(Policy.select(Policy.policy_no, Policy.id)
                    .where(Policy.source == self.source, Policy.policy_no.in_(list(set(numbers))),
                           Policy.owned_here())
                    .tuples())

    def write(self, records, summary):
        stamp = stamps.stamp()
        renewals = self._policy_ids([r.values["renewal_of"] for r in records
                                     if "renewal_of" in r.values])
        vehicles = ensure_vehicles([(r.values["customer"], r.values["plate"]) for r in records
                                    if "plate" in r.values], stamp)
        rows = []
        for record in records:
            values = record.values
            fields = {name: values[name] for name in (
                "customer", "product", "channel", "intermediary", "insurer", "premium",
                "sum_insured", "start_date", "end_date", "cancelled") if name in values}
            if "plate" in values:
                fields["vehicle"] = vehicles[(values["customer"], values["plate"])]
            if "renewal_of" in values:
                if values["renewal_of"] in renewals:
                    fields["renewal_of"] = renewals[values["renewal_of"]]
                else:
                    self.pending.append((values["policy_no"], values["renewal_of"]))
            rows.append((values["policy_no"], fields))
        upsert_by_key(Policy, "policy_no", rows, self.source, summary, stamp)
        return {r.values["customer"] for r in records}

    def started(self, summary):
        """Audit the blacklist override of the file, if it lets any new policy through."""
        if self.allow_blacklisted and summary.blocked:
            AuditLog.record("blacklist_override", self.user, target=f"file:{summary.file}",
                            override_reason="import --allow-blacklisted",
                            policy_nos=[row.policy_no for row in summary.blocked],
                            customer_refs=sorted({row.ref for row in summary.blocked}),
                            source=self.source)

    def finish(self, summary):
        """Link the renewals whose earlier policy was further down the file."""
        if self.pending:
            stamp = stamps.stamp()
            sql = ('UPDATE "policy" SET renewal_of_id = (SELECT p.id FROM "policy" p WHERE '
                   'p.source = ? AND p.policy_no = ?), seq = ?, version = ? '
                   "WHERE source = ? AND policy_no = ?")
            bulk.executemany(sql, [
                (self.source, renewal, stamp["seq"], stamp["version"], self.source, number)
                for number, renewal in self.pending])
        return set()


class ClaimLoader(Loader):
    def resolve(self, records):
        numbers = list({r.values["policy_no"] for r in records})
        policies = {}
        for batch in chunked(numbers, 5000):
            policies.update({n: (p, c) for n, p, c in Policy.select(
                Policy.policy_no, Policy.id, Policy.customer).where(
                Policy.source == self.source, Policy.policy_no.in_(batch),
                Policy.owned_here()).tuples()})
        good, bad = [], []
        for record in records:
            hit = policies.get(record.values["policy_no"])
            if hit is None:
                bad.append(_problem(record, "policy_no", N_("No policy %(ref)s in source "
                                                            "%(source)s."),
                                    ref=record.values["policy_no"], source=self.source))
                continue
            record.values["policy"], record.values["customer"] = hit
            good.append(record)
        return good, bad

    def write(self, records, summary):
        names = ("policy", "customer", "loss_date", "report_date", "paid", "reserve", "status",
                 "cause", "fraud_suspected")
        rows = [(r.values["claim_no"], {n: r.values[n] for n in names if n in r.values})
                for r in records]
        upsert_by_key(Claim, "claim_no", rows, self.source, summary, stamps.stamp())
        return {r.values["customer"] for r in records}


class _ByCustomerRef(Loader):
    """Activities and blacklist entries: rows about a customer named by customer_ref."""

    def resolve(self, records):
        refs = customer_refs(self.source, {r.values["customer_ref"] for r in records})
        self.users = getattr(self, "users", None) or _usernames()
        good, bad = [], []
        for record in records:
            values = record.values
            if values["customer_ref"] not in refs:
                bad.append(_problem(record, "customer_ref", N_("No customer with reference "
                                                               "%(ref)s in source %(source)s."),
                                    ref=values["customer_ref"], source=self.source))
            elif values.get("user") is not None and values["user"] not in self.users:
                bad.append(_problem(record, "user", N_("No user named %(name)s."),
                                    name=values["user"]))
            else:
                values["customer"] = refs[values["customer_ref"]]
                good.append(record)
        return good, bad

    def upsert(self, model, records, key, fields, summary):
        """Rows identified by `key(values)` among the stored rows of the same customers."""
        stamp = stamps.stamp()
        customers = list({r.values["customer"] for r in records})
        stored = {}
        for row in model.select().where(model.customer.in_(customers), ~model.deleted):
            stored.setdefault(key(row.__data__), row.id)
        new, updates = {}, []
        for record in records:
            row = fields(record.values)
            identity = key(row)
            if identity in stored:
                updates.append((stored[identity], row))
            elif identity in new:
                summary.unchanged += 1  # the same row twice in one chunk
            else:
                new[identity] = {**row, **self.on_insert}
        insert(model, list(new.values()), stamp)
        summary.inserted += len(new)
        update_changed(model, updates, summary, stamp)
        return set(customers)


class ActivityLoader(_ByCustomerRef):
    def write(self, records, summary):
        def fields(values):
            return {"customer": values["customer"], "date": values["date"],
                    "kind": values["kind"], "user": self.users.get(values.get("user")),
                    "notes": values.get("notes", ""), "outcome": values.get("outcome", "none")}

        def key(row):
            return (row["customer"], row["date"], row["kind"], row["user"], row["notes"])

        return self.upsert(Activity, records, key, fields, summary)


class BlacklistLoader(_ByCustomerRef):
    def write(self, records, summary):
        people = dict(((c, (n, i)) for c, n, i in Customer.select(
            Customer.id, Customer.name, Customer.id_number).where(
            Customer.id.in_(list({r.values["customer"] for r in records}))).tuples()))

        def fields(values):
            name, id_number = people[values["customer"]]
            row = {"customer": values["customer"], "reason": values["reason"],
                   "reported_on": values["date"], "name": name, "id_number": id_number}
            if "unit" in values:
                row["unit"] = values["unit"]
            if "notes" in values:
                row["evidence"] = values["notes"]
            return row

        def key(row):
            return (row["customer"], row["reason"], row["reported_on"])

        self.on_insert = {"reporter": getattr(self.user, "id", None), "active": True}
        return self.upsert(BlacklistEntry, records, key, fields, summary)


LOADERS = {
    "customers": CustomerLoader,
    "policies": PolicyLoader,
    "claims": ClaimLoader,
    "activities": ActivityLoader,
    "blacklist": BlacklistLoader,
}
