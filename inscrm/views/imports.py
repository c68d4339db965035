"""The import page: upload a template file, watch its progress, read the summary, download the
error report; and the template downloads."""

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, g, request, send_file
from flask_babel import get_locale, gettext
from flask_babel import gettext as _

from inscrm.imports import jobs
from inscrm.imports.template import KINDS, column_names, reader_params
from inscrm.imports.workbook import template_workbook
from inscrm.labels import label
from inscrm.models import SEGMENTS
from inscrm.views import login_required, render, roles_required

bp = Blueprint("imports", __name__, url_prefix="/imports")
IMPORT_ROLES = ("manager",)  # and admin


def _safe_name(name):
    """The uploaded file's own name, without any path, kept readable (Chinese allowed)."""
    name = Path(name or "upload.csv").name
    name = re.sub(r"[^\w.\-() ]", "_", name).strip(" .") or "upload.csv"
    return name[-120:]


@bp.route("/")
@login_required
def index():
    """The upload form, the template downloads and the export forms."""
    return render("imports/index.html", "imports/_upload.html", kinds=KINDS,
                  segments=SEGMENTS, error=None)


@bp.route("/", methods=["POST"])
@roles_required(*IMPORT_ROLES)
def upload():
    """Save the upload beside its job and start importing it in the background."""
    upload = request.files.get("file")
    kind = request.form.get("kind") or None
    source = (request.form.get("source") or "core").strip()
    error = None
    if upload is None or not upload.filename:
        error = _("Choose a file to import.")
    elif kind is not None and kind not in KINDS:
        error = _("Unknown kind %(kind)s; expected one of %(kinds)s.", kind=kind,
                  kinds=", ".join(KINDS))
    if error:
        response = render("imports/index.html", "imports/_upload.html", kinds=KINDS,
                          segments=SEGMENTS, error=error)
        response.status_code = 400
        return response
    name = _safe_name(upload.filename)
    folder = Path(current_app.config["DATA_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    target = _unique(folder, name)
    upload.save(target)
    job = jobs.start(target, current_app.config["BACKUPS"], g.user, kind=kind, source=source,
                     skip_invalid=bool(request.form.get("skip_invalid")), name=name,
                     remove_input=True,
                     allow_blacklisted=bool(request.form.get("allow_blacklisted")),
                     language=str(get_locale()))
    return _job_response(job)


def _unique(folder, name):
    """Uploads keep their name; a second upload of the same name gets a number."""
    target = folder / name
    stem, suffix = target.stem, target.suffix
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target


def _job(job_id):
    job = jobs.get(job_id)
    if job is None:
        abort(404)
    if job.user_id != g.user.id and g.user.role != "admin":
        abort(403)
    return job


def _job_response(job):
    done = job.done  # read first: the thread sets the summary or error before `done`
    summary = job.summary
    error = None
    if job.error is not None:
        message, params = job.error
        params = reader_params(params, str(get_locale()))
        error = gettext(message) % params if params else gettext(message)
    columns = column_names(summary.kind, str(get_locale())) if summary else {}
    lines = [p.line(summary.file, gettext, columns) for p in summary.problems] if summary else []
    blocked = [(row, row.problem.text(gettext)) for row in summary.blocked[:200]] if summary else []
    kind_names = {name: gettext(label("import_kind", name)) for name in KINDS}
    return render("imports/job.html", "imports/_job.html", job=job, done=done,
                  summary=summary, error=error, problems=lines, kind_names=kind_names,
                  blocked=blocked, columns=columns)


@bp.route("/jobs/<job_id>")
@login_required
def job(job_id):
    """The job's progress (polled by htmx every 500 ms while it runs), then its summary."""
    return _job_response(_job(job_id))


@bp.route("/jobs/<job_id>/report")
@login_required
def report(job_id):
    """The error report or the rejected rows, as CSV."""
    job = _job(job_id)
    if job.summary is None or not job.summary.report:
        abort(404)
    path = Path(job.summary.report)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=path.name)


@bp.route("/template/<kind>.xlsx")
@login_required
def template(kind):
    """The template of one kind as an XLSX workbook."""
    if kind not in KINDS:
        abort(404)
    import io

    return send_file(io.BytesIO(template_workbook(kind)), as_attachment=True,
                     download_name=f"inscrm-{kind}-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
