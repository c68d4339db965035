"""A throwaway PostgreSQL server for the tests, and a fresh empty database per test or module.

    with postgres_server() as server_url:         # postgresql://postgres@127.0.0.1:PORT/inscrm_test
        with fresh_database(server_url) as url:   # a new database on it, dropped afterwards
            ...

With INSCRM_TEST_DATABASE_URL set, that server is used as it is (its user must be allowed to
create databases). Otherwise Debian's PostgreSQL binaries (/usr/lib/postgresql/<version>/bin,
package `postgresql`, which `make test` installs) make a new cluster in a temporary folder: UTF-8,
listening on a free loopback port only, trust authentication, fsync off; stopped and removed
afterwards, also when the tests fail or are interrupted. As root, the cluster belongs to the
`postgres` system user (initdb refuses to run as root).
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ENV = "INSCRM_TEST_DATABASE_URL"
DATABASE = "inscrm_test"
DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"


class PostgresNotFound(RuntimeError):
    """Neither INSCRM_TEST_DATABASE_URL nor Debian's PostgreSQL server binaries."""


def find_binaries():
    """The newest Debian PostgreSQL bin folder that has initdb and pg_ctl."""
    found = [
        path for path in Path("/").glob(DEBIAN_BINARIES.lstrip("/"))
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file()
    ]
    if not found:
        raise PostgresNotFound(
            f"no PostgreSQL server: set {ENV}, or install Debian's `postgresql` "
            f"(scripts/ensure_system_packages.sh postgresql)")
    return max(found, key=lambda path: _version_key(path.parent.name))


def _version_key(name):
    return tuple(int(part) if part.isdigit() else 0 for part in name.split("."))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@contextmanager
def _terminate_raises():
    """SIGTERM (a CI timeout, `kill`) unwinds like Ctrl+C, so the cluster is still removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Cluster:
    """initdb, pg_ctl start and stop, as the postgres user when we are root."""

    def __init__(self, binaries, folder):
        self.binaries = binaries
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = None
        self.as_user = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(folder, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, tool, *args):
        command = [*self.as_user, str(self.binaries / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}"
                               f"{done.stderr}{log}")
        return done

    def initdb(self):
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-E", "UTF8",
                 "--locale=C.UTF-8", "--auth=trust", "--no-sync")

    def start(self):
        # A free port can be taken between asking and listening: try another one.
        for attempt in range(3):
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                       f"-c unix_socket_directories='{self.folder}' "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            try:
                self.run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data),
                         "-l", str(self.log), "-o", options)
                return
            except RuntimeError:
                if attempt == 2 or "Address already in use" not in self.log.read_text():
                    raise

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))


@contextmanager
def postgres_server():
    """The URL of the PostgreSQL test database: INSCRM_TEST_DATABASE_URL, or on a new cluster."""
    if os.environ.get(ENV):
        yield os.environ[ENV]
        return
    binaries = find_binaries()
    folder = Path(tempfile.mkdtemp(prefix="inscrm-pg-"))
    cluster = _Cluster(binaries, folder)
    with _terminate_raises():
        try:
            cluster.initdb()
            cluster.start()
            url = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
            yield create_database(url, DATABASE)
        finally:
            try:
                cluster.stop()
            finally:
                shutil.rmtree(folder, ignore_errors=True)


def create_database(server_url, name=None, template=None):
    """A new UTF-8 database on the server of server_url, sorting by code point (as InsCRM
    needs), empty or a copy of the database named `template`; returns its URL."""
    name = name or f"inscrm_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        if template is None:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' "
                                "LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'").format(sql.Identifier(name))
        else:  # a file copy of a small database is the quickest way to a fresh one
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template))
        conn.execute(statement)
    return _with_database(server_url, name)


def drop_database(server_url, database_url):
    """Drops the database of database_url (connections to it are closed first)."""
    name = urlsplit(database_url).path.lstrip("/")
    if name == urlsplit(server_url).path.lstrip("/"):
        raise ValueError(f"{name} is the database the server URL connects to")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(name)))


@contextmanager
def fresh_database(server_url, template=None):
    """A new database (empty, or a copy of `template`) on the server, dropped afterwards."""
    url = create_database(server_url, template=template)
    try:
        yield url
    finally:
        drop_database(server_url, url)


def peewee_database(url, **kwargs):
    """A peewee PostgresqlDatabase on url, through psycopg 3."""
    import peewee

    parts = urlsplit(url)
    params = {"host": parts.hostname, "port": parts.port, "user": parts.username,
              "password": parts.password, **kwargs}
    params = {key: value for key, value in params.items() if value is not None}
    name = parts.path.lstrip("/")
    # peewee 4 drives psycopg 3 itself; 3.17 and 3.18 through playhouse.psycopg3_ext
    if hasattr(peewee, "Psycopg3Adapter"):
        return peewee.PostgresqlDatabase(name, prefer_psycopg3=True, **params)
    from playhouse.psycopg3_ext import Psycopg3Database

    return Psycopg3Database(name, **params)
