"""Sync pages. A branch writes its bundle for HQ and imports HQ's, and sees what HQ has not yet
acknowledged; HQ imports many bundles at once, reads the ledger per branch and the branches
that lag, writes each branch's bundle back and registers branches. Which of the two pages an
installation has is decided once, when the app is made (`blueprint(site)`)."""

from flask import Blueprint, current_app, g, request, send_file, session
from flask_babel import gettext
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from inscrm.models import Site
from inscrm.sync import BundleRefused, files, registry
from inscrm.sync.service import backup_callable
from inscrm.validators import Invalid
from inscrm.views import get_object_or_404, render, roles_required

# Both are "sync", so the navigation and the forms name one endpoint whichever is registered.
branch_bp = Blueprint("sync", __name__, url_prefix="/sync")
hq_bp = Blueprint("sync", __name__, url_prefix="/sync")
BRANCH_ROLES = ("manager",)  # and admin: they write and apply the branch's bundles
HQ_ROLES = ("analyst",)  # and admin, who alone imports, writes and registers at HQ
LIMITS = {
    "SYNC_MAX_UPLOAD": 2 << 30,  # one request, all its files together
    "SYNC_MAX_BUNDLE": 1 << 30,  # one bundle file
}
UPLOADS = ("sync.upload",)


def blueprint(site):
    """The sync pages of this installation: HQ's, or a branch's (standalone included)."""
    return hq_bp if site is not None and site.is_hq else branch_bp


def _limit(key):
    return current_app.config.get(key, LIMITS[key])


def _nav_roles(roles):
    def record(state):
        state.app.jinja_env.globals["sync_roles"] = (*roles, "admin")

    return record


branch_bp.record_once(_nav_roles(BRANCH_ROLES))
hq_bp.record_once(_nav_roles(HQ_ROLES))


def _upload_limit(endpoint, values):
    """Bundles may be larger than other uploads: raise the request's limit for a signed-in
    user before anything (the CSRF check included) reads the body."""
    if endpoint in UPLOADS and session.get("sid") is not None:
        request.max_content_length = _limit("SYNC_MAX_UPLOAD")


branch_bp.url_value_preprocessor(_upload_limit)
hq_bp.url_value_preprocessor(_upload_limit)


def _invalid(exc):
    return gettext(exc.message) % exc.params if exc.params else gettext(exc.message)


def _line(name, outcome):
    """One line for an uploaded file: what was applied, or why it was refused."""
    if isinstance(outcome, BundleRefused):
        return outcome.text(gettext, name)
    if outcome.already:
        return _("%(name)s: already applied; nothing changed", name=name)
    line = _("%(name)s: applied the bundle from %(site)s, changes %(first)s–%(last)s, "
             "%(rows)s rows (%(applied)s newer)", name=name, site=outcome.sender,
             first=outcome.first_seq, last=outcome.last_seq, rows=sum(outcome.rows.values()),
             applied=outcome.applied)
    if outcome.rejected:
        line += " " + _("%(n)s rows rejected", n=len(outcome.rejected))
    return line


def _receive():
    """Apply the uploaded bundles: ([{name, ok, line}], HTTP status)."""
    uploads = [u for u in request.files.getlist("files") if u.filename]
    if not uploads:
        return [{"name": "", "ok": False, "line": _("Choose the bundle files to import.")}], 400
    outcomes = files.import_uploads([(u.filename, u.stream) for u in uploads],
                                    current_app.config["DATA_DIR"], _limit("SYNC_MAX_BUNDLE"),
                                    backup=backup_callable(current_app.config))
    lines, status = [], 200
    for name, outcome in outcomes:
        refused = isinstance(outcome, BundleRefused)
        if refused:
            status = max(status, 413 if outcome.message == files.TOO_LARGE else 422)
        lines.append({"name": name, "ok": not refused, "line": _line(name, outcome)})
    return lines, status


def _too_large(exc):
    """The request is over SYNC_MAX_UPLOAD, found by whatever reads the body first (the CSRF
    check, before the user is known): the error page, with the limit and the way round it."""
    line = _("The upload is larger than %(limit)s MB; import the files with "
             "`inscrm sync import`.", limit=f"{_limit('SYNC_MAX_UPLOAD') / (1 << 20):g}")
    response = render("errors/error.html", "errors/_error.html", code=413, message=line)
    response.status_code = 413
    return response


branch_bp.register_error_handler(RequestEntityTooLarge, _too_large)
hq_bp.register_error_handler(RequestEntityTooLarge, _too_large)


def _download(folder, path, name):
    """Send the file, then remove its folder once the server has closed it."""
    response = send_file(path, as_attachment=True, download_name=name,
                         mimetype="application/octet-stream", conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    # A passed-through file is closed by the server without the response's close callbacks;
    # iterated by the response, the file is closed first and then its folder goes (Windows
    # cannot remove an open file).
    response.direct_passthrough = False
    response.call_on_close(lambda: files.remove(folder))
    return response


# --- a branch ---------------------------------------------------------------------------------


def _branch_page(outcomes=(), error=None, status=200):
    response = render("sync/branch.html", "sync/_branch.html",
                      status=registry.branch_status(), outcomes=outcomes, error=error,
                      not_joined=gettext(registry.NOT_JOINED))
    response.status_code = status
    return response


@branch_bp.route("/")
@roles_required(*BRANCH_ROLES)
def index():
    """Where the branch stands with HQ, its bundle to download, HQ's to upload."""
    return _branch_page()


@branch_bp.route("/export", methods=["POST"])
@roles_required(*BRANCH_ROLES)
def export():
    """The branch's bundle for HQ: everything HQ has not acknowledged yet."""
    hq = Site.headquarters()
    try:
        if hq is None or hq.is_self:
            raise Invalid(registry.NOT_JOINED)
        return _download(*files.bundle_for(hq.code, current_app.config["DATA_DIR"]))
    except Invalid as exc:
        return _branch_page(error=_invalid(exc), status=400)


@branch_bp.route("/import", methods=["POST"], endpoint="upload")
@roles_required(*BRANCH_ROLES)
def branch_upload():
    """Apply HQ's bundles (one or several, any order)."""
    outcomes, status = _receive()
    return _branch_page(outcomes=outcomes, status=status)


# --- headquarters -----------------------------------------------------------------------------


def _hq_page(outcomes=(), errors=None, status=200, form=None):
    response = render("sync/hq.html", "sync/_hq.html", branches=registry.branches(),
                      lag_days=registry.lag_days(), ledger=registry.ledger(limit=20),
                      outcomes=outcomes, errors=errors or {}, form=form or {})
    response.status_code = status
    return response


@hq_bp.route("/", endpoint="index")
@roles_required(*HQ_ROLES)
def hq_index():
    """Every branch with its last bundle and lag, the upload of their bundles, registration."""
    return _hq_page()


@hq_bp.route("/import", methods=["POST"], endpoint="upload")
@roles_required()
def hq_upload():
    """Apply the branches' bundles, many at once, in any order."""
    outcomes, status = _receive()
    return _hq_page(outcomes=outcomes, status=status)


@hq_bp.route("/export/<code>", methods=["POST"])
@roles_required()
def hq_export(code):
    """HQ's bundle for one branch; `kind=recovery` gives it back every row of its own."""
    site = get_object_or_404(Site.branches(), Site.code == code)
    kind = request.form.get("kind", "changes")
    try:
        return _download(*files.bundle_for(site.code, current_app.config["DATA_DIR"],
                                           full=kind == "full", recovery=kind == "recovery"))
    except Invalid as exc:
        return _hq_page(errors={"export": _invalid(exc)}, status=400)


@hq_bp.route("/branches", methods=["POST"])
@roles_required()
def register():
    """Register a branch; the answer is its registration file (its private keys inside)."""
    try:
        return _download(*files.registration_for(
            request.form.get("code"), request.form.get("name"),
            current_app.config["DATA_DIR"], user=g.user))
    except Invalid as exc:
        return _hq_page(errors={"register": _invalid(exc)}, status=400, form=request.form)


@hq_bp.route("/lag", methods=["POST"])
@roles_required()
def lag():
    """How many days without a bundle make a branch stand out."""
    try:
        registry.set_lag_days(request.form.get("days"), user=g.user)
    except Invalid as exc:
        return _hq_page(errors={"lag": _invalid(exc)}, status=400)
    return _hq_page()


@hq_bp.route("/branches/<code>")
@roles_required(*HQ_ROLES)
def branch(code):
    """One branch's ledger: every bundle applied from it, with the rows HQ rejected."""
    site = get_object_or_404(Site.branches(), Site.code == code)
    ledger = registry.ledger(site.code, limit=200)
    rejected = [(row, item) for row in ledger for item in (row.rejected or [])][:500]
    return render("sync/ledger.html", "sync/_ledger.html", branch=site, ledger=ledger,
                  rejected=rejected, state=registry.peer_state(site.code))
