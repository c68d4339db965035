"""What runs once when the app starts: the daily backup (and later the daily classification)."""

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
