"""The manager's reports: the dashboard, the renewal list and the account managers' scorecards."""

import datetime as dt

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_babel import gettext as _

from inscrm.db.transactions import writing
from inscrm.models import AuditLog, Customer, User, db
from inscrm.reports import dashboard, kpi, readable
from inscrm.validators import Invalid, check_period, parse_date
from inscrm.views import client_ip, login_required, render, roles_required
from inscrm.views.charts import dashboard_charts, funnel_stages
from inscrm.views.exports import download
from inscrm.work import renewals

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = ("manager", "analyst")


def _today():
    return dt.date.today()


def _period(default="year", names=kpi.PERIODS):
    """(name, first, last) from ?period= (one of `names`), else ?first=&last= (a bad date or
    order is a 400), else the default period. A chosen period wins over the dates the form
    carries from a custom one."""
    today = _today()
    args = request.args
    if not args.get("period") and (args.get("first") or args.get("last")):
        try:
            first = parse_date(args.get("first", ""))
            last = parse_date(args.get("last", ""))
            check_period(first, last)
        except Invalid:
            abort(400)
        return "custom", first, last
    name = args.get("period") or default
    if name not in names:
        abort(400)
    return (name, *kpi.period_bounds(name, today))


@bp.app_context_processor
def _words():
    return {"period_names": {
        "month": _("This month"), "last_month": _("Last month"), "quarter": _("This quarter"),
        "year": _("This year"), "12m": _("Last 12 months"), "custom": _("Chosen dates"),
        "next30": _("Next 30 days"), "next60": _("Next 60 days"), "next90": _("Next 90 days"),
        "next_month": _("Next month"),
    }}


@bp.route("/", endpoint="dashboard")
@roles_required(*READERS)
def dashboard_page():
    """Segments, flows, renewals, conversion, loss ratios and blacklist quota, charted."""
    name, first, last = _period()
    figures = dashboard.figures(first, last, _today())
    days = figures["data"]["at_risk"]["days"]
    at_risk_url = url_for("reports.renewals", first=_today(), status="at_risk",
                          last=_today() + dt.timedelta(days=days))
    return render("reports/dashboard.html", "reports/_dashboard.html", period=name,
                  first=first, last=last, figures=figures, data=figures["data"],
                  at_risk_url=at_risk_url,
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


RENEWAL_PERIODS = kpi.AHEAD + kpi.PERIODS


def _renewal_filters():
    """(period name, first, last, status, scope, manager id) of the renewal list's query."""
    name, first, last = _period(default="next30", names=RENEWAL_PERIODS)
    status = request.args.get("status", "")
    if status and status not in renewals.STATUSES:
        abort(400)
    scope = Customer.visible_to(g.user) if g.user.role == "agent" else None
    manager = request.args.get("manager", type=int) if g.user.role != "agent" else None
    return name, first, last, status or None, scope, manager


@bp.route("/renewals", endpoint="renewals")
@login_required
def renewals_page():
    """Our policies expiring in a period, renewed or not; renewal rate and premium at risk."""
    name, first, last, status, scope, manager = _renewal_filters()
    today = _today()
    query = renewals.expiring(first, last, scope, manager, status, today)
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
               "first": first, "last": last, "status": status or "", "manager": manager,
               "renewal_periods": RENEWAL_PERIODS}
    if after is not None:
        return render("reports/renewals.html", "reports/_renewal_rows.html", **context)
    risk = renewals.at_risk(today, scope, manager)
    context.update(
        summary=renewals.summary(first, last, today, scope, manager, status),
        at_risk=risk,
        risk_args={"first": risk["first"], "last": risk["last"], "status": "at_risk",
                   **({"manager": manager} if manager else {})},
        managers=User.staff_by_name("agent", "manager") if scope is None else [],
    )
    return render("reports/renewals.html", "reports/_renewals.html", **context)


@bp.post("/renewals.<any(csv, xlsx):fmt>")
@login_required
def renewals_export(fmt):
    """The renewal list as filtered on the page, as a file staff read (audited)."""
    name, first, last, status, scope, manager = _renewal_filters()

    def write(spool):
        query = renewals.expiring(first, last, scope, manager, status, _today())
        count = readable.write(spool, fmt, renewals.COLUMNS, renewals.export_rows(query), _)
        with writing():
            AuditLog.record("export", g.user, target="export:renewal_list", ip=client_ip(),
                            rows=count, format=fmt, period=[str(first), str(last)],
                            status=status, manager=manager)

    return download(fmt, f"{_('Renewals')}-{first:%Y%m%d}-{last:%Y%m%d}.{fmt}", write)


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
