"""Login, logout, first-run setup and the language switch."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from inscrm import sessions, users
from inscrm.db.transactions import writing
from inscrm.i18n import LANGUAGES
from inscrm.models import AuditLog
from inscrm.sites import initialise, is_initialised
from inscrm.validators import Invalid
from inscrm.views import client_ip, login_required

bp = Blueprint("auth", __name__)


def _safe_next(target):
    """Only same-site paths, never an absolute URL (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


def _log_in(user):
    config = current_app.config
    session.clear()
    session["sid"] = sessions.start(user, config["SESSION_IDLE_TIMEOUT"],
                                    config["SESSION_MAX_AGE"], client_ip())
    session.permanent = True


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """First run: name this site and create the first administrator."""
    if is_initialised():
        return redirect(url_for("home.index"))
    form = request.form
    error = None
    if request.method == "POST":
        if form.get("password") != form.get("password2"):
            error = _("The two passwords differ.")
        else:
            try:
                _site, admin = initialise(
                    form.get("site_code"), form.get("site_name"), form.get("username"),
                    form.get("password"), is_hq=form.get("is_hq") == "1",
                )
            except Invalid as exc:
                error = _(exc.message, **exc.params)
            else:
                _log_in(admin)
                return redirect(url_for("home.index"))
    return render_template("auth/setup.html", form=form, error=error), 400 if error else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with user name and password."""
    error = None
    if request.method == "POST":
        try:
            user = users.authenticate(request.form.get("username"), request.form.get("password"),
                                     client_ip())
        except users.LoginThrottled as exc:
            page = render_template("auth/login.html", error=_(exc.message, **exc.params))
            return page, 429, {"Retry-After": str(exc.seconds)}
        except users.LoginRefused as exc:
            error = _(exc.message, **exc.params)
        else:
            _log_in(user)
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("auth/login.html", error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (a POST, so no other site can sign a user out)."""
    if g.get("user") is not None:
        users.log_out(g.user, session.get("sid"), client_ip())
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    """Switch the UI language; kept on the user, or in the session before login."""
    lang = request.form.get("lang")
    if lang not in LANGUAGES:
        abort(400)
    session["lang"] = lang
    if g.get("user") is not None:
        g.user.language = lang
        with writing():
            g.user.save()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    error = message = None
    if request.method == "POST":
        from werkzeug.security import check_password_hash

        if not check_password_hash(g.user.password_hash, request.form.get("current", "")):
            error = _("The current password is wrong.")
        elif request.form.get("password") != request.form.get("password2"):
            error = _("The two passwords differ.")
        else:
            try:
                with writing():
                    users.set_password(g.user, request.form.get("password"),
                                       keep_session=session.get("sid"))
                    AuditLog.record("password_changed", g.user, ip=client_ip())
            except Invalid as exc:
                error = _(exc.message, **exc.params)
            else:
                message = _("Password changed.")
    status = 400 if error else 200
    return render_template("auth/password.html", error=error, message=message), status
