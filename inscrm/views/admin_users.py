"""The administrator's staff page: add accounts, set names and roles, reset passwords, unlock
and deactivate. Each row is a self-contained widget; every action returns it again."""

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from inscrm import accounts
from inscrm.i18n import N_
from inscrm.models import ROLES, User, now
from inscrm.validators import Invalid
from inscrm.views import client_ip, get_object_or_404, is_htmx, render, roles_required

bp = Blueprint("accounts", __name__, url_prefix="/admin/users")


def _page(status=200, **context):
    context.setdefault("form", {})
    response = render("admin/users.html", "admin/_users.html", people=list(accounts.staff()),
                      roles=ROLES, moment=now(), lock_of=accounts.lock, **context)
    response.status_code = status
    return response


@bp.route("")
@roles_required("admin")
def index():
    """Every account of this office with its role and state, and the form to add one."""
    return _page()


@bp.post("")
@roles_required("admin")
def add():
    """Add an account."""
    form = request.form
    try:
        if form.get("password") != form.get("password2"):
            raise Invalid(N_("The two passwords differ."))
        user = accounts.add_user(form.get("username"), form.get("name"), form.get("role"),
                                 form.get("password"), g.user, client_ip())
    except Invalid as exc:
        return _page(400, add_error=_(exc.message, **exc.params),
                     form={k: form.get(k, "") for k in ("username", "name", "role")})
    flash(_("%(name)s was added.", name=user))
    return redirect(url_for("accounts.index"), 303)


def _person(user_id):
    return get_object_or_404(User.local(), User.id == user_id)


def _row(user, action, error=None):
    """Do `action`; the row again for htmx, the page (with the message) otherwise."""
    try:
        action()
    except Invalid as exc:
        error = _(exc.message, **exc.params)
    user = User.get_by_id(user.id)
    if is_htmx():
        response = render("admin/users.html", "admin/_user.html", person=user, roles=ROLES,
                          moment=now(), lock_of=accounts.lock, error=error,
                          saved=error is None)
        response.status_code = 400 if error else 200
        return response
    flash(error or _("Saved"), "error" if error else "message")
    return redirect(url_for("accounts.index"), 303)


@bp.post("/<int:user_id>")
@roles_required("admin")
def change(user_id):
    """Set an account's name and role."""
    user = _person(user_id)
    return _row(user, lambda: accounts.change(user, request.form.get("name"),
                                              request.form.get("role"), g.user, client_ip()))


@bp.post("/<int:user_id>/password")
@roles_required("admin")
def password(user_id):
    """Give an account a new password (it is unlocked too)."""
    user = _person(user_id)

    def reset():
        if request.form.get("password") != request.form.get("password2"):
            raise Invalid(N_("The two passwords differ."))
        accounts.reset_password(user, request.form.get("password"), g.user, client_ip())

    return _row(user, reset)


@bp.post("/<int:user_id>/unlock")
@roles_required("admin")
def unlock(user_id):
    """Lift the lock of too many failed logins."""
    user = _person(user_id)
    return _row(user, lambda: accounts.unlock(user, g.user, client_ip()))


@bp.post("/<int:user_id>/active")
@roles_required("admin")
def active(user_id):
    """Deactivate (active=0) or reactivate (active=1) an account."""
    user = _person(user_id)
    value = request.form.get("active") == "1"
    return _row(user, lambda: accounts.set_active(user, value, g.user, client_ip()))
