"""The executable's entry point: a double-click (no arguments) serves, arguments are the CLI.

Also what a one-file Windows build needs before anything else runs: `freeze_support()` so a
child process never re-runs the app, and somewhere for output to go when a windowed build has
no console (sys.stdout and sys.stderr are None there).
"""

import logging
import multiprocessing
import os
import sys


def frozen():
    return bool(getattr(sys, "frozen", False))


def redirect_missing_streams(logs_dir):
    """Point a missing stdout/stderr (windowed build) at logs/console.log in the data directory."""
    if sys.stdout is not None and sys.stderr is not None:
        return None
    os.makedirs(logs_dir, exist_ok=True)
    stream = open(os.path.join(logs_dir, "console.log"), "a", encoding="utf-8",  # noqa: SIM115
                  buffering=1)
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream
    return stream


def tolerate_any_text(streams):
    """Chinese lines must never crash output into a pipe or file in a legacy code page."""
    for stream in streams:
        isatty = getattr(stream, "isatty", lambda: True)
        if stream is not None and hasattr(stream, "reconfigure") and not isatty():
            stream.reconfigure(encoding="utf-8", errors="replace")


def main(argv=None):
    """Run `inscrm serve` on a double-click, else the full command line."""
    multiprocessing.freeze_support()
    argv = sys.argv[1:] if argv is None else list(argv)
    from inscrm.desktop import datadir

    redirect_missing_streams(datadir.resolve(None) / "logs")
    tolerate_any_text((sys.stdout, sys.stderr))
    double_click = not argv
    from inscrm.cli import main as cli_main

    try:
        cli_main(["serve"] if double_click else argv)
    except SystemExit as exc:
        _pause_on_error(double_click, exc.code)
        raise
    except Exception as exc:  # never a traceback for the user: one line here, details in the log
        if logging.getLogger().handlers:  # the data directory's log is open
            logging.getLogger("inscrm").exception("unexpected error")
        print(f"InsCRM stopped after an unexpected error: {exc!r} "
              "(details in logs/inscrm.log of the data directory)", file=sys.stderr)
        _pause_on_error(double_click, 1)
        sys.exit(1)


def _pause_on_error(double_click, code):
    """A double-clicked console closes at once: keep an error readable until Enter."""
    if double_click and frozen() and code and sys.stdin is not None and sys.stdin.isatty():
        input("Press Enter to close. 按回车键关闭。")
