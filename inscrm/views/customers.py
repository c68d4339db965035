"""Customers: the one-box search list, the customer 360 page and its sections, create and edit,
the audited full ID number, and merging duplicates."""

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from peewee import JOIN

from inscrm import users
from inscrm.blacklist import workflow
from inscrm.customers import quote, recent, records, search
from inscrm.customers.edit import (
    ID_TYPE_OF_KIND,
    create_customer,
    managers,
    merge_customers,
    townships,
    update_customer,
)
from inscrm.customers.figures import our_premium
from inscrm.db.transactions import writing
from inscrm.forms import Rejected
from inscrm.models import (
    CREDITS,
    CUSTOMER_KINDS,
    ID_TYPES,
    INTERMEDIARY_TYPES,
    SEGMENTS,
    SOURCES,
    Activity,
    AuditLog,
    Claim,
    Policy,
    SegmentChange,
    Task,
    User,
    Vehicle,
)
from inscrm.pinyin import sorted_by_name
from inscrm.reports import kpi
from inscrm.validators import Invalid, mask_id_number
from inscrm.views import (
    client_ip,
    current_path,
    get_customer,
    is_htmx,
    login_required,
    render,
    roles_required,
    safe_path,
    same_site_path,
)

bp = Blueprint("customers", __name__, url_prefix="/customers")

CUSTOMER_FIELDS = ("kind", "name", "id_type", "id_number", "phone", "phone2", "email", "wechat",
                   "address", "township", "industry", "source", "credit", "intermediary_type",
                   "manager", "notes")


@bp.app_template_filter("masked")
def masked(number):
    """{{ customer.id_number|masked }}: 330402********1234."""
    return mask_id_number(number)


@bp.app_template_global()
def customer_url(customer_id, back=None):
    """{{ customer_url(c.id) }}: the customer's 360 page, which links back to this page (or to
    `back`, for a page whose address holds what must not travel, such as a typed ID number)."""
    here = back or current_path()
    if here and here.startswith(url_for("customers.show", customer_id=customer_id)):
        here = None
    return url_for("customers.show", customer_id=customer_id, next=here)


def _back(customer):
    """Where the 360 page's back link leads: `next`, else a Referer of this app, never the
    customer's own pages."""
    own = url_for("customers.show", customer_id=customer.id)
    for target in (safe_path(request.args.get("next")), same_site_path(request.referrer)):
        if target and not target.startswith(own):
            return target
    return None


def translated(errors):
    """Each field's error in the UI language."""
    return {name: _(error.message, **error.params) for name, error in errors.items()}


def as_form(record, names):
    """A record's values as the strings a form shows."""
    values = {}
    for name in names:
        field = record._meta.fields.get(name)
        value = getattr(record, f"{name}_id") if hasattr(field, "rel_model") else getattr(
            record, name)
        if isinstance(value, bool):
            value = "1" if value else ""
        values[name] = "" if value is None else str(value)
    return values


def choices_context():
    return {
        "segments": SEGMENTS, "kinds": CUSTOMER_KINDS, "id_types": ID_TYPES, "sources": SOURCES,
        "credits": CREDITS, "intermediary_types": INTERMEDIARY_TYPES,
        "townships": sorted_by_name(townships(), name=str),
        "managers": sorted_by_name(managers(), name=str),
        "id_type_of_kind": ID_TYPE_OF_KIND,
    }


@bp.route("")
@login_required
def index():
    """The customer list: search as you type, filters, sorting, keyset pages."""
    query = search.Query.from_args(request.args)
    cursor = search.decode_cursor(request.args.get("after"))
    page = search.search(g.user, query, cursor=cursor)
    fragment = "customers/_rows.html" if cursor else "customers/_results.html"
    choices = {} if is_htmx() else choices_context()  # the filters' lists are the page's
    return render("customers/index.html", fragment, query=query, results=page, after=cursor,
                  **choices)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*users.CUSTOMER_WRITERS)
def new():
    """Enter a customer; duplicates of ID number, phone or plate are pointed out, not saved."""
    form, errors, duplicates = dict(request.form), {}, {}
    if request.method == "POST":
        try:
            customer = create_customer(request.form, g.user)
        except Rejected as exc:
            errors, duplicates = translated(exc.errors), exc.duplicates
        else:
            return _to(url_for("customers.show", customer_id=customer.id))
    else:
        kind = request.args.get("kind", "individual")
        form = {"kind": kind, "id_type": ID_TYPE_OF_KIND.get(kind, "")}
    return _form_page(None, form, errors, duplicates)


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@roles_required(*users.CUSTOMER_WRITERS)
def edit(customer_id):
    """Change a customer's details. The form shows the ID number masked (whoever edits: the
    full number is shown only by the audited reveal); it is kept unless a new one is typed."""
    customer = get_customer(customer_id)
    form, errors, duplicates = as_form(customer, CUSTOMER_FIELDS), {}, {}
    form["id_number"] = mask_id_number(customer.id_number)
    if request.method == "POST":
        form = dict(request.form)
        try:
            update_customer(customer, request.form, g.user)
        except Rejected as exc:
            errors, duplicates = translated(exc.errors), exc.duplicates
        else:
            return _to(url_for("customers.show", customer_id=customer.id))
    return _form_page(customer, form, errors, duplicates)


def _form_page(customer, form, errors, duplicates):
    response = render("customers/page.html", "customers/_form.html",
                      body="customers/_form.html", customer=customer, form=form,
                      errors=errors, duplicates=duplicates, **choices_context())
    if errors:
        response.status_code = 400
    return response


def _to(url):
    """After a saved form ("Saved" shows on the next page): htmx follows HX-Redirect, a plain
    form the 303."""
    flash(_("Saved"))
    if is_htmx():
        response = redirect(url, 303)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


@bp.route("/<int:customer_id>")
@login_required
def show(customer_id):
    """The customer 360 page: header, then the sections htmx loads."""
    customer = get_customer(customer_id)
    recent.opened(session, customer.id)
    return render("customers/show.html", "customers/_header.html", customer=customer,
                  can_see_full_id=users.can_see_full_id(g.user), sections=SECTIONS,
                  back=_back(customer), our_premium=our_premium(customer, dt.date.today()))


@bp.route("/<int:customer_id>/id-number", methods=["POST"])
@login_required
def full_id(customer_id):
    """The full ID number, for the roles allowed, written to the audit log."""
    customer = get_customer(customer_id)
    if not users.can_see_full_id(g.user):
        abort(403)
    with writing():
        AuditLog.record("view_full_id", g.user, target=f"customer:{customer.uid}",
                        ip=client_ip())
    return render("customers/page.html", "customers/_id_number.html",
                  body="customers/_id_number.html", customer=customer, full=True,
                  can_see_full_id=True)


def _policies(customer):
    policies = list(Policy.live().select(Policy, kpi.is_renewed(Policy).alias("renewed"))
                    .where(Policy.customer == customer)
                    .order_by(Policy.start_date.desc(), Policy.id.desc()))
    numbers = {p.id: p.policy_no for p in policies}
    today = dt.date.today()
    return {"policies": policies, "numbers": numbers, "today": today,
            "renewable": {p.id for p in policies if records.renewable(p, p.renewed, today)},
            "our_premium": our_premium(customer, today)}


def _claims(customer):
    claims = list(Claim.live().where(Claim.customer == customer)
                  .order_by(Claim.loss_date.desc(), Claim.id.desc()))
    # The customer's loss ratio as the quote check computes it: our policies, counted claims.
    person = quote.figures(customer, dt.date.today())
    numbers = dict(Policy.select(Policy.id, Policy.policy_no)
                   .where(Policy.id.in_({c.policy_id for c in claims})).tuples())
    return {"claims": claims, "incurred": person.incurred, "premium": person.premium,
            "numbers": numbers, "loss_ratio": person.loss_ratio}


def _vehicles(customer):
    return {"vehicles": list(Vehicle.live().where(Vehicle.customer == customer)
                             .order_by(Vehicle.id))}


def _activities(customer):
    doers = (Activity.live().select(Activity, User)
             .join(User, JOIN.LEFT_OUTER, on=(Activity.user == User.id)))
    return {"activities": list(doers.where(Activity.customer == customer)
                               .order_by(Activity.date.desc(), Activity.id.desc()).limit(100)),
            "form": {"date": dt.date.today().isoformat()}, "errors": {}}


def _tasks(customer):
    assigned = (Task.live().select(Task, User)
                .join(User, JOIN.LEFT_OUTER, on=(Task.assignee == User.id)))
    return {"tasks": list(assigned.where(Task.customer == customer, Task.status == "open")
                          .order_by(Task.due_date, Task.id))}


def _segments(customer):
    return {"changes": list(SegmentChange.live().where(SegmentChange.customer == customer)
                            .order_by(SegmentChange.changed_on.desc(), SegmentChange.id.desc())),
            "entries": list(workflow.entries_of(customer))}


SECTIONS = {
    "policies": _policies, "claims": _claims, "vehicles": _vehicles,
    "activities": _activities, "tasks": _tasks, "segments": _segments,
}


def render_section(customer, name, status=200, **extra):
    context = SECTIONS[name](customer)
    context.update(extra)
    fragment = f"customers/_{name}.html"
    response = render("customers/page.html", fragment, body=fragment, customer=customer,
                      **context)
    response.status_code = status
    return response


@bp.route("/<int:customer_id>/<any(policies, claims, vehicles, activities, tasks, segments):name>")
@login_required
def section(customer_id, name):
    """One section of the 360 page (htmx loads each on its own)."""
    return render_section(get_customer(customer_id), name)


@bp.route("/merge", methods=["GET", "POST"])
@roles_required("manager")
def merge():
    """Two customers side by side; the manager keeps one and the other becomes a tombstone."""
    first = _pick("a")
    second = _pick("b")
    error = None
    if request.method == "POST" and first and second:
        survivor, other = (second, first) if request.form.get("keep") == "b" else (first, second)
        try:
            merge_customers(survivor, other, g.user, client_ip())
        except Invalid as exc:
            error = _(exc.message, **exc.params)
        else:
            return _to(url_for("customers.show", customer_id=survivor.id))
    query = search.Query(text=request.args.get("q", "").strip()[:64])
    found = search.search(g.user, query, limit=20) if query.text else None
    counts = {c.id: _counts(c) for c in (first, second) if c}
    response = render("customers/page.html", "customers/_merge.html",
                      body="customers/_merge.html", first=first, second=second,
                      found=found, query=query, counts=counts, error=error)
    if error:
        response.status_code = 400
    return response


def _pick(name):
    value = request.values.get(name, "")
    return get_customer(int(value)) if value.isdigit() else None


def _counts(customer):
    return {label: model.live().where(model.customer == customer).count()
            for label, model in (("policies", Policy), ("claims", Claim),
                                 ("vehicles", Vehicle), ("activities", Activity))}
