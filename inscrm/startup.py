"""What runs once when the app starts: the daily backup, the day's tasks (and later the daily
classification)."""

import datetime as dt
import logging
import threading

from inscrm.backup import backup
from inscrm.models import Meta

log = logging.getLogger(__name__)


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
    if Meta.get_value("schema_version"):
        _daily_tasks(app)


def _daily_tasks(app):
    """The day's rule tasks (renewals, follow-ups, win-back, blacklist review), once a day."""
    from inscrm import tasks
    from inscrm.site import is_initialised

    if not is_initialised():
        return
    try:
        counts = tasks.generate_once_a_day()
        if counts is not None:
            log.info("tasks generated: %s", counts)
    except Exception:  # the app must still serve; the pass runs again at the next start
        log.exception("task generation failed")


def warm_reports_in_background(app):
    """Start computing today's reports in a thread (the server calls this; the CLI does not)."""
    threading.Thread(target=_warm_reports, args=(app,), name="warm-reports", daemon=True).start()


def _warm_reports(app):
    """Today's dashboard and scorecards, computed while the first users sign in."""
    from inscrm import dashboard
    from inscrm.models import db

    with app.app_context():
        try:
            db.connect(reuse_if_open=True)
            dashboard.warm()
        except Exception:  # a report computed later, on its first visit, is no worse
            log.exception("warming the reports failed")
        finally:
            if not db.is_closed():
                db.close()
