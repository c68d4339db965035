"""Territories: who holds which town, and the floating pool per town and source to canvass."""

from flask import Blueprint, abort, g, redirect, request, url_for

from inscrm import territories
from inscrm.models import SOURCES, Township, User
from inscrm.views import get_object_or_404, is_htmx, render, roles_required

bp = Blueprint("territories", __name__, url_prefix="/territories")


def _agents():
    return list(User.staff("agent", "manager"))


@bp.route("/")
@roles_required("manager", "analyst")
def index():
    """The towns with their account managers and customers."""
    return render("territories/index.html", "territories/_towns.html",
                  towns=territories.summary(), agents=_agents())


@bp.post("/<int:town_id>/manager")
@roles_required("manager")
def assign(town_id):
    """Give a town to an account manager (empty: to nobody)."""
    town = get_object_or_404(Township.live(), Township.id == town_id)
    value = request.form.get("manager", "")
    manager = None
    if value:
        if not value.isdigit():
            abort(400)
        manager = get_object_or_404(User.staff("agent", "manager"), User.id == int(value))
    territories.assign(town, manager, g.user)
    if not is_htmx():
        return redirect(url_for("territories.index"))
    row = next(t for t in territories.summary() if t.id == town.id)
    return render("territories/index.html", "territories/_town.html", town=row,
                  agents=_agents(), saved=True)


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
