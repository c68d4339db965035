"""The start page: this site, the customers by segment, and after the first run the steps that
set an office up."""

from flask import Blueprint, g, render_template, url_for
from flask_babel import gettext as _
from peewee import fn

from inscrm.models import SEGMENTS, Customer, Township, User
from inscrm.views import login_required

bp = Blueprint("home", __name__)


def next_steps(user):
    """[(words, link, done)] of setting up a new office, for those who do it; [] once done."""
    if user.role not in ("admin", "manager"):
        return []
    steps = [
        (_("Import the core system's extract of customers and policies"),
         url_for("imports.index"), Customer.live().exists()),
        (_("Add the colleagues who will use InsCRM"),
         url_for("accounts.index") if user.role == "admin" else None,
         User.local().where(User.role != "admin").exists()),
        (_("Add the towns and give each to an account manager"),
         url_for("territories.index"), Township.live().where(Township.manager.is_null(False))
         .exists()),
    ]
    return [] if all(done for _words, _link, done in steps) else steps


@bp.route("/")
@login_required
def index():
    """Counts per segment of the customers the user may see."""
    rows = (
        Customer.visible_to(g.user)
        .select(Customer.segment, fn.COUNT(Customer.id).alias("n"))
        .group_by(Customer.segment)
        .tuples()
    )
    counts = dict(rows)
    return render_template(
        "home/index.html", counts=[(s, counts.get(s, 0)) for s in SEGMENTS],
        total=sum(counts.values()), steps=next_steps(g.user),
    )
