"""What runs once when the app starts: the daily backup and the daily classification."""

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
    if app.config.get("STARTUP_CLASSIFY", True):
        _classify_if_due()


def _classify_if_due():
    """A full segment run when the last one is older than today (new day, new figures)."""
    from inscrm import segments
    from inscrm.site import is_initialised

    if not is_initialised() or not segments.due_for_full_run():
        return
    try:
        counts, changed, seconds = segments.classify_all()
        log.info("classified all customers in %.1f s, %d changed: %s", seconds, changed, counts)
    except Exception:  # the app must still serve; the next start tries again
        log.exception("classification at start-up failed")
