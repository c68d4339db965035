"""The start page: the day's work (my overdue and today's tasks, renewals ahead, the customers
opened last, the search box, the last sync), the customers by segment, and after the first run
the steps that set an office up."""

import datetime as dt

from flask import Blueprint, g, render_template, session, url_for
from flask_babel import gettext as _
from peewee import fn

from inscrm.customers import recent
from inscrm.models import SEGMENTS, Customer, Site, Task, Township, User
from inscrm.reports import kpi
from inscrm.sync import registry
from inscrm.views import login_required
from inscrm.work import renewals, worklist

bp = Blueprint("home", __name__)

SHOWN = 10  # rows of each list; the list's own page has the rest


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


def my_day(user, today):
    """{overdue, today: (first tasks, how many)} of the user's open tasks, and the renewals
    not yet renewed that end in the next 30 days among the customers the user looks after."""
    mine = worklist.open_tasks(assignee=user)
    day = {}
    for name in ("overdue", "today"):
        first, last = worklist.section_bounds(name, today)
        query = mine.where(Task.due_date <= last)
        if first is not None:
            query = query.where(Task.due_date >= first)
        day[name] = (list(query.limit(SHOWN)), query.count())
    first, last = kpi.period_bounds("next30", today)
    scope = Customer.visible_to(user) if user.role == "agent" else None
    due = renewals.expiring(first, last, scope, status="open", today=today)
    day["renewals"] = (list(due.limit(SHOWN)),
                       renewals.summary(first, last, today, scope, status="open"))
    return day


def by_segment(user):
    """(segment, how many) of the customers `user` may see."""
    return (Customer.visible_to(user).select(Customer.segment, fn.COUNT(Customer.id))
            .group_by(Customer.segment))


def last_synced():
    """When this branch last exchanged a bundle with HQ (None: not joined to an HQ)."""
    hq = Site.headquarters()
    if hq is None or hq.is_self:
        return None
    state = registry.peer_state(hq.code)
    times = [t for t in (state.last_import_at, state.last_export_at) if t] if state else []
    return {"at": max(times) if times else None, "hq": hq}


@bp.route("/")
@login_required
def index():
    """The day's work of the user, then the counts per segment of the customers they may see."""
    counts = dict(by_segment(g.user).tuples())
    today = dt.date.today()
    return render_template(
        "home/index.html", counts=[(s, counts.get(s, 0)) for s in SEGMENTS],
        total=sum(counts.values()), steps=next_steps(g.user), day=my_day(g.user, today),
        today=today, recent=recent.customers(session, g.user), synced=last_synced(),
    )
