"""The manager's reports: the dashboard, the renewal list and the account managers' scorecards."""

import datetime as dt

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_babel import gettext as _

from inscrm import dashboard, kpi, renewals
from inscrm.models import AuditLog, Customer, User, db
from inscrm.validators import Invalid, check_period, parse_date
from inscrm.views import login_required, render, roles_required
from inscrm.views.charts import dashboard_charts, funnel_stages

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = ("manager", "analyst")


def _today():
    return dt.date.today()


def _period(default="year"):
    """(name, first, last) from ?period= or ?first=&last= (a bad date or order is a 400)."""
    today = _today()
    args = request.args
    if args.get("first") or args.get("last"):
        try:
            first = parse_date(args.get("first", ""))
            last = parse_date(args.get("last", ""))
            check_period(first, last)
        except Invalid:
            abort(400)
        return "custom", first, last
    name = args.get("period", default)
    if name not in kpi.PERIODS:
        abort(400)
    return (name, *kpi.period_bounds(name, today))


@bp.context_processor
def _words():
    return {"period_names": {
        "month": _("This month"), "last_month": _("Last month"), "quarter": _("This quarter"),
        "year": _("This year"), "12m": _("Last 12 months"), "custom": _("Chosen dates"),
    }}


@bp.route("/", endpoint="dashboard")
@roles_required(*READERS)
def dashboard_page():
    """Segments, flows, renewals, conversion, loss ratios and blacklist quota, charted."""
    name, first, last = _period()
    figures = dashboard.figures(first, last, _today())
    return render("reports/dashboard.html", "reports/_dashboard.html", period=name,
                  first=first, last=last, figures=figures, data=figures["data"],
                  charts=dashboard_charts(figures["data"]),
                  funnel_stages=funnel_stages(figures["data"]["funnel"]))


@bp.post("/refresh")
@roles_required(*READERS)
def refresh():
    """Recompute a report's figures now instead of this morning's."""
    report = request.args.get("report", "dashboard")
    if report not in ("dashboard", "scorecards"):
        abort(400)
    name, first, last = _period()
    with db.atomic():
        if report == "dashboard":
            dashboard.premium_at_risk(_today(), refresh=True)
            dashboard.figures(first, last, _today(), refresh=True)
        else:
            dashboard.scorecards(first, last, _today(), refresh=True)
        AuditLog.record("report_refreshed", g.user, report=report, first=str(first),
                        last=str(last))
    args = {"period": name} if name != "custom" else {"first": first, "last": last}
    return redirect(url_for(f"reports.{report}", **args))


@bp.route("/renewals", endpoint="renewals")
@login_required
def renewals_page():
    """Our policies expiring in a period, renewed or not; renewal rate and premium at risk."""
    name, first, last = _period(default="month")
    status = request.args.get("status", "")
    if status and status not in renewals.STATUSES:
        abort(400)
    scope = Customer.visible_to(g.user) if g.user.role == "agent" else None
    manager = request.args.get("manager", type=int) if g.user.role != "agent" else None
    query = renewals.expiring(first, last, scope, manager, status or None)
    after = None
    if request.args.get("after_id"):
        try:
            after = parse_date(request.args["after_end"]), int(request.args["after_id"])
        except (Invalid, KeyError, ValueError):
            abort(400)
    rows, has_more = renewals.page(query, after)
    filters = {k: v for k, v in request.args.items()
               if k in ("period", "first", "last", "status", "manager")}
    context = {"rows": rows, "has_more": has_more, "filters": filters, "period": name,
               "first": first, "last": last, "status": status, "manager": manager}
    if after is not None:
        return render("reports/renewals.html", "reports/_renewal_rows.html", **context)
    context.update(
        summary=renewals.summary(first, last, _today(), scope, manager),
        at_risk=(dashboard.premium_at_risk(_today())["data"]
                 if scope is None and manager is None else None),
        managers=list(User.staff("agent", "manager")) if scope is None else [],
    )
    return render("reports/renewals.html", "reports/_renewals.html", **context)


@bp.route("/scorecards")
@roles_required(*READERS)
def scorecards():
    """Per account manager and period: what they won and what they kept."""
    name, first, last = _period(default="quarter")
    figures = dashboard.scorecards(first, last, _today())
    people = {u.id: u for u in User.select().where(
        User.id.in_([card["user_id"] for card in figures["data"]]))}
    cards = [{**card, "user": people.get(card["user_id"])} for card in figures["data"]]
    return render("reports/scorecards.html", "reports/_scorecards.html", cards=cards,
                  figures=figures, period=name, first=first, last=last)
