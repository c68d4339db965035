"""What runs once when the app starts: the daily backup, the day's tasks (and later the daily
classification)."""

import datetime as dt
import logging

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
        _daily_tasks()


def _daily_tasks():
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
