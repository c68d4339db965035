"""Writing a bundle for a peer: the full current state of every row changed since the sequence
the peer last acknowledged (so a lost bundle costs nothing: the next one holds it too).

The payload is JSON lines: a section line (an object) starts the sites, the acknowledgement or a
table (with its column names); each row of a table is one array line. Rows are streamed from
the database cursor, never a table in memory.
"""

import datetime as dt
import json

from inscrm.db.ids import uuid7
from inscrm.db.schema import LATEST
from inscrm.db.transactions import reading
from inscrm.i18n import N_
from inscrm.models import PeerState, Site, SyncClock, SyncLedger, db, now
from inscrm.sync import bundle, keys, tables
from inscrm.validators import Invalid
from inscrm.version import __version__

MAX_REJECTED = 1000  # rejected rows reported back per bundle


def _json_default(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _line(document, write):
    write(json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                     default=_json_default).encode("utf-8") + b"\n")


def _peer(code):
    me = Site.current()
    peer = Site.get_or_none(Site.code == (code or "").strip().upper(), ~Site.is_self)
    if peer is None or not peer.box_key:
        raise Invalid(N_("%(site)s is not a registered site here."), site=code)
    if not me.is_hq and not peer.is_hq:
        raise Invalid(N_("A branch sends its bundles to HQ only."))
    return me, peer


def sites_section():
    """Every site HQ knows, with its public keys: the branch list that travels down."""
    rows = Site.select().order_by(Site.code)
    return [{"code": s.code, "name": s.name, "is_hq": s.is_hq, "sign_key": s.sign_key,
             "box_key": s.box_key, "key_id": s.key_id} for s in rows]


def _ack_section(me, peer):
    state = PeerState.get_or_none(PeerState.site == peer.code)
    ack = {"epoch": state.epoch if state else None, "applied": state.applied if state else 0}
    if me.is_hq:
        rejected = []
        ledger = (SyncLedger.select(SyncLedger.rejected)
                  .where(SyncLedger.site == peer.code, SyncLedger.rejected.is_null(False))
                  .order_by(SyncLedger.id.desc()).limit(50))
        for row in ledger:
            rejected.extend(row.rejected or [])
        ack["rejected"] = rejected[:MAX_REJECTED]
    return ack


def _conditions(me, peer, model, first, last, recovery):
    in_range = model.seq.between(first, last)
    if not me.is_hq:
        return in_range & tables.up_condition(model, me.code)
    condition = in_range & tables.down_condition(model, me.code, peer.code)
    if recovery:
        condition |= model.origin == peer.code  # every row of its own that HQ holds
    return condition


def export_bundle(path, to_code, data_dir, full=False, recovery=False):
    """Write the bundle for site `to_code` to `path`; returns its manifest."""
    me, peer = _peer(to_code)
    if recovery and not me.is_hq:
        raise Invalid(N_("Only HQ writes recovery bundles."))
    pair = keys.load(data_dir)
    if pair is None:
        raise Invalid(N_("This site has no sync keys; it was not set up as HQ or joined to one."))
    counts = {}
    with reading():  # one snapshot of the database for the whole bundle
        clock = SyncClock.get()
        state = PeerState.get_or_none(PeerState.site == peer.code)
        fresh = state is None or state.acked_epoch != clock.epoch
        first = 1 if (full or recovery or fresh) else state.acked + 1
        last = clock.seq
        kind = "recovery" if recovery else ("full" if first == 1 else "changes")
        manifest = {
            "bundle_id": uuid7(), "kind": kind, "from": me.code, "to": peer.code,
            "to_key": peer.key_id, "epoch": clock.epoch, "first_seq": first, "last_seq": last,
            "schema": LATEST, "app": __version__, "created_at": now().isoformat(" "),
        }

        def fill(write):
            if me.is_hq:
                _line({"section": "sites", "sites": sites_section()}, write)
            _line({"section": "ack", **_ack_section(me, peer)}, write)
            for model in tables.ORDER:
                counts[model._meta.table_name] = _write_table(
                    model, _conditions(me, peer, model, first, last, recovery), write)

        # the row counts are known once the payload is written; they go in the manifest
        manifest["rows"] = counts
        written = bundle.write(path, manifest, pair, peer.box_key, fill)
        PeerState.insert(site=peer.code, last_export_at=now()).on_conflict(
            conflict_target=[PeerState.site], update={PeerState.last_export_at: now()}
        ).execute()
    return written


def _write_table(model, condition, write):
    query, names = tables.select_rows(model, condition)
    booleans = tables.boolean_positions(model)
    cursor = db.execute(query)
    count = 0
    for row in cursor:
        if count == 0:
            _line({"table": model._meta.table_name, "columns": names}, write)
        if booleans:
            row = list(row)
            for i in booleans:
                if row[i] is not None:
                    row[i] = bool(row[i])
        _line(row, write)
        count += 1
    return count
