"""Territories: who holds which town, and the floating pool per town and source to canvass."""

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from inscrm.models import SOURCES, Township, User
from inscrm.validators import Invalid
from inscrm.views import get_object_or_404, is_htmx, render, roles_required
from inscrm.work import territories

bp = Blueprint("territories", __name__, url_prefix="/territories")


def _agents():
    return User.staff_by_name("agent", "manager")


@bp.route("/")
@roles_required("manager", "analyst")
def index():
    """The towns with their account managers and customers."""
    return render("territories/index.html", "territories/_towns.html",
                  towns=territories.summary(), agents=_agents())


def _manager_from_form():
    value = request.form.get("manager", "")
    if not value:
        return None
    if not value.isdigit():
        abort(400)
    return get_object_or_404(User.staff("agent", "manager"), User.id == int(value))


def _town_row(town, error=None):
    """The town's row again for htmx (with the message); the page otherwise."""
    if not is_htmx():
        flash(error or _("Saved"), "error" if error else "message")
        return redirect(url_for("territories.index"))
    row = next(t for t in territories.summary() if t.id == town.id)
    response = render("territories/index.html", "territories/_town.html", town=row,
                      agents=_agents(), saved=error is None, error=error)
    response.status_code = 400 if error else 200
    return response


@bp.post("/")
@roles_required("manager")
def add():
    """Add a town to the territory, optionally with its account manager."""
    form = request.form
    try:
        town = territories.add_township(form.get("district"), form.get("name"),
                                        _manager_from_form(), g.user)
    except Invalid as exc:
        response = render("territories/index.html", "territories/_towns.html",
                          towns=territories.summary(), agents=_agents(),
                          add_error=_(exc.message, **exc.params), form=form)
        response.status_code = 400
        return response
    flash(_("%(town)s was added.", town=town))
    return redirect(url_for("territories.index"), 303)


@bp.post("/<int:town_id>/name")
@roles_required("manager")
def rename(town_id):
    """Correct a town's district and name."""
    town = get_object_or_404(Township.live(), Township.id == town_id)
    try:
        territories.rename_township(town, request.form.get("district"),
                                    request.form.get("name"), g.user)
    except Invalid as exc:
        return _town_row(town, _(exc.message, **exc.params))
    return _town_row(town)


@bp.post("/<int:town_id>/manager")
@roles_required("manager")
def assign(town_id):
    """Give a town to an account manager (empty: to nobody)."""
    town = get_object_or_404(Township.live(), Township.id == town_id)
    territories.assign(town, _manager_from_form(), g.user)
    return _town_row(town)


@bp.route("/pool")
@roles_required("manager", "analyst")
def pool():
    """Unassigned floating customers per town and source."""
    towns, sources, counts = territories.floating_pool()
    return render("territories/pool.html", "territories/pool.html", towns=towns,
                  sources=sources, counts=counts)


@bp.route("/pool/list")
@roles_required("manager", "analyst")
def pool_list():
    """A printable canvass list: one town's unassigned floating customers from one source."""
    source = request.args.get("source", "")
    town_arg = request.args.get("town", "")
    if not town_arg.isdigit() and town_arg != "none":
        abort(400)
    town = None if town_arg == "none" else get_object_or_404(Township.live(),
                                                             Township.id == int(town_arg))
    if not source or len(source) > 32:
        abort(400)
    rows = territories.pool_list(town.id if town else None, source)
    return render("territories/pool_list.html", "territories/pool_list.html", rows=rows,
                  town=town, source=source, known_source=source in SOURCES,
                  limit=territories.POOL_LIST_LIMIT)
