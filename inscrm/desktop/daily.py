"""The work of each day: the daily backup, the full segment run, the rule and service tasks, and
the dashboard's figures — at start-up and, in a server left running, again on a new day."""

import datetime as dt
import logging
import threading
import time
from pathlib import Path

from inscrm.db.backup import backup, retained
from inscrm.imports import load
from inscrm.models import Meta

log = logging.getLogger(__name__)

SERVICE_TASKS_ON = "service_tasks_generated_on"


def run(app):
    """Start-up work that must not stop the app from serving if it fails."""
    today = dt.date.today().isoformat()
    if Meta.get_value("last_daily_backup") != today and Meta.get_value("schema_version"):
        try:
            path = backup(app.config["DATABASE"], app.config["BACKUPS"], "daily")
            Meta.set_value("last_daily_backup", today)
            log.info("daily backup written to %s", path)
        except OSError:
            log.exception("daily backup failed")
    prune_reports(Path(app.config["DATA_DIR"]) / "imports")
    if Meta.get_value("schema_version"):
        load.remove_orphans(Path(app.config["DATA_DIR"]) / "imports")
    if app.config.get("STARTUP_CLASSIFY", True):
        _day_work()


def prune_reports(folder, today=None):
    """Import error reports of the web uploads, kept as backups are (`backup.retained`)."""
    reports = [p for p in Path(folder).glob("*.csv")
               if p.name.endswith((".errors.csv", ".rejected.csv"))]
    dated = [(dt.date.fromtimestamp(p.stat().st_mtime), p) for p in reports]
    kept = retained(dated, today or dt.date.today())
    for _, path in dated:
        if path not in kept:
            path.unlink(missing_ok=True)


def _day_work():
    """At a branch: segments first (the tasks read them), then the day's rule and service
    tasks. At HQ, which holds the branches' rows and changes none of them: the network flags,
    again whenever bundles arrived, then this year's branch comparison."""
    from inscrm.hq import comparison, flags
    from inscrm.models import Site
    from inscrm.segments import engine
    from inscrm.sites import is_initialised
    from inscrm.work import tasks

    if not is_initialised():
        return
    steps = [
        ("imports a process left unfinished", lambda: load.finish_interrupted() or None),
        ("segments an import left pending", load.reevaluate_pending),
        ("classification", lambda: engine.classify_all() if engine.due_for_full_run()
         else None),
        ("rule tasks", lambda: tasks.generate_once_a_day() or tasks.refresh()),
        ("service tasks", _service_tasks_once_a_day),
    ]
    if Site.current().is_hq:
        steps = [("network flags", flags.recompute_if_due),
                 ("branch comparison", lambda: comparison.warm() and None)]
    for name, step in steps:
        try:
            result = step()
            if result is not None:
                log.info("%s: %s", name, result)
        except Exception:  # the app must still serve; the step runs again later
            log.exception("%s failed", name)


def _service_tasks_once_a_day():
    from inscrm.work.service_plans import generate_service_tasks

    today = dt.date.today()
    if Meta.get_value(SERVICE_TASKS_ON) == today.isoformat():
        return None
    counts = generate_service_tasks(today)
    Meta.set_value(SERVICE_TASKS_ON, today.isoformat())
    return counts


def start_daily_work(app, every=600, after=None):
    """In a thread of the server (not the CLI): each day's work, checked every `every` seconds
    so a server left running overnight has it ready in the morning. `after`: a thread to wait
    for first (the start-up work), so the two never compete for the database."""
    threading.Thread(target=_daily_loop, args=(app, every, after), name="daily-work",
                     daemon=True).start()


def _daily_loop(app, every, after):
    if after is not None:
        after.join()
    while True:
        daily_work(app)
        time.sleep(every)


def daily_work(app):
    """Today's segments and tasks (tasks again whenever their data changed) and today's
    dashboard and scorecards."""
    from inscrm.models import db
    from inscrm.reports import dashboard

    with app.app_context():
        try:
            db.connect(reuse_if_open=True)
            _day_work()
            dashboard.warm()
        except Exception:  # computed later, on the first visit, is no worse
            log.exception("the day's work failed")
        finally:
            if not db.is_closed():
                db.close()
