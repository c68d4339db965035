"""Sites, registration and the ledger: HQ registers a branch and writes its registration file;
the branch is initialised from it once; both sides read where each peer stands."""

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path

from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import (
    SYNCED_MODELS,
    AuditLog,
    BlacklistEntry,
    Customer,
    Meta,
    PeerState,
    Site,
    SyncClock,
    SyncLedger,
    now,
)
from inscrm.sites import initialise
from inscrm.sync import BundleRefused, keys
from inscrm.validators import Invalid

REGISTRATION_FORMAT = 1
NOT_JOINED = N_("This installation has not joined an HQ, so it has no one to sync with: an "
                "HQ registers it and it is initialised with `inscrm init --join FILE`.")
LAG_DAYS = 14  # a branch that has not synced for this long is highlighted at HQ
LAG_KEY = "sync_lag_days"


def give_keys(site, data_dir):
    """Make this site's key pair (files in keys/) and put the public keys on its row."""
    pair = keys.KeyPair.generate()
    keys.save(data_dir, pair)
    Site.update(**pair.public()).where(Site.id == site.id).execute()
    return pair


def initialise_hq(code, name, admin_username, admin_password, data_dir):
    """A new headquarters: the site, its administrator and its sync keys."""
    site, admin = initialise(code, name, admin_username, admin_password, is_hq=True)
    give_keys(site, data_dir)
    return site, admin


def _write_secret(path, document):
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def register_branch(code, name, out, user=None):
    """(HQ) Register a branch: its Site row with public keys, and a registration file holding
    its identity, its new private keys and HQ's public keys. HQ keeps no private key of it."""
    me = Site.current()
    if me is None or not me.is_hq or not me.key_id:
        raise Invalid(N_("Only HQ registers branches."))
    code = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{2,16}", code):
        raise Invalid(N_("A site code has 2 to 16 letters or digits, e.g. JX01."))
    name = (name or "").strip()
    if not name:
        raise Invalid(N_("The site needs a name."))
    if Site.select().where(Site.code == code).exists():
        raise Invalid(N_("A site with the code %(site)s is already registered."), site=code)
    pair = keys.KeyPair.generate()
    document = {
        "inscrm_registration": REGISTRATION_FORMAT,
        "site": {"code": code, "name": name},
        "keys": pair.private(),
        "hq": {"code": me.code, "name": me.name, "sign_key": me.sign_key,
               "box_key": me.box_key, "key_id": me.key_id},
        "created_at": now().isoformat(" "),
    }
    with writing():
        site = Site.create(code=code, name=name, **pair.public())
        AuditLog.record("branch_registered", user, target=f"site:{code}", name=name)
        _write_secret(out, document)
    return site


def read_registration(path):
    """The registration document, or BundleRefused naming the file and what is wrong."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        site, hq, private = document["site"], document["hq"], document["keys"]
        if document.get("inscrm_registration") != REGISTRATION_FORMAT:
            raise ValueError
        pair = keys.KeyPair.from_private(private["sign"], private["box"])
        if keys.key_id(hq["sign_key"], hq["box_key"]) != hq["key_id"]:
            raise ValueError
    except FileNotFoundError:
        raise BundleRefused(path, N_("no such file")) from None
    except (OSError, ValueError, KeyError, TypeError):
        raise BundleRefused(path, N_("not an InsCRM registration file")) from None
    return site, hq, pair


def join(path, admin_username, admin_password, data_dir):
    """Initialise this data directory as the branch a registration file describes (once)."""
    site_doc, hq, pair = read_registration(path)
    with writing():
        site, admin = initialise(site_doc["code"], site_doc["name"], admin_username,
                                 admin_password)
        Site.update(**pair.public()).where(Site.id == site.id).execute()
        Site.create(code=hq["code"], name=hq["name"], is_hq=True, sign_key=hq["sign_key"],
                    box_key=hq["box_key"], key_id=hq["key_id"])
        AuditLog.record("site_joined", admin, target=f"site:{hq['code']}")
    keys.save(data_dir, pair)
    return site, admin


# --- where each peer stands ----------------------------------------------------------------


def lag_days():
    """After how many days without a bundle HQ highlights a branch (HQ's own setting)."""
    return int(Meta.get_value(LAG_KEY, LAG_DAYS))


def set_lag_days(text, user=None):
    """(HQ) Change the number of days after which a silent branch is highlighted."""
    try:
        days = int(str(text).strip())
    except ValueError:
        days = 0
    if not 1 <= days <= 365:
        raise Invalid(N_("The number of days is a whole number from 1 to 365."))
    before = lag_days()
    if days != before:
        with writing():
            Meta.set_value(LAG_KEY, days)
            AuditLog.record("setting_changed", user, target=f"meta:{LAG_KEY}",
                            changes={LAG_KEY: [before, days]})
    return days


def branches(today=None):
    """(HQ) Every branch with its last bundle, sequence applied, rows, rejected rows and lag;
    `lagging` when nothing came from it for `lag_days()` days (since it was registered, if it
    never synced)."""
    today = today or dt.date.today()
    limit = lag_days()
    out = []
    for site in Site.branches():
        state = PeerState.get_or_none(PeerState.site == site.code)
        last = (SyncLedger.select().where(SyncLedger.site == site.code)
                .order_by(SyncLedger.id.desc()).first())
        when = state.last_import_at if state else None
        lag = (today - when.date()).days if when else None
        silent = lag if when else (today - site.created_at.date()).days  # since registered
        out.append({
            "site": site, "state": state, "last": last,
            "rows": sum((last.rows or {}).values()) if last else 0,
            "rejected": len(last.rejected or []) if last else 0,
            "applied": state.applied if state else 0,
            "last_import_at": when, "lag_days": lag,
            "lagging": silent >= limit,
        })
    return out


def peer_state(code):
    """What this site knows of one peer (None before their first bundle)."""
    return PeerState.get_or_none(PeerState.site == code)


def ledger(site_code=None, limit=100):
    query = SyncLedger.select().order_by(SyncLedger.id.desc()).limit(limit)
    if site_code:
        query = query.where(SyncLedger.site == site_code)
    return query


def unacknowledged(peer_code):
    """How many of this site's rows changed since what `peer_code` acknowledged."""
    clock = SyncClock.get()
    state = PeerState.get_or_none(PeerState.site == peer_code)
    acked = state.acked if state and state.acked_epoch == clock.epoch else 0
    return sum(model.select().where(model.owned_here(), model.seq > acked).count()
               for model in SYNCED_MODELS)


def flagged_customers():
    """Customers here whose ID number is on another site's active blacklist entry."""
    others = (BlacklistEntry.select(BlacklistEntry.id_number)
              .where(BlacklistEntry.active, ~BlacklistEntry.deleted,
                     ~BlacklistEntry.owned_here(), BlacklistEntry.id_number != ""))
    return (Customer.live().where(Customer.owned_here(), Customer.id_number.in_(others))
            .order_by(Customer.name_key, Customer.id))


def branch_status():
    """(branch) Its changes HQ has not acknowledged, when it last synced, what HQ refused."""
    hq = Site.headquarters()
    if hq is None or hq.is_self:
        return None
    state = PeerState.get_or_none(PeerState.site == hq.code)
    return {
        "hq": hq, "state": state,
        "unacknowledged": unacknowledged(hq.code),
        "last_import_at": state.last_import_at if state else None,
        "last_export_at": state.last_export_at if state else None,
        "rejected": (state.rejected or []) if state else [],
        "flagged": flagged_customers().count(),
    }


