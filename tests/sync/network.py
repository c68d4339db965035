"""A sync network for tests: one HQ and N branches, each in its own temporary data directory,
set up and driven through the real CLI (`click.testing.CliRunner` on `inscrm.cli:cli` with
`--data-dir`), as an office would at the command line.

    net = Network(tmp_path, branches=2)          # HQ "HQ", branches "B1", "B2"
    net.run("B1", "demo", "--customers", "20")   # any command at one site (exit 0 asserted)
    path = net.export("B1", "HQ")                 # a bundle file, named after its round
    net.import_("HQ", path)                       # apply it (several paths: any order)
    net.round("B1")                               # up to HQ and back down, both applied
    with net.open("HQ"):                          # an app context on that site's database
        Customer.select().count()
    with net.bound("HQ") as data_dir:             # only its database (quicker, no app)
        export_bundle(path, "B1", data_dir)
    net.owned("HQ", "B1")                         # {table: [rows]} of B1's rows held at HQ
    twin = net.clone(tmp_path / "again", twins={"REF": "HQ"})  # copies, plus a second HQ

For the HQ workspace: every synced table's rows travel by the rules of `inscrm.sync.tables`;
`owned` compares two sites' copies of one site's rows, foreign keys as uids.
"""

import contextlib
import copy
import itertools
import shutil
from pathlib import Path

from click.testing import CliRunner

from inscrm import create_app
from inscrm.cli import cli
from inscrm.db import engines, schema
from inscrm.db.copy import portable
from inscrm.desktop.datadir import DB_NAME
from inscrm.models import db

PASSWORD = "site-pass-123"


class Network:
    def __init__(self, root, branches=2, hq="HQ", hq_url=None):
        """`hq_url`: HQ on that PostgreSQL database (the branches stay on their SQLite files)."""
        self.root = Path(root)
        self.hq = hq
        self.urls = {hq: hq_url or ""}
        self.dirs = {hq: self.root / hq.lower()}
        self.names = itertools.count(1)
        self.run(hq, "init", "--hq", "--site", hq, "--site-name", "总公司",
                 "--admin-password", PASSWORD)
        self.branches = []
        for n in range(1, branches + 1):
            self.add_branch(f"B{n}", f"第{n}支公司")

    def add_branch(self, code, name, join=True):
        """Register a branch at HQ; with `join`, initialise its data directory from the file."""
        registration = self.root / f"{code}.registration"
        self.run(self.hq, "branch", "add", "--site", code, "--site-name", name,
                 "--out", str(registration))
        self.dirs[code] = self.root / code.lower()
        if join:
            self.join(code, registration)
        self.branches.append(code)
        return registration

    def clone(self, root, twins=None):
        """A copy of the whole network under `root`, every site's data directory copied (to
        start again from one place quickly); `twins` {new code: site} adds a copy of a site
        under another name (the same keys and registrations: a second HQ, say). SQLite sites
        only: a PostgreSQL database is not in its data directory."""
        assert not any(self.urls.values()), "clone copies data directories only"
        twin = copy.copy(self)
        twin.root = Path(root)
        twin.names = itertools.count(1)
        twin.branches = list(self.branches)
        twin.dirs = {}
        twin.urls = {self.hq: ""}
        for code, folder in [*self.dirs.items(), *((new, self.dirs[old]) for new, old in
                                                   (twins or {}).items())]:
            twin.dirs[code] = twin.root / code.lower()
            shutil.copytree(folder, twin.dirs[code],
                            ignore=shutil.ignore_patterns("inscrm-*.db"))  # not the backups
        return twin

    def join(self, code, registration, data_dir=None):
        self.dirs[code] = Path(data_dir) if data_dir else self.dirs[code]
        self.run(code, "init", "--join", str(registration), "--admin-password", PASSWORD)

    def invoke(self, site, *args):
        """Run `inscrm ARGS --data-dir <site's dir>`; the click Result (any exit code)."""
        url = self.urls.get(site, "")
        return CliRunner().invoke(cli, [*map(str, args), "--data-dir", str(self.dirs[site])],
                                  env={"INSCRM_DATABASE_URL": url or None},
                                  catch_exceptions=False)

    def run(self, site, *args):
        result = self.invoke(site, *args)
        assert result.exit_code == 0, result.output
        return result

    def export(self, sender, to, *options, name=None):
        path = self.root / (name or f"{next(self.names):03d}-{sender}-to-{to}.bundle")
        self.run(sender, "sync", "export", "--to", to, "--out", str(path), *options)
        return path

    def import_(self, site, *paths):
        return self.run(site, "sync", "import", *paths)

    def round(self, branch):
        """The branch's bundle up to HQ, and HQ's bundle back down; both applied."""
        self.import_(self.hq, self.export(branch, self.hq))
        self.import_(branch, self.export(self.hq, branch))

    @contextlib.contextmanager
    def open(self, site):
        """An app context on the site's database (connected)."""
        app = create_app({"TESTING": True, "DATA_DIR": str(self.dirs[site]),
                          "DATABASE_URL": self.urls.get(site, ""), "STARTUP_TASKS": False})
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                yield app
            finally:
                engines.close_all()

    @contextlib.contextmanager
    def bound(self, site):
        """The site's database bound without an app, for domain calls in a tight loop (an
        app per step would cost more than the step)."""
        database = schema.open_database(self.urls.get(site) or self.dirs[site] / DB_NAME)
        try:
            yield self.dirs[site]
        finally:
            database.close()

    def owned(self, site, origin):
        """{table: sorted rows} of the rows owned by `origin` as `site` holds them (the fields
        that travel, foreign keys as uids)."""
        from inscrm.sync import tables

        with self.bound(site):
            out = {}
            for model in tables.ORDER:
                query, _ = tables.select_rows(model, model.origin == origin)
                rows = [tuple(_normal(v) for v in row) for row in db.execute(query)]
                out[model._meta.table_name] = sorted(rows, key=repr)
            return out

    def counts(self, site):
        """Rows per synced table, for before/after comparisons."""
        from inscrm.sync import tables

        with self.bound(site):
            return {m._meta.table_name: m.select().count() for m in tables.ORDER}


def _normal(value):
    """A value as either engine gives it back (dates as ISO text, booleans as 0/1)."""
    return portable(value)
