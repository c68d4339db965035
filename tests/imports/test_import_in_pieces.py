"""An accepted file is written in short transactions under a journal: people write between its
pieces, and an import whose process dies midway is finished at the next start."""

import json
import os
import stat
from pathlib import Path

from inscrm.db import transactions
from inscrm.imports import load
from inscrm.models import AuditLog, Customer, Meta, Township, db
from inscrm.segments import engine
from tests.conftest import Runner
from tests.helpers import import_dies
from tests.importfiles import CUSTOMER_HEADER, POLICY_HEADER, customer_rows, write_csv


def _one_chunk_a_piece(monkeypatch):
    monkeypatch.setattr(load, "CHUNK", 100)
    monkeypatch.setattr(load, "PIECE_SECONDS", 0)  # each piece writes one chunk


def _prepared_files(app):
    return sorted((Path(app.config["DATA_DIR"]) / "imports").glob("*.prepared"))


def test_people_write_between_the_pieces_of_an_import(ctx, tmp_path, monkeypatch):
    _one_chunk_a_piece(monkeypatch)
    between = []

    def someone_works():
        between.append(db.transaction_depth())
        Township.create(name=f"镇{len(between)}")  # a write of their own, in no transaction

    monkeypatch.setattr(transactions, "pause", someone_works)
    monkeypatch.setattr(engine, "_pause", lambda: None)  # the segments' run after it
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(450))
    summary = load.import_file(path, ctx.config["BACKUPS"])

    assert summary.imported and summary.inserted == 450
    assert between == [0, 0, 0, 0]  # five pieces of 100 rows, four pauses with no lock held
    assert Township.select().where(Township.name.startswith("镇")).count() == 4
    assert Customer.select().count() == 450
    assert not Meta.select().where(Meta.key.startswith(load.JOURNAL)).exists()
    assert _prepared_files(ctx) == []  # the checked rows are gone once written


def test_a_refused_file_writes_nothing_and_keeps_no_rows(ctx, tmp_path, monkeypatch):
    _one_chunk_a_piece(monkeypatch)
    rows = customer_rows(350)
    rows[320][3] = "110101199003070000"  # a wrong check digit in the fourth chunk
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)
    summary = load.import_file(path, ctx.config["BACKUPS"])

    assert not summary.imported and summary.rejected == 1
    assert Customer.select().count() == 0
    assert _prepared_files(ctx) == []


DIES_MIDWAY = """
import os, sys
from inscrm.cli import cli
from inscrm.db import transactions
from inscrm.imports import load

load.CHUNK, load.PIECE_SECONDS = 100, 0
pauses = []


def dies_after_two_pieces():
    pauses.append(1)
    if len(pauses) == 2:
        os._exit(9)


transactions.pause = dies_after_two_pieces
cli(sys.argv[1:])
"""


def test_an_import_whose_process_died_midway_is_finished_at_the_next_start(app, tmp_path):
    from inscrm.desktop import daily

    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(450))
    import_dies(DIES_MIDWAY, path, app.config["DATA_DIR"])
    (prepared,) = _prepared_files(app)
    if os.name == "posix":
        assert stat.S_IMODE(prepared.stat().st_mode) == 0o600  # personal data: the owner's
    with app.app_context():
        assert Customer.select().count() == 200  # two pieces committed, with their journal
        (journal,) = Meta.select().where(Meta.key.startswith(load.JOURNAL))
        assert '"next": 2' in journal.value

        daily._day_work()  # the next start

        assert Customer.select().count() == 450
        assert Customer.select().where(Customer.segment_date.is_null()).count() == 0
        assert not Meta.select().where(Meta.key.startswith(load.JOURNAL)).exists()
        (audit,) = AuditLog.select().where(AuditLog.action == "import")
        assert audit.details["inserted"] == 450  # the counts of both processes
    assert _prepared_files(app) == []


def test_an_import_still_running_elsewhere_is_left_to_its_process(ctx, tmp_path):
    folder = Path(ctx.config["DATA_DIR"]) / "imports"
    folder.mkdir(exist_ok=True)
    with load.Prepared.create(folder) as prepared:  # locked, as its importing process holds it
        journal = {"key": load.JOURNAL + prepared.path.name, "file": "customers.csv",
                   **prepared.state()}
        Meta.set_value(journal["key"], json.dumps(journal))
        assert load.Prepared.reopen(journal) is None
        assert load.finish_interrupted() == []
        assert Meta.get_value(journal["key"]) == json.dumps(journal)  # left as it was
    # once its process is gone and its rows with it, the journal is closed with an error logged
    prepared.path.unlink()
    assert load.finish_interrupted() == []
    assert Meta.get_value(journal["key"]) is None


def test_a_policy_file_finished_after_a_crash_links_renewals_named_further_down(app, tmp_path):
    customers = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(3))
    assert Runner(app.config["DATA_DIR"])("import", str(customers)).exit_code == 0
    # 250 policies; the first renews the last, which comes in the third chunk
    rows = [[f"P{i}", f"C{i % 3}", "商业车险", "1,000.50", "2025-01-01", "2025-12-31", "", ""]
            for i in range(250)]
    rows[0][0], rows[-1][0], rows[0][6] = "P-NEW", "P-OLD", "P-OLD"
    path = write_csv(tmp_path / "policies.csv", POLICY_HEADER, rows)
    import_dies(DIES_MIDWAY, path, app.config["DATA_DIR"])

    with app.app_context():
        from inscrm.models import Policy

        (summary,) = load.finish_interrupted()
        assert summary.imported and summary.inserted == 250
        new, old = (Policy.get(Policy.policy_no == n) for n in ("P-NEW", "P-OLD"))
        assert new.renewal_of_id == old.id


def test_checked_rows_no_import_needs_are_removed_at_the_next_start(app):
    """A process that died while checking its file, before the first piece, left its rows."""
    from inscrm.desktop import daily

    folder = Path(app.config["DATA_DIR"]) / "imports"
    folder.mkdir(exist_ok=True)
    orphan = folder / "import-0123456789abcdef.prepared"
    orphan.write_bytes(b"rows")
    with app.app_context(), load.Prepared.create(folder) as running:  # another import, checking
        daily.run(app)
        assert not orphan.exists()
        assert running.path.exists()
