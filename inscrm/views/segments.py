"""Rule settings, the blacklist workflow, key designation and the migration-matrix report."""

import datetime as dt

from flask import Blueprint, g, request
from flask_babel import gettext as _

from inscrm.blacklist import workflow
from inscrm.i18n import N_
from inscrm.models import (
    BLACKLIST_REASONS,
    KEY_DESIGNATIONS,
    SEGMENTS,
    BlacklistEntry,
    Customer,
)
from inscrm.segments import engine, rules
from inscrm.segments import flows as segment_flows
from inscrm.validators import Invalid, parse_date
from inscrm.views import client_ip, get_customer, get_object_or_404, render, roles_required

bp = Blueprint("segments", __name__)

RULE_LABELS = {
    "key_annual_premium": N_("Key: annual premium at least (¥)"),
    "key_tender_premium": N_("Key: single tender policy premium at least (¥)"),
    "key_channel_premium": N_("Key: intermediary channel premium at least (¥)"),
    "quality_claim_free_years": N_("Quality: claim-free years at least"),
    "quality_tenure_years": N_("Quality: years insured at least"),
    "quality_max_loss_ratio": N_("Quality: cumulative loss ratio at most, in percent"),
    "blacklist_claims_12m": N_("Blacklist: claims in 12 months at least"),
    "blacklist_loss_ratio_12m": N_("Blacklist: 12-month loss ratio over, in percent"),
    "coverage_gap_days": N_("Continuous cover: days between policies at most"),
    "prospect_intent_days": N_("Prospect: an intent counts for days"),
    "blacklist_quota": N_("Blacklist quota per unit and year"),
}


def _show(fragment, title, status=200, **context):
    """The fragment for htmx, else the shared page that includes it."""
    response = render("segments/page.html", fragment, body=fragment, title=title,
                      **context)
    response.status_code = status
    return response


def rule_error(exc):
    """The refusal in the UI language (a rule's key named by its label)."""
    params = dict(exc.params)
    label = RULE_LABELS.get(params.get("field"))
    if label:
        params["field"] = _(label)
    return _(exc.message, **params)


def rule_fields(values):
    """(key, label, shown value, default) with ratios shown in percent."""
    def shown(key, value):
        if key in rules.RATIOS:
            return f"{float(value) * 100:g}"
        return str(value)

    return [(key, RULE_LABELS[key], shown(key, values[key]), shown(key, rules.DEFAULTS[key]))
            for key in rules.SEGMENT_RULES]


@bp.route("/settings/rules", methods=["GET", "POST"])
@roles_required("analyst")
def rule_settings():
    """Every threshold of the segment rules; an administrator saves a new version."""
    error, status = None, 200
    if request.method == "POST":
        if g.user.role != "admin":
            return _show("segments/_rules.html", _("Rule settings"), 403,
                         error=_("Only an administrator may change the rules."),
                         **_rules_context(request.form))
        try:
            changes = rules.parse(request.form)
            engine.change_rules(changes, g.user, (request.form.get("note") or "").strip())
        except Invalid as exc:
            error, status = rule_error(exc), 400
    return _show("segments/_rules.html", _("Rule settings"), status, error=error,
                 saved=request.method == "POST" and error is None,
                 **_rules_context(request.form if error else None))


def _rules_context(form=None):
    values = rules.current()
    fields = rule_fields(values)
    if form is not None:
        fields = [(k, label, form.get(k, shown), default) for k, label, shown, default in fields]
    versions = rules.versions().limit(20)
    return {"fields": fields, "versions": versions, "last_run": engine.last_full_run(),
            "from_hq": rules.from_hq()}


def _dates():
    """The report's two dates from the query string (default: a year ago and today)."""
    today = dt.date.today()
    first = request.args.get("first") or (today - dt.timedelta(days=365)).isoformat()
    second = request.args.get("second") or today.isoformat()
    return parse_date(first), parse_date(second)


@bp.route("/segments/flows")
@roles_required("manager", "analyst")
def flows():
    """The migration matrix between two dates, with the named flows."""
    try:
        first, second = _dates()
    except Invalid as exc:
        today = dt.date.today()
        return _show("segments/_flows.html", _("Segment flows"), 400, error=rule_error(exc),
                     first=today, second=today, cells={}, totals=[],
                     rows=segment_flows.ROWS, columns=SEGMENTS)
    cells = segment_flows.matrix(first, second)
    return _show("segments/_flows.html", _("Segment flows"), first=min(first, second),
                 second=max(first, second), cells=cells, totals=segment_flows.flows(cells),
                 rows=segment_flows.ROWS, columns=SEGMENTS, error=None)


@bp.route("/blacklist/")
@roles_required("claims", "manager", "analyst")
def blacklist_list():
    """Blacklist entries (active, or all with ?all=1)."""
    show_all = request.args.get("all") == "1"
    rows = workflow.entries(active_only=not show_all).limit(500)
    return _show("segments/_blacklist.html", _("Blacklist"), entries=rows, show_all=show_all)


@bp.route("/blacklist/quota")
@roles_required("claims", "manager", "analyst")
def quota():
    """Entries reported per unit in a year against the quota."""
    try:
        year = int(request.args.get("year") or dt.date.today().year)
    except ValueError:
        year = dt.date.today().year
    return _show("segments/_quota.html", _("Blacklist quota"), rows=workflow.quota(year),
                 year=year)


def _customer_from_request():
    """The customer named by ?customer= or the form field: its id or its ID number."""
    value = (request.values.get("customer") or "").strip()
    if not value:
        return None
    if value.isdigit() and len(value) < 12:
        return get_customer(int(value), check_access=False)
    return Customer.live().where(Customer.id_number == value.upper()).first()


@bp.route("/blacklist/report", methods=["GET", "POST"])
@roles_required("claims", "manager")
def report():
    """Claims staff report a customer for the blacklist."""
    customer, error, status = _customer_from_request(), None, 200
    form = request.form
    if request.method == "POST":
        try:
            if customer is None:
                raise Invalid(N_("No such customer."))
            workflow.report(customer, form.get("reason"), form.get("unit"),
                             form.get("evidence"), g.user, client_ip())
        except Invalid as exc:
            error, status = rule_error(exc), 400
        else:
            return _show("segments/_reported.html", _("Report for the blacklist"),
                         customer=Customer.get_by_id(customer.id))
    unit = form.get("unit") or (g.user.branch.name if g.user.branch else "")
    return _show("segments/_report_form.html", _("Report for the blacklist"), status,
                 customer=customer, reasons=BLACKLIST_REASONS, error=error, form=form,
                 unit=unit)


def _on_post(action):
    """Run the domain action on a POST: (error message or None, HTTP status, done)."""
    if request.method != "POST":
        return None, 200, False
    try:
        action()
    except Invalid as exc:
        return rule_error(exc), 400, False
    return None, 200, True


@bp.route("/blacklist/<int:entry_id>/lift", methods=["GET", "POST"])
@roles_required("manager")
def lift(entry_id):
    """A manager lifts a blacklist entry, with a reason."""
    entry = get_object_or_404(BlacklistEntry.live(), BlacklistEntry.id == entry_id)
    error, status, done = _on_post(
        lambda: workflow.lift(entry, request.form.get("reason"), g.user, client_ip()))
    return _show("segments/_lift_form.html", _("Lift a blacklist entry"), status, entry=entry,
                 error=error, done=done)


@bp.route("/segments/customer/<int:customer_id>/exempt", methods=["GET", "POST"])
@roles_required("manager")
def exempt(customer_id):
    """Exempt a customer from the automatic claims rule until a date."""
    customer = get_customer(customer_id, check_access=False)

    def save():
        text = (request.form.get("until") or "").strip()
        until = parse_date(text) if text else None
        workflow.exempt(customer, until, request.form.get("reason"), g.user, client_ip())

    error, status, done = _on_post(save)
    return _show("segments/_exempt_form.html", _("Exemption from the claims rule"), status,
                 customer=Customer.get_by_id(customer.id), error=error, done=done)


@bp.route("/segments/customer/<int:customer_id>/key", methods=["GET", "POST"])
@roles_required("manager")
def key(customer_id):
    """Designate a key customer by hand (or remove the designation)."""
    customer = get_customer(customer_id, check_access=False)
    error, status, done = _on_post(lambda: workflow.designate_key(
        customer, request.form.get("designation"), request.form.get("reason"), g.user,
        client_ip()))
    return _show("segments/_key_form.html", _("Key customer designation"), status,
                 customer=Customer.get_by_id(customer.id), designations=KEY_DESIGNATIONS,
                 error=error, done=done)
