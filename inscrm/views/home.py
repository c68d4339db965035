"""The start page: this site, the customers by segment."""

from flask import Blueprint, render_template
from peewee import fn

from inscrm.models import SEGMENTS, Customer
from inscrm.views import login_required

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    """Counts per segment of the customers the user may see."""
    from flask import g

    rows = (
        Customer.visible_to(g.user)
        .select(Customer.segment, fn.COUNT(Customer.id).alias("n"))
        .group_by(Customer.segment)
        .tuples()
    )
    counts = dict(rows)
    return render_template(
        "home/index.html", counts=[(s, counts.get(s, 0)) for s in SEGMENTS],
        total=sum(counts.values()),
    )
