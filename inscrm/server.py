"""Serving the app with waitress on this machine, and opening the browser once it answers."""

import logging
import threading
import time
import urllib.request
import webbrowser

import click

log = logging.getLogger(__name__)


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
            time.sleep(0.1)
    return False


def open_browser_when_ready(url):
    def worker():
        if wait_until_answering(url):
            webbrowser.open(url)

    threading.Thread(target=worker, name="open-browser", daemon=True).start()


def run(data_dir, host, port, open_browser=True, threads=8):
    """Serve until interrupted."""
    from waitress import serve

    from inscrm.cli import make_app
    from inscrm.startup import start_daily_work

    app = make_app(data_dir)
    url = f"http://{host}:{port}/"
    click.echo(f"InsCRM is running at {url} (data: {app.config['DATA_DIR']}). "
               "Press Ctrl+C to stop.")
    log.info("serving %s from %s", url, app.config["DATA_DIR"])
    if open_browser:
        open_browser_when_ready(url)
    start_daily_work(app)
    serve(app, host=host, port=port, threads=threads, ident="InsCRM")
