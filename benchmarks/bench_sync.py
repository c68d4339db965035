"""Sync benchmark: a branch's first full bundle to HQ, then 1,000 edits and a round each way.

    .venv/bin/python benchmarks/bench_sync.py [--customers 200000] [--keep DIR]

An HQ and a branch are set up through the CLI; the branch gets `inscrm demo --customers N`
(policies, claims, activities, vehicles, blacklist entries), a classification (segment history)
and its rule tasks. Then, each step in a process of its own (its peak memory is the step's):
  full export   the branch's first bundle for HQ,
  full import   HQ applies it (backup first, one transaction),
  down          HQ's first bundle back (acknowledgement, sites, rules) and the branch applies it,
  1,000 edits   at the branch, one transaction each, as the pages make them,
  up, down      an incremental round each way: export at one side, import at the other.
Ceilings, on the same rows: a raw SELECT (the export's own SQL) with a JSON dump of each row,
and a raw `sqlite3.executemany` load of those rows into an empty database of the same schema
(foreign keys resolved from uids in memory). Prints times (wall and CPU), bundle and database
sizes, rows per second and peak memory; targets from issue 12: full export ≤ 2× its ceiling,
full import ≤ 4×, an incremental round ≤ 2 s on each side, peak memory ≤ 400 MB, bundle ≤ 30 %
of the database. A script that prints figures; it asserts only that the steps succeed.
"""

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-admin-1"
EDITS = 1000


# --- the steps, each run in a child process (`--step NAME`) ---------------------------------


def _timed(work):
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _open(data_dir):
    from inscrm import create_app
    from inscrm.models import db

    app = create_app({"DATA_DIR": data_dir, "STARTUP_TASKS": False, "TESTING": True})
    context = app.app_context()
    context.push()
    db.connect(reuse_if_open=True)
    return app


def step_export(args):
    from inscrm.sync.export import export_bundle

    _open(args.data_dir)
    manifest, wall, cpu = _timed(lambda: export_bundle(args.out, args.to, args.data_dir))
    return {"wall": wall, "cpu": cpu, "rows": sum(manifest["rows"].values()),
            "kind": manifest["kind"], "size": Path(args.out).stat().st_size}


def step_import(args):
    from inscrm.sync import BundleRefused
    from inscrm.sync.service import backup_callable, import_files

    app = _open(args.data_dir)
    backup = backup_callable(app.config)
    spent = {"backup": 0.0}

    def timed_backup(reason):
        started = time.perf_counter()
        backup(reason)
        spent["backup"] += time.perf_counter() - started

    [outcome], wall, cpu = _timed(lambda: import_files([args.file], args.data_dir,
                                                       backup=timed_backup))
    if isinstance(outcome, BundleRefused):
        raise SystemExit(f"refused: {outcome}")
    return {"wall": wall, "cpu": cpu, "backup": spent["backup"],
            "rows": sum(outcome.rows.values()), "applied": outcome.applied}


def step_edits(args):
    from inscrm.models import Customer, db

    _open(args.data_dir)
    ids = [c.id for c in Customer.live().where(Customer.owned_here()).select(Customer.id)]
    chosen = random.Random(7).sample(ids, min(EDITS, len(ids)))

    def edit():
        for n, customer_id in enumerate(chosen):
            with db.atomic():
                customer = Customer.get_by_id(customer_id)
                customer.notes = f"benchmark edit {n}"
                customer.phone = f"139{n:08d}"
                customer.save()
    _, wall, cpu = _timed(edit)
    return {"wall": wall, "cpu": cpu, "rows": len(chosen)}


def step_ceiling_export(args):
    """The export's own SELECTs on a raw sqlite3 connection, each row dumped as a JSON line."""
    from inscrm.models import db
    from inscrm.sync import tables

    app = _open(args.data_dir)
    queries = []
    for model in tables.ORDER:
        query, names = tables.select_rows(model, model.origin == args.site)
        queries.append((model._meta.table_name, names, *query.sql()))
    db.close()
    conn = sqlite3.connect(app.config["DATABASE"])

    def dump():
        count = 0
        with open(args.out, "w", encoding="utf-8") as out:
            for table, names, sql, params in queries:
                out.write(json.dumps({"table": table, "columns": names}) + "\n")
                for row in conn.execute(sql, params):
                    out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":"),
                                         default=str) + "\n")
                    count += 1
        return count
    count, wall, cpu = _timed(dump)
    conn.close()
    return {"wall": wall, "cpu": cpu, "rows": count, "size": Path(args.out).stat().st_size}


def step_ceiling_import(args):
    """The dumped rows loaded with raw executemany into an empty database of the same schema,
    in one transaction; foreign keys resolved from parent uids with dictionaries."""
    from peewee import ForeignKeyField

    from inscrm.models import db
    from inscrm.sync import tables

    app = _open(args.data_dir)
    models = tables.BY_TABLE
    db.close()
    conn = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    conn.execute("PRAGMA cache_size=-64000")

    def load():
        ids = {}  # table: {uid: id}
        count = 0
        with open(args.file, encoding="utf-8") as source:
            lines = iter(source)
            header = json.loads(next(lines))
            while header is not None:
                model = models[header["table"]]
                names = header["columns"]
                fks = [(i, model._meta.fields[name].rel_model._meta.table_name)
                       for i, name in enumerate(names)
                       if isinstance(model._meta.fields[name], ForeignKeyField)]
                extra = _missing(model, names)
                columns = ["id", "seq", *(model._meta.fields[n].column_name for n in names),
                           *(f.column_name for f, _ in extra)]
                quoted = ", ".join(f'"{column}"' for column in columns)
                marks = ", ".join("?" * len(columns))
                sql = f'INSERT INTO "{header["table"]}" ({quoted}) VALUES ({marks})'
                own = ids.setdefault(header["table"], {})
                uid_at = names.index("uid")
                batch, header = [], None
                for line in lines:
                    row = json.loads(line)
                    if isinstance(row, dict):
                        header = row
                        break
                    for i, parent in fks:
                        if row[i] is not None:
                            row[i] = ids.get(parent, {}).get(row[i])
                    own[row[uid_at]] = len(own) + 1
                    batch.append([own[row[uid_at]], 1, *row, *(v for _, v in extra)])
                conn.executemany(sql, batch)
                count += len(batch)
        return count

    conn.execute("BEGIN")
    count, wall, cpu = _timed(load)
    conn.execute("COMMIT")
    conn.close()
    return {"wall": wall, "cpu": cpu, "rows": count}


def _missing(model, names):
    """(field, value) for the NOT NULL columns a bundle does not carry (a user's password)."""
    given = set(names) | {"id", "seq"}
    out = []
    for name, f in model._meta.fields.items():
        if name not in given and not f.null:
            default = f.default() if callable(f.default) else f.default
            out.append((f, f.db_value(default if default is not None else "")))
    return out


STEPS = {"export": step_export, "import": step_import, "edits": step_edits,
         "ceiling-export": step_ceiling_export, "ceiling-import": step_ceiling_import}


# --- the parent: set up, run the steps, print --------------------------------------------------


def cli(data_dir, *args):
    subprocess.run([sys.executable, "-m", "inscrm", *map(str, args), "--data-dir",
                    str(data_dir)], check=True, stdout=subprocess.DEVNULL)


def run_step(name, **options):
    """Run a step in a child process: its figures, with the child's peak memory (MB)."""
    argv = [sys.executable, __file__, "--step", name]
    for key, value in options.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE)
    output = child.stdout.read()
    child.stdout.close()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"step {name} failed")
    figures = json.loads(output.decode().strip().splitlines()[-1])
    figures["peak_mb"] = usage.ru_maxrss / 1024
    return figures


def db_size(data_dir):
    path = Path(data_dir) / "inscrm.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, size = (conn.execute(f"PRAGMA {p}").fetchone()[0]
                       for p in ("page_count", "page_size"))
    return pages * size


def setup(folder, customers):
    hq, branch = folder / "hq", folder / "b1"
    cli(hq, "init", "--hq", "--site", "HQ", "--site-name", "总公司", "--admin-password",
        PASSWORD)
    cli(hq, "branch", "add", "--site", "B1", "--site-name", "第一支公司", "--out",
        folder / "b1.registration")
    cli(branch, "init", "--join", folder / "b1.registration", "--admin-password", PASSWORD)
    cli(branch, "demo", "--customers", customers)
    cli(branch, "classify")
    cli(branch, "tasks", "generate")
    return hq, branch


def line(label, figures, ceiling=None, extra=""):
    rate = figures["rows"] / figures["wall"] if figures["wall"] else 0
    text = (f"{label:<18}{figures['wall']:7.2f} s {figures['cpu']:7.2f} s  "
            f"{figures['rows']:>9,} rows {rate:>10,.0f} rows/s  {figures['peak_mb']:6.0f} MB")
    if ceiling:
        text += f"   {figures['wall'] / ceiling['wall']:.1f}× the ceiling"
    print(text + extra)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--keep", help="work in this folder and keep it")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    for option in ("data-dir", "out", "to", "file", "site"):
        parser.add_argument(f"--{option}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args)))
        return

    folder = Path(args.keep or tempfile.mkdtemp(prefix="inscrm-bench-sync-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"setting up HQ and a branch of {args.customers:,} demo customers in {folder}")
    started = time.perf_counter()
    hq, branch = setup(folder, args.customers)
    print(f"  set up in {time.perf_counter() - started:.0f} s; branch database "
          f"{db_size(branch) / 1e6:.0f} MB")

    full = run_step("export", data_dir=branch, to="HQ", out=folder / "full.bundle")
    ceiling_out = run_step("ceiling-export", data_dir=branch, site="B1",
                           out=folder / "ceiling.jsonl")
    imported = run_step("import", data_dir=hq, file=folder / "full.bundle")
    ceiling_in = run_step("ceiling-import", data_dir=folder / "ceiling-db",  # schema only
                          file=folder / "ceiling.jsonl")
    first_down = run_step("export", data_dir=hq, to="B1", out=folder / "down-1.bundle")
    first_down_in = run_step("import", data_dir=branch, file=folder / "down-1.bundle")

    edits = run_step("edits", data_dir=branch)
    up = run_step("export", data_dir=branch, to="HQ", out=folder / "up-2.bundle")
    up_in = run_step("import", data_dir=hq, file=folder / "up-2.bundle")
    down = run_step("export", data_dir=hq, to="B1", out=folder / "down-2.bundle")
    down_in = run_step("import", data_dir=branch, file=folder / "down-2.bundle")

    branch_db = db_size(branch)
    print()
    print(f"{'':<18}{'wall':>9} {'CPU':>9}  {'rows':>14} {'':>16}  {'peak':>6}")
    line("full export", full, ceiling_out, f"   (bundle {full['size'] / 1e6:.1f} MB)")
    line("ceiling export", ceiling_out, extra=f"   (JSON lines {ceiling_out['size'] / 1e6:.1f}"
                                                " MB)")
    line("full import", imported, ceiling_in,
         f"   (backup {imported['backup']:.2f} s of it)")
    line("ceiling import", ceiling_in)
    line("first down", {**first_down, "wall": first_down["wall"] + first_down_in["wall"],
                        "cpu": first_down["cpu"] + first_down_in["cpu"],
                        "peak_mb": max(first_down["peak_mb"], first_down_in["peak_mb"])},
         extra=f"   (export {first_down['wall']:.2f} s, import {first_down_in['wall']:.2f} s,"
               f" backup {first_down_in['backup']:.2f} s of it)")
    line(f"{EDITS:,} edits", edits)
    for label, out, into in (("round up", up, up_in), ("round down", down, down_in)):
        line(label, {**out, "wall": out["wall"] + into["wall"], "cpu": out["cpu"] + into["cpu"],
                     "peak_mb": max(out["peak_mb"], into["peak_mb"])},
             extra=f"   (export {out['wall']:.2f} s, import {into['wall']:.2f} s, "
                   f"backup {into['backup']:.2f} s of it)")
    print()
    print(f"bundle {full['size'] / 1e6:.1f} MB = {full['size'] / branch_db:.0%} of the branch "
          f"database ({branch_db / 1e6:.0f} MB; target ≤ 30 %)")
    print("targets: full export ≤ 2×, full import ≤ 4× its ceiling; a round ≤ 2 s each side; "
          "peak ≤ 400 MB")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (CPU time is the "
          "fairer figure on a busy machine)")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
