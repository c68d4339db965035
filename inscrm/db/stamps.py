"""The sync stamps: every write to a synced table records its change in the same transaction.

Triggers on every synced table stamp the change sequence, the version (hybrid logical clock:
wall-clock milliseconds, sequence, site) and the owning site on any write that did not stamp
itself, so no write path can be missed; and they refuse deletes (synced rows become tombstones).
Bulk writers call `stamp()` once and set the fields themselves.
"""

import time

from inscrm.db import dialect, engines
from inscrm.db.ids import uuid7
from inscrm.models import SYNCED_MODELS, SyncClock, db

REFUSAL = "synced rows are never deleted; mark them deleted"


def install_triggers():
    """(Re)create the stamping and no-delete triggers on every synced table."""
    statements = _postgres_triggers() if engines.is_postgres() else _sqlite_triggers()
    for sql in statements:
        db.execute_sql(sql)


def _sqlite_triggers():
    version = f"(SELECT {dialect.version_text('ms', 'seq', 'site')} FROM sync_clock)"
    for model in SYNCED_MODELS:
        table = model._meta.table_name
        stamp = f"""
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, {dialect.now_ms()});
            UPDATE "{table}" SET seq = (SELECT seq FROM sync_clock), version = {version},
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id;"""
        yield from [
            f'DROP TRIGGER IF EXISTS "{table}_stamp_insert"',
            f'DROP TRIGGER IF EXISTS "{table}_stamp_update"',
            f'DROP TRIGGER IF EXISTS "{table}_no_delete"',
            f'CREATE TRIGGER "{table}_stamp_insert" AFTER INSERT ON "{table}" '
            f"WHEN NEW.seq IS NULL BEGIN {stamp} END",
            f'CREATE TRIGGER "{table}_stamp_update" AFTER UPDATE ON "{table}" '
            f"WHEN NEW.seq IS OLD.seq BEGIN {stamp} END",
            f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
        ]


def _postgres_triggers():
    """The same in PL/pgSQL: BEFORE triggers set the stamp on a row written without one (their
    condition is checked before the function is called, so bulk writes that stamp themselves
    cost nothing here), taking the next sequence from the clock row (whose lock, held to
    commit, orders the sequence as the commits); DELETE and TRUNCATE are refused."""
    yield f"""
        CREATE OR REPLACE FUNCTION inscrm_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE clock RECORD;
        BEGIN
            UPDATE sync_clock SET seq = seq + 1, ms = greatest(ms, {dialect.now_ms()})
                RETURNING seq, ms, site INTO clock;
            NEW.seq := clock.seq;
            NEW.version := {dialect.version_text('clock.ms', 'clock.seq', 'clock.site')};
            NEW.origin := coalesce(NEW.origin, clock.site);
            RETURN NEW;
        END $$"""
    yield f"""
        CREATE OR REPLACE FUNCTION inscrm_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'integrity_constraint_violation';
        END $$"""
    for model in SYNCED_MODELS:
        table = model._meta.table_name
        yield from [
            f'DROP TRIGGER IF EXISTS "{table}_stamp" ON "{table}"',  # one for both, before
            f'DROP TRIGGER IF EXISTS "{table}_stamp_insert" ON "{table}"',
            f'DROP TRIGGER IF EXISTS "{table}_stamp_update" ON "{table}"',
            f'DROP TRIGGER IF EXISTS "{table}_no_delete" ON "{table}"',
            f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"',
            f'CREATE TRIGGER "{table}_stamp_insert" BEFORE INSERT ON "{table}" '
            "FOR EACH ROW WHEN (NEW.seq IS NULL) EXECUTE FUNCTION inscrm_stamp()",
            f'CREATE TRIGGER "{table}_stamp_update" BEFORE UPDATE ON "{table}" '
            "FOR EACH ROW WHEN (NEW.seq IS NOT DISTINCT FROM OLD.seq) "
            "EXECUTE FUNCTION inscrm_stamp()",
            f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION inscrm_no_delete()",
            f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION inscrm_no_delete()",
        ]


def stamp():
    """Reserve one change sequence number for a bulk write and return the sync fields to set.

    Bulk inserts and updates include these fields, so the per-row triggers have nothing to do.
    One UPDATE … RETURNING: the clock row stays locked to the end of the transaction, so no
    other writer takes a sequence number before this one commits.
    """
    seq, ms, site = dialect.execute(
        "UPDATE sync_clock SET seq = seq + 1, "
        "ms = CASE WHEN ms > :now THEN ms ELSE :now END RETURNING seq, ms, site",
        {"now": time.time_ns() // 1_000_000}).fetchone()
    return {
        "seq": seq,
        "version": f"{ms:013d}-{seq:010d}-{site}",
        "origin": site,
    }


def current_seq():
    """The last change sequence taken, as this transaction sees the clock."""
    return SyncClock.select(SyncClock.seq).scalar() or 0


def new_epoch():
    """Give this database a new epoch (after a restore), so HQ asks for a full bundle."""
    SyncClock.update(epoch=uuid7()).execute()

