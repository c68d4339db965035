"""Headquarters: the network overview, customers and persons across branches, the branches
compared, rule drafts with their simulation, the network blacklist and the exports.

HQ mode is decided once, when the app is made (`register`): at HQ this blueprint and HQ's
navigation are registered, the branch pages with an HQ counterpart lead there, and the pages
that only a branch works in (My work, visits, records, imports…) are not served, so nothing at
HQ writes a branch's rows.
"""

import datetime as dt
import tempfile

from flask import Blueprint, abort, g, redirect, request, send_file, url_for
from flask_babel import force_locale, gettext

from inscrm import users
from inscrm.customers import search
from inscrm.db.transactions import writing
from inscrm.hq import blacklist as network_blacklist
from inscrm.hq import comparison, exports, flags, persons, simulation
from inscrm.hq import overview as network
from inscrm.models import (
    CUSTOMER_KINDS,
    SEGMENTS,
    SOURCES,
    AuditLog,
    BlacklistEntry,
    Customer,
    RuleDraft,
    Site,
)
from inscrm.reports import kpi
from inscrm.segments import rules
from inscrm.validators import Invalid
from inscrm.views import client_ip, get_object_or_404, is_htmx, render, roles_required
from inscrm.views.hq_charts import branch_charts, comparison_charts
from inscrm.views.segments import RULE_LABELS, rule_error, rule_fields

bp = Blueprint("hq", __name__, url_prefix="/hq")
READERS = ("analyst",)  # and the administrator, who may do everything

# At HQ: the areas served whole, the single branch pages that read the network as it is, and
# the branch pages that have an HQ counterpart; every other page is a branch's only.
HQ_AREAS = ("auth", "system", "hq", "sync", "static")
HQ_PAGES = ("segments.flows", "segments.quota", "reports.dashboard", "reports.refresh",
            "exports.migration", "service.settings")
AT_HQ = {"home.index": "hq.overview", "customers.index": "hq.customers",
         "customers.show": "hq.customer", "segments.blacklist_list": "hq.blacklist",
         "segments.rule_settings": "hq.rules_page"}


def register(app):
    """Choose the mode once: HQ's blueprint, navigation and pages at HQ, a branch's elsewhere.
    Either way a page may ask for a person's network flag (`network_flag(id_number)`)."""
    app.jinja_env.globals["network_flag"] = persons.flag_of
    site = Site.current()
    if site is None or not site.is_hq:
        app.jinja_env.globals["nav"] = "_nav.html"
        return
    app.jinja_env.globals["nav"] = "hq/_nav.html"
    app.register_blueprint(bp)
    app.before_request(_hq_pages_only)


def _hq_pages_only():
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no such page: the 404 follows
    if endpoint in AT_HQ:
        return redirect(url_for(AT_HQ[endpoint], **(request.view_args or {}),
                                **request.args.to_dict()))
    if endpoint.split(".")[0] in HQ_AREAS or endpoint in HQ_PAGES:
        return None
    abort(404)


def _branches():
    return list(Site.branches())


# --- the network ----------------------------------------------------------------------------


@bp.route("/")
@roles_required(*READERS)
def overview():
    """Every branch's customers by segment, premium, network flags and sync, and the totals."""
    figures = network.overview()
    return render("hq/page.html", "hq/_overview.html", body="hq/_overview.html",
                  title=gettext("Network overview"), figures=figures, segments=SEGMENTS)


@bp.route("/customers")
@roles_required(*READERS)
def customers():
    """The customers of every branch: the branch's one-box search with a branch filter."""
    query = search.Query.from_args(request.args)
    cursor = search.decode_cursor(request.args.get("after"))
    page = search.search(g.user, query, cursor=cursor)
    fragment = "customers/_rows.html" if cursor else "hq/_customers.html"
    return render("hq/customers.html", fragment, query=query, results=page,
                  branches=_branches(), sites=persons.sites(), segments=SEGMENTS,
                  sources=SOURCES, kinds=CUSTOMER_KINDS)


@bp.route("/customers/<int:customer_id>")
@roles_required(*READERS)
def customer(customer_id):
    """A customer's 360 page at HQ: read-only, saying which branch owns it."""
    row = get_object_or_404(Customer.live(), Customer.id == customer_id)
    found, others = persons.record(row)
    return render("hq/customer.html", "hq/_customer.html", customer=row, person=found,
                  record=found.records[0], others=others,
                  can_see_full_id=users.can_see_full_id(g.user))


@bp.route("/customers/<int:customer_id>/id-number", methods=["POST"])
@roles_required(*READERS)
def full_id(customer_id):
    """The full ID number, for the roles allowed, written to the audit log."""
    row = get_object_or_404(Customer.live(), Customer.id == customer_id)
    if not users.can_see_full_id(g.user):
        abort(403)
    with writing():
        AuditLog.record("view_full_id", g.user, target=f"customer:{row.uid}", ip=client_ip())
    return render("customers/page.html", "customers/_id_number.html",
                  body="customers/_id_number.html", customer=row, full=True,
                  can_see_full_id=True, full_id_endpoint="hq.full_id")


# --- persons ----------------------------------------------------------------------------------


@bp.route("/persons")
@roles_required(*READERS)
def persons_page():
    """People at more than one branch (by ID number), and a box to find one person."""
    text = (request.args.get("q") or "").strip()
    found, hint = persons.find(g.user, text) if text else ([], None)
    if len(found) == 1:
        return redirect(url_for("hq.person", customer_id=found[0].id))
    rows, cursor = persons.across_branches(after=request.args.get("after", ""))
    return render("hq/persons.html", "hq/_persons.html", rows=rows, cursor=cursor,
                  found=found, hint=hint, text=text, after=request.args.get("after"))


@bp.route("/persons/<int:customer_id>")
@roles_required(*READERS)
def person(customer_id):
    """One person across branches: every branch's record, grouped by ID number, never merged."""
    row = get_object_or_404(Customer.live(), Customer.id == customer_id)
    found = persons.person(row.id_number) if row.id_number else None
    if found is None:
        return redirect(url_for("hq.customer", customer_id=row.id))
    return render("hq/person.html", "hq/_person.html", person=found,
                  can_see_full_id=users.can_see_full_id(g.user))


@bp.route("/flags")
@roles_required(*READERS)
def network_flags():
    """The persons flagged across the network (key or blacklist), with their reasons."""
    segment = request.args.get("segment") if request.args.get("segment") in flags.FLAGGED else None
    return render("hq/page.html", "hq/_flags.html", body="hq/_flags.html",
                  title=gettext("Network flags"), subnav="hq/_subnav_persons.html",
                  people=flags.flagged(segment),
                  segment=segment, last_run=flags.last_run(), sites=persons.sites())


# --- the branches compared ------------------------------------------------------------------


def _period():
    """(name, first, last) of ?period= (the dashboard's named periods; a year by default)."""
    name = request.args.get("period", "year")
    if name not in kpi.PERIODS:
        abort(400)
    return (name, *kpi.period_bounds(name, dt.date.today()))


@bp.route("/branches")
@roles_required(*READERS)
def branches():
    """Every branch side by side: segments, premium, rates, loss ratios, quota and flows."""
    name, first, last = _period()
    kept = comparison.figures(first, last)
    data = kept["data"]
    return render("hq/branches.html", "hq/_branches.html", period=name, data=data,
                  computed_at=kept["computed_at"], charts=comparison_charts(data),
                  segments=SEGMENTS, flows=comparison.NAMED_FLOWS, periods=kpi.PERIODS)


@bp.route("/branches/<code>")
@roles_required(*READERS)
def branch(code):
    """One branch's figures of the comparison in full (the drill-down)."""
    name, first, last = _period()
    kept = comparison.figures(first, last)
    found = comparison.branch(kept["data"], code)
    if found is None:
        abort(404)
    return render("hq/branch.html", "hq/_branch.html", period=name, data=kept["data"],
                  branch=found, computed_at=kept["computed_at"], charts=branch_charts(found),
                  segments=SEGMENTS, flows=comparison.NAMED_FLOWS, periods=kpi.PERIODS)


# --- downloads ----------------------------------------------------------------------------------

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.post("/exports/<any(customers, comparison, hits):what>.<fmt>")
@roles_required(*READERS)
def download(what, fmt):
    """A consolidated export with Chinese headers, audited; ID numbers masked unless the role
    may see them."""
    if fmt not in MIMETYPES:
        abort(404)
    options = {}
    if what == "customers":
        options["query"] = search.Query.from_args(request.args)
    elif what == "comparison":
        _name, first, last = _period()
        options["comparison"] = comparison.figures(first, last)["data"]
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it)
    try:
        with force_locale("zh"):
            exports.export(what, spool, fmt, user=g.user, translate=gettext, ip=client_ip(),
                           full_ids=users.can_see_full_id(g.user), **options)
    except Invalid:
        spool.close()
        abort(400)
    spool.seek(0)
    return send_file(spool, mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=f"inscrm-hq-{what}-{dt.date.today():%Y%m%d}.{fmt}")


# --- rules: drafted, simulated, published ----------------------------------------------------


def _rules_page(status=200, error=None, form=None):
    fields = rule_fields(rules.current())
    if form is not None:
        fields = [(k, label, form.get(k, shown), default) for k, label, shown, default in fields]
    response = render("hq/rules.html", "hq/_rules.html", fields=fields, error=error,
                      versions=rules.versions().limit(20), drafts=simulation.drafts(),
                      note=(form or {}).get("note", ""))
    response.status_code = status
    return response


@bp.route("/rules")
@roles_required(*READERS)
def rules_page():
    """The thresholds in force, their versions, and the drafts with their simulations."""
    return _rules_page()


@bp.post("/rules/drafts")
@roles_required(*READERS)
def new_draft():
    """Draft new thresholds and simulate them on the consolidated data."""
    try:
        row = simulation.draft(request.form, g.user, request.form.get("note"))
    except Invalid as exc:
        return _rules_page(400, rule_error(exc), request.form)
    simulation.start(row)
    return _to_draft(row)


def _to_draft(row):
    url = url_for("hq.draft", draft_id=row.id)
    response = redirect(url, 303)
    response.headers["HX-Redirect"] = url
    return response


def _draft_page(row, status=200, error=None):
    found = row.result
    response = render("hq/draft.html", "hq/_draft.html", draft=row, result=found,
                      matrix=simulation.matrix, segments=SEGMENTS, labels=RULE_LABELS,
                      current=rules.current(), is_current=simulation.is_current(row),
                      error=error)
    response.status_code = status
    return response


@bp.route("/rules/drafts/<int:draft_id>")
@roles_required(*READERS)
def draft(draft_id):
    """A draft's changes and what they would do: per branch, who moves where."""
    return _draft_page(get_object_or_404(RuleDraft.select(), RuleDraft.id == draft_id))


@bp.post("/rules/drafts/<int:draft_id>/<any(simulate, publish, discard):action>")
@roles_required(*READERS)
def decide_draft(draft_id, action):
    """Simulate a draft again, publish it (an administrator) or discard it."""
    row = get_object_or_404(RuleDraft.select(), RuleDraft.id == draft_id)
    if action == "publish" and g.user.role != "admin":
        return _draft_page(row, 403, gettext("Only an administrator may change the rules."))
    try:
        if action == "simulate":
            simulation.start(row)
        elif action == "publish":
            simulation.publish(row, g.user, client_ip())
        else:
            simulation.discard(row, g.user, client_ip())
    except Invalid as exc:
        return _draft_page(row, 400, gettext(exc.message, **exc.params))
    return _to_draft(row)


# --- the network blacklist --------------------------------------------------------------------


def _blacklist_page(status=200, error=None):
    code = search.Query.from_args(request.args).origin
    show_all = request.args.get("all") == "1"
    response = render("hq/page.html", "hq/_blacklist.html", body="hq/_blacklist.html",
                      title=gettext("Network blacklist"), subnav="hq/_subnav_blacklist.html",
                      error=error,
                      rows=network_blacklist.entries(site=code or None, active=not show_all),
                      branch=code, show_all=show_all, branches=_branches(),
                      sites=persons.sites())
    response.status_code = status
    return response


@bp.route("/blacklist")
@roles_required(*READERS)
def blacklist():
    """Every branch's active entries (or all), with HQ's sharing decision on each."""
    return _blacklist_page()


@bp.post("/blacklist/<int:entry_id>/share")
@roles_required(*READERS)
def share(entry_id):
    """(Administrator) Share an entry with the other branches, or withhold it with a note."""
    entry = get_object_or_404(BlacklistEntry.live(), BlacklistEntry.id == entry_id)
    if g.user.role != "admin":
        abort(403)
    try:
        network_blacklist.decide_share(entry, request.form.get("shared") == "1",
                                       request.form.get("note"), g.user, client_ip())
    except Invalid as exc:
        return _blacklist_page(400, gettext(exc.message, **exc.params))
    if is_htmx():
        return _blacklist_page()
    return redirect(url_for("hq.blacklist", **request.args.to_dict()), 303)


@bp.route("/blacklist/hits")
@roles_required(*READERS)
def hits():
    """The risk report: people blacklisted at one branch holding policies at another."""
    return render("hq/page.html", "hq/_hits.html", body="hq/_hits.html",
                  title=gettext("Cross-branch hits"), subnav="hq/_subnav_blacklist.html",
                  hits=network_blacklist.cross_branch_hits(translate=gettext))
