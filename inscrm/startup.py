"""What runs once when the app starts: the daily backup, the day's tasks (and later the daily
classification)."""

import datetime as dt
import logging
import threading
import time

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


def start_daily_work(app, every=600):
    """In a thread of the server (not the CLI): each day's tasks and reports, computed ahead of
    the first user of the day, checked every `every` seconds so a server left running overnight
    has them ready in the morning."""
    threading.Thread(target=_daily_loop, args=(app, every), name="daily-work",
                     daemon=True).start()


def _daily_loop(app, every):
    while True:
        daily_work(app)
        time.sleep(every)


def daily_work(app):
    """Today's rule tasks (made again whenever the data they come from changed since) and
    today's dashboard and scorecards."""
    from inscrm import dashboard, tasks
    from inscrm.models import db

    with app.app_context():
        try:
            db.connect(reuse_if_open=True)
            if tasks.generate_once_a_day() is None:
                tasks.refresh()  # renewals and contacts recorded since, within minutes
            dashboard.warm()
        except Exception:  # computed later, on the first visit, is no worse
            log.exception("the day's tasks and reports failed")
        finally:
            if not db.is_closed():
                db.close()
