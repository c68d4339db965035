"""Service plans: their settings (administrators) and the plan-compliance report (managers)."""

import datetime as dt

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from inscrm.models import SEGMENTS, User
from inscrm.segments import rules
from inscrm.validators import Invalid, parse_date
from inscrm.views import render, roles_required
from inscrm.work import service_plans

bp = Blueprint("service", __name__)


def translate_invalid(exc):
    """An Invalid's message in the UI language; a `field` parameter is a msgid too."""
    params = {k: _(v) if k == "field" else v for k, v in exc.params.items()}
    return _(exc.message, **params)


@bp.route("/settings/service", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    """Service plans and quote advice per segment; saved as a new, audited rules version."""
    form, error = None, None
    if request.method == "POST":
        form = request.form
        try:
            service_plans.save_settings(form, g.user)
        except Invalid as exc:
            error = translate_invalid(exc)
        else:
            return redirect(url_for("service.settings", saved=1))
    return render_template(
        "service/settings.html", service_form=service_plans.form_values(rules.current()),
        form=form, error=error, segments=SEGMENTS, plan_kinds=service_plans.PLAN_KINDS,
        actions=service_plans.ACTIONS,
        saved=request.args.get("saved") == "1", from_hq=rules.from_hq(),
    ), 400 if error else 200


@bp.route("/reports/service")
@roles_required("manager")
def report():
    """Plan compliance per segment and account manager, and who is overdue (printable)."""
    error = None
    try:
        as_of = parse_date(request.args.get("as_of") or dt.date.today())
    except Invalid as exc:
        error, as_of = translate_invalid(exc), dt.date.today()
    segment = request.args.get("segment") or None
    if segment not in service_plans.plans():
        segment = None
    manager_id = request.args.get("manager", type=int)
    result = service_plans.compliance(as_of, segment=segment, manager_id=manager_id)
    response = render(
        "service/report.html", "service/_report.html", report=result, error=error,
        plans=service_plans.plans(), managers=User.staff_by_name("agent", "manager"),
        segment=segment,
        manager_id=manager_id,
    )
    if error:
        response.status_code = 400
    return response
