"""Applying a bundle: verify, decrypt outside the write lock, then one transaction.

Order: the manifest (format, addressee, sender, signature, schema) and the sequence range are
checked before a byte is decrypted; the payload is decrypted to a temporary file; a backup is
taken; then, holding the write lock, the ledger row goes in first (unique bundle id: the same
bundle imported twice, even at the same moment, applies once), the rows are upserted in chunks
— an incoming row replaces the stored one only when its version is newer, compared as
fixed-width text in a binary collation — and the peer's state moves on. A row from a site that
does not own it is rejected and reported back; the rest is applied.
"""

import json
import tempfile
from dataclasses import dataclass, field

from peewee import EXCLUDED, ForeignKeyField, IntegrityError, chunked

from inscrm.db import bulk, stamps
from inscrm.db.dialect import bytewise, one_of, one_of_params
from inscrm.db.schema import LATEST
from inscrm.db.transactions import job_writing
from inscrm.i18n import N_
from inscrm.models import PeerState, Site, SyncClock, SyncLedger, db, now
from inscrm.sync import BundleRefused, bundle, keys, tables

CHUNK_ROWS = 5000


@dataclass
class Result:
    """What an import did, for the CLI line, the page and the tests."""

    path: str
    bundle_id: str
    sender: str
    kind: str
    first_seq: int
    last_seq: int
    rows: dict = field(default_factory=dict)
    applied: int = 0
    rejected: list = field(default_factory=list)
    already: bool = False


class _AlreadyApplied(Exception):
    pass


def write_lock():
    """A transaction that takes the write lock up front (BEGIN IMMEDIATE on SQLite), waiting
    its turn while the office works; the bundle is checked and decrypted before."""
    return job_writing()


def _newer(model):
    """EXCLUDED.version > stored version, compared byte by byte, never in a locale collation."""
    return bytewise(EXCLUDED.version) > bytewise(model.version)


def check(path, manifest, body, signature):
    """The sender's Site row, or Refused: format, addressee, sender, signature, schema."""
    me = Site.current()
    if manifest["format"] > bundle.FORMAT:
        raise bundle.Refused(N_("made by a newer InsCRM (bundle format %(got)s; this program "
                                "reads format %(have)s)"), got=manifest["format"],
                             have=bundle.FORMAT)
    if manifest.get("to") != me.code or manifest.get("to_key") != me.key_id:
        raise bundle.Refused(N_("addressed to %(site)s, not to this site (%(me)s)"),
                             site=manifest.get("to"), me=me.code)
    sender = Site.get_or_none(Site.code == str(manifest.get("from")), ~Site.is_self)
    if sender is None or not sender.sign_key:
        raise bundle.Refused(N_("from %(site)s, a site not registered here"),
                             site=manifest.get("from"))
    bundle.verify(body, manifest, signature, sender.sign_key)
    if not isinstance(manifest.get("schema"), int) or manifest["schema"] > LATEST:
        raise bundle.Refused(N_("made by a newer InsCRM (schema %(got)s; this program has "
                                "schema %(have)s)"), got=manifest.get("schema"), have=LATEST)
    if not me.is_hq and not sender.is_hq:
        raise bundle.Refused(N_("a branch applies bundles from HQ only"))
    return sender


def _check_range(manifest):
    """Refused when the bundle starts beyond what was applied + 1 (in the sender's epoch)."""
    state = PeerState.get_or_none(PeerState.site == manifest["from"])
    first, epoch = int(manifest["first_seq"]), manifest["epoch"]
    if state is None or state.epoch is None or epoch > state.epoch:
        if first != 1:
            raise bundle.Refused(N_("changes 1–%(before)s of %(site)s are missing here (a new "
                                    "database epoch needs a full bundle)"),
                                 before=first - 1, site=manifest["from"])
    elif epoch == state.epoch and first > state.applied + 1:
        raise bundle.Refused(N_("changes %(low)s–%(high)s of %(site)s are missing: import the "
                                "bundle that holds them first, or ask %(site)s for a new one"),
                             low=state.applied + 1, high=first - 1, site=manifest["from"])


def import_bundle(path, data_dir, backup=None, workdir=None):
    """Apply the bundle at `path`; returns a Result or raises BundleRefused (nothing changed)."""
    try:
        zf, body, manifest, signature = bundle.read_manifest(path)
    except bundle.Refused as exc:
        raise BundleRefused(path, exc.message, exc.params) from None
    with zf:
        try:
            sender = check(path, manifest, body, signature)
            bundle.check_payload(zf, manifest)
            result = Result(str(path), manifest["bundle_id"], sender.code, manifest["kind"],
                            int(manifest["first_seq"]), int(manifest["last_seq"]),
                            rows=manifest.get("rows") or {})
            if SyncLedger.select().where(SyncLedger.bundle_id == result.bundle_id).exists():
                result.already = True
                return result
            _check_range(manifest)
            pair = keys.load(data_dir)
            with tempfile.TemporaryFile(dir=workdir) as plain:
                bundle.decrypt(zf, manifest, pair.box, plain)
                plain.seek(0)
                if backup is not None:
                    backup("sync-import")
                try:
                    with write_lock():
                        _check_range(manifest)
                        _apply(plain, manifest, sender, result)
                except _AlreadyApplied:
                    result.already = True
        except bundle.Refused as exc:
            raise BundleRefused(path, exc.message, exc.params) from None
    return result


def _apply(plain, manifest, sender, result):
    me = Site.current()
    try:
        with db.atomic():
            ledger_id = SyncLedger.insert(
                bundle_id=manifest["bundle_id"], site=sender.code, epoch=manifest["epoch"],
                kind=manifest["kind"], first_seq=manifest["first_seq"],
                last_seq=manifest["last_seq"], sha256=manifest["payload"]["sha256"],
                rows=manifest.get("rows"), created_at=manifest.get("created_at"),
            ).execute()
    except IntegrityError:
        raise _AlreadyApplied() from None
    context = _Context(me, sender, manifest)
    ack = None
    model = columns = None
    batch = []
    for raw in plain:
        line = json.loads(raw)
        if isinstance(line, list):
            if model is None:
                raise bundle.Refused(N_("the payload is damaged"))
            batch.append(line)
            if len(batch) >= CHUNK_ROWS:
                context.apply_rows(model, columns, batch)
                batch = []
            continue
        if model is not None and batch:
            context.apply_rows(model, columns, batch)
            batch = []
        if model is not None:
            context.finish_table(model)
        model = None
        if line.get("section") == "sites":
            context.apply_sites(line["sites"])
        elif line.get("section") == "ack":
            ack = line
        elif "table" in line:
            model = tables.BY_TABLE.get(line["table"])
            columns = line["columns"]
            if model is None or not set(columns) <= set(model._meta.fields):
                raise bundle.Refused(N_("the payload holds an unknown table or column"))
    if model is not None:
        if batch:
            context.apply_rows(model, columns, batch)
        context.finish_table(model)
    context.receive_clock()
    result.applied = context.applied
    result.rejected = context.rejected
    SyncLedger.update(applied=context.applied, rejected=context.rejected or None).where(
        SyncLedger.id == ledger_id).execute()
    _move_peer_state(manifest, sender, ack, context)


def _move_peer_state(manifest, sender, ack, context):
    state, _ = PeerState.get_or_create(site=sender.code)
    epoch, last = manifest["epoch"], int(manifest["last_seq"])
    if state.epoch is None or epoch > state.epoch:
        state.epoch, state.applied = epoch, last
    elif epoch == state.epoch:
        state.applied = max(state.applied, last)
    newest = state.last_bundle_id is None or manifest["bundle_id"] > state.last_bundle_id
    if newest:
        state.last_bundle_id = manifest["bundle_id"]
        if ack is not None and ack.get("epoch") == SyncClock.get().epoch:
            state.acked, state.acked_epoch = int(ack.get("applied") or 0), ack["epoch"]
            if "rejected" in ack:
                state.rejected = ack["rejected"] or None
    state.last_import_at = now()
    state.save()


class _Context:
    """The state of one apply: this site's stamp for the rows, what was applied and refused."""

    def __init__(self, me, sender, manifest):
        self.me, self.sender = me, sender
        self.recovery = manifest["kind"] == "recovery" and sender.is_hq
        self.stamp = stamps.stamp()  # applied rows get this site's change seq, not a version
        self.fixup_stamp = None
        self.applied = 0
        self.rejected = []
        self.max_ms = 0
        self.pending = []  # (uid, field, parent uid, version) of self-references to fix

    # --- ownership ------------------------------------------------------------------------

    def _refusal(self, model, origin):
        """Why this sender may not change a row of `origin` (msgid, params), or None."""
        sender = self.sender.code
        if model in tables.DOWN_ONLY and not self.sender.is_hq:
            return N_("a row of a table only HQ writes, sent by %(sender)s"), {"sender": sender}
        if origin == sender:
            return None
        if self.sender.is_hq and not self.me.is_hq:
            if origin == self.me.code:
                return None if self.recovery else (
                    N_("a row of this site, which only it may change"), {})
            if model in tables.RELAYED:
                return None
        return (N_("a row of site %(origin)s sent by %(sender)s: only %(origin)s may change it"),
                {"origin": origin, "sender": sender})

    def _reject(self, model, uid, message, params):
        """Keep the refusal as a msgid and figures (worded on display in the reader's
        language) and in English words, as sites that read only those have it."""
        self.rejected.append({"table": model._meta.table_name, "uid": uid,
                              "reason": message % params, "msg": message, "params": params})

    # --- rows -----------------------------------------------------------------------------

    def apply_rows(self, model, columns, rows):
        at = {name: i for i, name in enumerate(columns)}
        uid_at, origin_at, version_at = at["uid"], at["origin"], at["version"]
        good = []
        for row in rows:
            refusal = self._refusal(model, row[origin_at])
            if refusal:
                self._reject(model, row[uid_at], *refusal)
            else:
                good.append(row)
        stored = _lookup(model, model.origin, [r[uid_at] for r in good])
        rows, good = good, []
        for row in rows:
            owner = stored.get(row[uid_at])
            if owner is not None and owner != row[origin_at]:
                self._reject(model, row[uid_at], N_("the row belongs to site %(owner)s"),
                             {"owner": owner})
            else:
                good.append(row)
        if self.recovery:
            self._adopt(model, columns, good, stored)
        good = self._resolve_parents(model, columns, at, good)
        for row in good:
            version = row[version_at] or ""
            if version[:13].isdigit():
                self.max_ms = max(self.max_ms, int(version[:13]))
        # A row whose parent in the same table comes earlier in this chunk waits until that
        # parent is in: one statement per generation, no update per row afterwards.
        own = [at[name] for name in columns if _points_to(model, name, model)]
        in_chunk = {row[uid_at] for row in good}
        while good:
            ready, waiting = self._resolve_own(model, at, own, good, in_chunk)
            if not ready:  # a cycle, or a parent the chunk refused: set it at the table's end
                ready, _ = self._resolve_own(model, at, own, waiting, in_chunk=set())
                waiting = []
            self.applied += self._upsert(model, columns, ready)
            good = waiting

    def _resolve_parents(self, model, columns, at, rows):
        """Parent uids become ids (parents in other tables); a row whose required parent is
        unknown here is rejected."""
        for name in columns:
            fk = model._meta.fields[name]
            if not isinstance(fk, ForeignKeyField) or fk.rel_model is model:
                continue
            i = at[name]
            ids = _lookup(fk.rel_model, fk.rel_model.id, {r[i] for r in rows} - {None})
            kept = []
            for row in rows:
                parent_uid = row[i]
                if parent_uid is not None:
                    row[i] = ids.get(parent_uid)  # an unknown optional parent stays empty
                    if row[i] is None and not fk.null:
                        self._reject(model, row[at["uid"]],
                                     N_("its %(column)s (%(uid)s) is unknown here"),
                                     {"column": name, "uid": parent_uid})
                        continue
                kept.append(row)
            rows = kept
        return rows

    def _resolve_own(self, model, at, own, rows, in_chunk):
        """(ready, waiting): self-references become ids; a row whose parent is later in this
        chunk waits; one whose parent is later still is set when the table is done."""
        wanted = {row[i] for row in rows for i in own if isinstance(row[i], str)}
        ids = _lookup(model, model.id, wanted)
        ready, waiting = [], []
        for row in rows:
            wait = False
            for i in own:
                parent_uid = row[i]
                if not isinstance(parent_uid, str):
                    continue
                if parent_uid in ids:
                    row[i] = ids[parent_uid]
                elif parent_uid in in_chunk:
                    wait = True
                else:
                    name = next(n for n, j in at.items() if j == i)
                    self.pending.append((row[at["uid"]], name, parent_uid, row[at["version"]]))
                    row[i] = None
            (waiting if wait else ready).append(row)
        return ready, waiting

    def _upsert(self, model, columns, rows):
        """INSERT … ON CONFLICT (uid) DO UPDATE … WHERE newer, through the bulk writer (which
        derives the columns that bundles leave out, such as the customer's name key)."""
        columns, rows = bulk.with_derived(model, columns, rows)
        fields = [model._meta.fields[name] for name in columns]
        seq = model._meta.fields["seq"]
        missing = _missing_defaults(model, columns)
        extra = [self.stamp["seq"]] + [value for _, value in missing]

        def on_conflict(insert):
            return insert.on_conflict(
                conflict_target=[model.uid],
                update={f: EXCLUDED[f.column_name] for f in fields + [seq] if f.name != "uid"},
                where=_newer(model) & (EXCLUDED.origin == model.origin),
            )

        return bulk.upsert_rows(model, fields + [seq] + [f for f, _ in missing],
                                [row + extra for row in rows], on_conflict)

    def _adopt(self, model, columns, rows, stored):
        """Recovery: a row made here since the rebuild (the administrator of `init --join`, the
        first rule version) that has the natural key of a recovered row takes its uid, so the
        recovered history points at it; its own newer fields are kept."""
        for key in tables.natural_keys(model):
            if not all(name in columns for name in key):
                continue
            at = [columns.index(name) for name in key]
            uid_at = columns.index("uid")
            for row in rows:
                if row[uid_at] in stored:
                    continue
                condition = [model._meta.fields[name] == row[i] for name, i in zip(
                    key, at, strict=True)]
                local = model.get_or_none(*condition, model.uid != row[uid_at])
                if local is not None:
                    model.update(uid=row[uid_at], seq=self.stamp["seq"]).where(
                        model.id == local.id).execute()

    def finish_table(self, model):
        """Set the self-references whose parent came later in the same table."""
        if not self.pending:
            return
        if self.fixup_stamp is None:
            self.fixup_stamp = stamps.stamp()  # a seq of its own, so no trigger restamps
        for part in chunked(self.pending, 5000):
            parents = dict(model.select(model.uid, model.id)
                           .where(one_of(model.uid, [p for _, _, p, _ in part])).tuples())
            by_column = {}
            for uid, name, parent_uid, version in part:
                if parent_uid in parents:
                    by_column.setdefault(model._meta.fields[name].column_name, []).append(
                        (parents[parent_uid], self.fixup_stamp["seq"], uid, version))
            for column, params in by_column.items():  # one statement for the chunk
                bulk.update_rows(model, [column, "seq"], ["uid", "version"], params)
        self.pending = []

    def apply_sites(self, sites):
        """The branch list from HQ (with public keys): peers are known by name and key."""
        for site in sites:
            if site["code"] == self.me.code:
                continue
            values = {k: site.get(k) for k in ("name", "is_hq", "sign_key", "box_key", "key_id")}
            if site["code"] == self.sender.code:
                values.pop("sign_key"), values.pop("box_key"), values.pop("key_id")
            Site.insert(code=site["code"], **values).on_conflict(
                conflict_target=[Site.code], update=values).execute()

    def receive_clock(self):
        """Hybrid logical clock, on receipt: this site's clock is never behind what it saw."""
        SyncClock.update(ms=self.max_ms).where(SyncClock.ms < self.max_ms).execute()


def _missing_defaults(model, columns):
    """(field, value) for the model's fields a bundle does not carry (a user's password hash,
    the local id), with the value a new row gets."""
    out = []
    given = set(columns) | {"id", "seq"}
    for name, f in model._meta.fields.items():
        if name in given:
            continue
        default = f.default() if callable(f.default) else f.default
        if default is None and not f.null:
            default = ""
        out.append((f, f.db_value(default)))
    return out


# SQL text by engine, model, field and n: SELECT uid, field … WHERE uid is one of n values
_LOOKUPS = {}
LOOKUP_CHUNK = 5000


def _lookup(model, field, uids):
    """{uid: field} of the stored rows among `uids`: peewee writes each statement once per size
    and the driver runs it, so thousands of parameters are not built into nodes per chunk."""
    out = {}
    for part in chunked(list(uids), LOOKUP_CHUNK):
        key = (type(db.obj), model, field.name, len(part))
        if key not in _LOOKUPS:
            query = model.select(model.uid, field).where(one_of(model.uid, part))
            _LOOKUPS[key] = db.get_sql_context().sql(query).query()[0]
        out.update(db.execute_sql(_LOOKUPS[key], one_of_params(part)).fetchall())
    return out


def _points_to(model, name, parent):
    field = model._meta.fields[name]
    return isinstance(field, ForeignKeyField) and field.rel_model is parent
