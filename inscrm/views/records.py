"""A customer's policies, claims, vehicles and logged contacts: create and edit."""

from flask import Blueprint, g, request, url_for
from flask_babel import gettext

from inscrm.blacklist import guard
from inscrm.customers import records
from inscrm.forms import Rejected
from inscrm.models import (
    ACTIVITY_KINDS,
    CHANNELS,
    CLAIM_STATUSES,
    OUTCOMES,
    Activity,
    Claim,
    Policy,
    Vehicle,
)
from inscrm.users import CLAIM_WRITERS, CUSTOMER_WRITERS
from inscrm.views import get_customer, get_object_or_404, login_required, render, require_role
from inscrm.views.customers import _to, as_form, render_section, translated
from inscrm.work import contacts

bp = Blueprint("records", __name__)

KINDS = {
    "policy": (Policy, records.save_policy,
               ("policy_no", "product", "channel", "insurer", "premium", "sum_insured",
                "start_date", "end_date", "cancelled", "renewal_of", "vehicle")),
    "claim": (Claim, records.save_claim,
              ("claim_no", "policy", "loss_date", "report_date", "paid", "reserve", "status",
               "cause", "fraud_suspected")),
    "vehicle": (Vehicle, records.save_vehicle,
                ("plate", "vin", "brand_model", "registered_on")),
}
ANY_KIND = "<any(policy, claim, vehicle):kind>"
WRITERS = {"policy": CUSTOMER_WRITERS, "claim": CLAIM_WRITERS, "vehicle": CUSTOMER_WRITERS}


def _blocked(kind, customer, record):
    """The blacklist guard's refusal in words, for the form of a new policy (else None)."""
    refusal = guard.refusal(customer) if kind == "policy" and record is None else None
    return guard.describe(refusal, gettext) if refusal is not None else None


def _form_page(kind, customer, record, form, errors, duplicates, refused=False):
    fragment = f"records/_{kind}_form.html"
    response = render(
        "customers/page.html", fragment, body=fragment, customer=customer, record=record,
        form=form, errors=errors, duplicates=duplicates, channels=CHANNELS,
        blocked=_blocked(kind, customer, record), can_override=g.user.role in guard.OVERRIDE_ROLES,
        statuses=CLAIM_STATUSES, products=records.product_lines() if kind == "policy" else (),
        policies=list(Policy.live().where(Policy.customer == customer)
                      .order_by(Policy.start_date.desc())),
        vehicles=list(Vehicle.live().where(Vehicle.customer == customer).order_by(Vehicle.id)),
    )
    if errors or refused:
        response.status_code = 400
    return response


def _save(kind, customer, record):
    save = KINDS[kind][1]
    if kind == "policy":
        return save(customer, request.form, record, user=g.user, ip=request.remote_addr or "")
    return save(customer, request.form, record)


def _start(kind, customer, record):
    """The form's first values: the record's, a renewal's (`?renew=<policy id>`, a policy of
    this customer), or what the link asks for."""
    if record is not None:
        return as_form(record, KINDS[kind][2])
    if kind == "policy" and "renew" in request.args:
        renewed = get_object_or_404(Policy.live(), Policy.customer == customer,
                                    Policy.id == request.args.get("renew", type=int))
        return records.renewal_form(renewed)
    return dict(request.args)


def _edit(kind, customer, record):
    form = _start(kind, customer, record)
    errors, duplicates, refused = {}, {}, False
    if request.method == "POST":
        form = dict(request.form)
        try:
            _save(kind, customer, record)
        except Rejected as exc:
            field_errors = {k: v for k, v in exc.errors.items() if k != records.BLOCKED}
            errors, duplicates, refused = translated(field_errors), exc.duplicates, True
        else:
            return _to(url_for("customers.show", customer_id=customer.id))
    return _form_page(kind, customer, record, form, errors, duplicates, refused)


@bp.route(f"/customers/<int:customer_id>/{ANY_KIND}/new", methods=["GET", "POST"])
@login_required
def new(customer_id, kind):
    """Add a policy, claim or vehicle to a customer."""
    require_role(*WRITERS[kind])
    return _edit(kind, get_customer(customer_id), None)


@bp.route(f"/{ANY_KIND}/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(kind, record_id):
    """Change a policy, claim or vehicle (of a customer the user may see)."""
    require_role(*WRITERS[kind])
    model = KINDS[kind][0]
    record = get_object_or_404(model.live(), model.id == record_id)
    return _edit(kind, get_customer(record.customer_id), record)


@bp.route("/customers/<int:customer_id>/activities", methods=["POST"])
@login_required
def log_contact(customer_id):
    """The quick "log a contact" form of the 360 page; answers with the timeline."""
    require_role(*CUSTOMER_WRITERS)
    customer = get_customer(customer_id)
    try:
        contacts.save_contact(customer, request.form, g.user)
    except Rejected as exc:
        return render_section(customer, "activities", status=400, form=dict(request.form),
                              errors=translated(exc.errors))
    response = render_section(customer, "activities", saved=True)
    response.headers["HX-Trigger"] = "contact-logged"  # the open tasks reload (one may be done)
    return response


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(activity_id):
    """Correct a logged contact."""
    require_role(*CUSTOMER_WRITERS)
    activity = get_object_or_404(Activity.live(), Activity.id == activity_id)
    customer = get_customer(activity.customer_id)
    form = as_form(activity, contacts.FIELDS)
    errors = {}
    if request.method == "POST":
        form = dict(request.form)
        try:
            contacts.save_contact(customer, request.form, g.user, activity)
        except Rejected as exc:
            errors = translated(exc.errors)
        else:
            return _to(url_for("customers.show", customer_id=customer.id))
    fragment = "records/_activity_form.html"
    response = render("customers/page.html", fragment, body=fragment, customer=customer,
                      record=activity, form=form, errors=errors, kinds=ACTIVITY_KINDS,
                      outcomes=OUTCOMES)
    if errors:
        response.status_code = 400
    return response
