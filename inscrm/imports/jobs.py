"""Imports started from the web page run in a background thread; the page polls their progress
from this small in-process registry, keyed by job id."""

import logging
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from inscrm.i18n import N_
from inscrm.imports.load import import_file
from inscrm.models import db
from inscrm.validators import Invalid

log = logging.getLogger(__name__)
KEEP = 50  # finished jobs remembered; older ones are forgotten (their files stay on disk)


@dataclass
class Job:
    id: str
    user_id: int
    file: str
    progress: float = 0.0
    rows: int = 0
    summary: object = None
    error: tuple = None  # (msgid, params) when the file was refused as a whole
    done: bool = False


_jobs = {}
_lock = threading.Lock()


def get(job_id):
    with _lock:
        return _jobs.get(job_id)


def start(path, backups_dir, user, kind=None, source="core", skip_invalid=False, name=None,
          remove_input=False, allow_blacklisted=False, language=None):
    """Start importing `path` in a thread and return the job; `remove_input` deletes the file
    afterwards (an upload: its data is in the database now, its problems in the report, worded
    in `language`)."""
    job = Job(id=secrets.token_hex(8), user_id=user.id, file=name or str(path))
    with _lock:
        finished = [j for j in _jobs.values() if j.done]
        for old in finished[:-KEEP]:
            del _jobs[old.id]
        _jobs[job.id] = job

    def progress(fraction, summary):
        job.progress, job.rows = fraction, summary.rows

    def run():
        db.connect(reuse_if_open=True)
        try:
            job.summary = import_file(path, backups_dir, kind=kind, source=source,
                                      skip_invalid=skip_invalid, user=user, progress=progress,
                                      display_name=name,
                                      allow_blacklisted=allow_blacklisted,
                                      language=language)
        except Invalid as exc:
            job.error = (exc.message, exc.params)
        except Exception as exc:  # shown as one line on the page; the log has the details
            log.exception("import of %s failed", path)
            job.error = (N_("The import failed: %(error)s"), {"error": str(exc)})
        finally:
            if remove_input:
                Path(path).unlink(missing_ok=True)
            job.progress = 1.0
            job.done = True
            if not db.is_closed():
                db.close()

    threading.Thread(target=run, name=f"import-{job.id}", daemon=True).start()
    return job
