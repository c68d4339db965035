"""Serving the app with waitress on this machine: one instance per data directory, a free port,
a backup on each start, the browser opened once the server answers, and a clean stop."""

import contextlib
import logging
import signal
import socket
import sys
import threading
import time
import urllib.request
import webbrowser

import click

from inscrm.desktop import datadir, hosts, instance
from inscrm.version import version_string

log = logging.getLogger(__name__)
SERVER_EXTENSION = "inscrm.desktop.server"  # app.extensions key of the running Server (for Quit)


def wait_until_answering(url, timeout=30.0):
    """True once `url` answers an HTTP request (any status), False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.05)
    return False


def open_browser_when_ready(url):
    def worker():
        if wait_until_answering(url):
            webbrowser.open(url)

    threading.Thread(target=worker, name="open-browser", daemon=True).start()


# How often a thread that computes without pause (an import checking its rows in the server's
# process) hands the interpreter to the others. Each time a request's thread comes back from the
# database or the network it waits for this, dozens of times a request: at Python's 5 ms a login
# during an import's check took 0.9 s instead of 0.3 s.
SWITCH_INTERVAL = 0.001  # seconds

# Worker threads. A web write that finds the write lock taken (a large import) holds its thread
# for up to 5 s before it answers "busy"; with fewer threads than people, pages and logins would
# queue behind those waits. Waiting threads cost no CPU.
THREADS = 24


class Server:
    """A waitress server bound to the first free port from `first`, stoppable from any thread."""

    def __init__(self, wsgi_app, host, first_port, threads=THREADS):
        from waitress.server import create_server

        error = None
        # The allowed names depend on the port, known only once bound: the check reads it then.
        self.host_check = hosts.HostCheck(wsgi_app, ())
        for port in instance.candidate_ports(host, first_port):
            try:
                self.waitress = create_server(self.host_check, host=host, port=port,
                                              threads=threads, ident="InsCRM")
                break
            except OSError as exc:  # e.g. a port Windows reserves, or taken just now
                log.info("port %s refused: %s", port, exc)
                error = exc
        else:
            raise click.ClickException(
                f"no free port from {first_port} on {host}"
                + (f" (last error: {error})" if error else "")
            )
        self.host = host
        self.port = int(self.waitress.effective_port)
        self.host_check.allowed = hosts.allowed_hosts(host, self.port, _machine_names(host))
        self.url = instance.url_for(host, self.port)

    def run(self):
        """Serve until stopped (Quit, Ctrl+C or SIGTERM); in-flight requests are finished."""
        from inscrm.db import transactions

        before = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            self.waitress.run()
        finally:
            self.waitress.task_dispatcher.shutdown(timeout=10)
            transactions.settle(timeout=10)  # the logins' entries still waiting for the lock
            sys.setswitchinterval(before)

    def stop(self, delay=0.5):
        """Stop soon: after `delay`, so the page that asked for it is delivered first."""

        def later():
            time.sleep(delay)
            # Closing sockets is done by the server's own loop thread, woken by its trigger.
            # The loop runs the trigger's thunks under its lock, and our thunk closes the
            # trigger: hold the lock until the wake-up is written, or a wake-up from a worker
            # thread could run the thunk first and leave this write to a closed pipe.
            trigger = self.waitress.trigger
            with trigger.lock:
                trigger.thunks.append(self._close_all)
                trigger.pull_trigger()

        threading.Thread(target=later, name="stop-server", daemon=True).start()

    def _close_all(self):
        from waitress import wasyncore

        wasyncore.close_all(self.waitress._map, ignore_all=True)


def _machine_names(host):
    """For a server bound to every interface: this machine's name and addresses, which is how
    other PCs of the office reach it."""
    if host not in hosts.WILDCARDS:
        return ()
    try:
        name, aliases, addresses = socket.gethostbyname_ex(socket.gethostname())
    except OSError:
        return (socket.gethostname(),)
    return (name, *aliases, *addresses)


def start_up_in_background(app, started):
    """The start-up tasks (the daily backup…) and a backup on each start (reason "startup"),
    in the background: a large database must not keep the first page waiting.

    The start-up backup is skipped when this start has already written one (the day's first,
    or before a migration): a large database need not be copied twice in a row.
    """
    from inscrm.db.backup import backup, list_backups
    from inscrm.desktop import daily
    from inscrm.models import db

    def worker():
        try:
            with app.app_context():
                daily.run(app)
            newest = next(iter(list_backups(app.config["BACKUPS"])), None)
            if newest is not None and newest.stat().st_mtime >= started:
                log.info("this start already wrote %s", newest.name)
            else:
                path = backup(app.config["DATABASE"], app.config["BACKUPS"], "startup")
                log.info("start-up backup written to %s", path)
        except Exception:  # a failed backup must not stop the app; it is in the log
            log.exception("start-up work failed")
        finally:
            if not db.is_closed():
                db.close()

    # A daemon, joined on a normal stop; a second Ctrl+C abandons it (only a .part file is left).
    thread = threading.Thread(target=worker, name="start-up", daemon=True)
    thread.start()
    return thread


def run(make_app, data_dir, host, port, open_browser=True, threads=THREADS):
    """Serve the data directory until stopped, or point at the instance already serving it.

    `make_app(root, **config)` opens the data directory's app (the CLI passes its own, which
    words a database it cannot open as one line).
    """
    from inscrm.db import engines
    from inscrm.desktop.daily import start_daily_work

    root = datadir.resolve(data_dir)
    try:
        datadir.prepare(root)
    except OSError as exc:
        raise click.ClickException(f"cannot use the data directory: {exc}") from None
    lock = instance.InstanceLock(root)
    try:
        running = instance.claim_or_find(lock, on_wait=lambda info: click.echo(
            f"Another InsCRM (pid {info.get('pid', '?')}) is starting or stopping with this "
            "data directory; waiting for it…"))
    except instance.InstanceStuck as exc:
        raise click.ClickException(
            f"another InsCRM (pid {exc.info.get('pid', '?')}) holds {root} but does not answer; "
            "end it (Task Manager on Windows) and start again") from None
    if running:
        click.echo(f"InsCRM is already running at {running} (data: {root}).")
        if open_browser and webbrowser.open(running):
            click.echo("Opened it in the browser. 已在浏览器中打开。")
        return
    try:
        started = time.time()
        app = make_app(str(root), STARTUP_TASKS=False)  # run below, in the background
        token = instance.new_token()
        server = Server(instance.IdentityMiddleware(app, token), host, port, threads)
        lock.publish(host, server.port, token)
        app.extensions[SERVER_EXTENSION] = server
        background = start_up_in_background(app, started)
        start_daily_work(app, after=background)
        _stop_on_sigterm(server)
        _announce(server.url, root)
        if open_browser:
            open_browser_when_ready(server.url)
        server.run()
        background.join()
        engines.close_all()  # the connections kept for requests (the last one checkpoints)
        log.info("stopped")
        click.echo("InsCRM has stopped. InsCRM 已停止。")
    finally:
        lock.release()


def _announce(url, root):
    log.info("%s serving %s from %s", version_string(), url, root)
    click.echo("\n".join([
        f"{version_string()} is running at {url}",
        f"InsCRM 正在运行：{url}",
        f"Data 数据目录: {root}",
        "To stop it: Quit in the user menu (administrator), or Ctrl+C / close this window.",
        "停止：管理员在用户菜单中点击“关闭程序”，或按 Ctrl+C / 关闭此窗口。",
    ]))


def _stop_on_sigterm(server):
    with contextlib.suppress(ValueError, AttributeError):  # not the main thread / no SIGTERM
        signal.signal(signal.SIGTERM, lambda signum, frame: server.stop(delay=0))
