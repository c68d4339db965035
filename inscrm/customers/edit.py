"""Customers: create and update with per-field errors, duplicates stopped at the door, merging
two records of one customer, and the caches a change refreshes. No Flask here."""

from peewee import fn

from inscrm.db import stamps
from inscrm.db.transactions import writing
from inscrm.forms import Form
from inscrm.i18n import N_
from inscrm.models import (
    CREDITS,
    CUSTOMER_KINDS,
    ID_TYPES,
    INTERMEDIARY_TYPES,
    SOURCES,
    Activity,
    AuditLog,
    BlacklistEntry,
    Claim,
    Customer,
    CustomerRef,
    Policy,
    SegmentChange,
    Task,
    Township,
    User,
    Vehicle,
    now,
)
from inscrm.segments import engine
from inscrm.validators import (
    Invalid,
    mask_id_number,
    parse_id_number,
    parse_phone,
    parse_plate,
    resident_id_birth_date,
)

# Fields a merge copies from the merged record when the survivor has none.
FILLABLE = ("id_type", "id_number", "phone", "phone2", "email", "wechat", "address", "township",
            "industry", "intermediary_type", "manager", "birth_date")
# Every reference to a customer, moved to the survivor by a merge.
REFERENCES = (
    (Policy, "customer"), (Policy, "intermediary"), (Claim, "customer"), (Vehicle, "customer"),
    (Activity, "customer"), (Task, "customer"), (CustomerRef, "customer"),
    (BlacklistEntry, "customer"), (SegmentChange, "customer"),
)


# The ID document a customer of each kind usually has: the form starts with it, and a number
# typed without choosing one is read as it.
ID_TYPE_OF_KIND = {"individual": "resident_id", "corporate": "uscc"}


def after_change(customer_id, *related_ids):
    """Refresh what a change of policies, claims, activities or credit affects: the last contact
    and the segment (with the intermediary a policy was sold through, in `related_ids`)."""
    last = (Activity.live(fn.MAX(Activity.date))
            .where(Activity.customer == customer_id).scalar())
    Customer.update(last_contact_date=last).where(Customer.id == customer_id).execute()
    engine.reclassify(customer_id, *related_ids)


def townships():
    return Township.live().order_by(Township.district, Township.name)


def managers():
    return User.staff("agent", "manager")


def _clean(data, user, customer=None):
    """Values for a Customer from a form, or Rejected with every error and duplicate."""
    form = Form(data)
    values = {
        "kind": form.choice("kind", CUSTOMER_KINDS),
        "name": form.text("name", required=True, max_length=100),
        "id_type": form.choice("id_type", ID_TYPES, default=""),
        "phone2": form.parsed("phone2", parse_phone),
        "email": form.email("email"),
        "wechat": form.text("wechat", max_length=64) or None,
        "address": form.text("address") or None,
        "township": form.pick("township", townships(), Township),
        "industry": form.text("industry", max_length=64) or None,
        "source": form.choice("source", SOURCES, default="walk_in"),
        "credit": form.choice("credit", CREDITS, default="unknown"),
        "intermediary_type": form.choice("intermediary_type", INTERMEDIARY_TYPES, default="")
        or None,
        "notes": form.text("notes", max_length=2000),
    }
    if user.role == "agent":  # an account manager's new customers are their own
        values["manager"] = customer.manager_id if customer else user.id
    else:
        values["manager"] = form.pick("manager", managers(), User)
    id_type = values["id_type"] or None
    if id_type is None and form.raw("id_number") and values["kind"]:
        id_type = ID_TYPE_OF_KIND[values["kind"]]  # so the number is checked on the first try
    values["id_type"] = id_type
    values["id_number"] = None
    if customer is not None and customer.id_number and form.raw("id_number") == mask_id_number(
            customer.id_number):
        values["id_number"] = customer.id_number  # shown masked and left as it was
    elif form.raw("id_number"):
        if id_type is None:
            form.error("id_type", N_("Choose the kind of ID document."))
        else:
            values["id_number"] = form.parsed("id_number",
                                              lambda v: parse_id_number(id_type, v))
    if values["id_number"] and id_type == "resident_id":
        values["birth_date"] = resident_id_birth_date(values["id_number"])
    values["phone"] = form.parsed("phone", parse_phone)
    plate = form.parsed("plate", parse_plate) if customer is None else None
    _check_duplicates(form, values, plate, customer, user)
    form.check()
    return values, plate


# What the form says of a duplicate: in the user's scope with a link to it; outside it without
# naming the customer (another account manager's), pointing to who can tell.
DUPLICATE_MESSAGES = {
    "id_number": (N_("A customer with this ID number exists."),
                  N_("A customer with this ID number exists (not one of yours); ask the branch "
                     "manager.")),
    "phone": (N_("A customer with this phone number exists."),
              N_("A customer with this phone number exists (not one of yours); ask the branch "
                 "manager.")),
    "plate": (N_("A customer with this plate exists."),
              N_("A customer with this plate exists (not one of yours); ask the branch "
                 "manager.")),
}


def _check_duplicates(form, values, plate, customer, user):
    others = Customer.live()
    if customer is not None:
        others = others.where(Customer.id != customer.id)
    found = {}
    if values["id_number"]:
        found["id_number"] = others.where(Customer.id_number == values["id_number"]).first()
    if values["phone"]:
        found["phone"] = others.where(Customer.phone == values["phone"]).first()
    if plate:
        found["plate"] = (others.join(Vehicle, on=(Vehicle.customer == Customer.id))
                          .where(Vehicle.plate == plate, ~Vehicle.deleted).first())
    for name, record in found.items():
        if record is None:
            continue
        in_scope, out_of_scope = DUPLICATE_MESSAGES[name]
        if Customer.visible_to(user).where(Customer.id == record.id).exists():
            form.duplicate(name, in_scope, record)
        else:
            form.error(name, out_of_scope)


def create_customer(data, user):
    """A new customer (and its vehicle when a plate is given), or Rejected."""
    values, plate = _clean(data, user)
    with writing():
        customer = Customer.create(**values)
        if plate:
            Vehicle.create(customer=customer, plate=plate)
    return customer


def update_customer(customer, data, user):
    """Save the form over the customer, or Rejected (nothing saved)."""
    values, _plate = _clean(data, user, customer)
    with writing():
        for name, value in values.items():
            setattr(customer, name, value)
        customer.updated_at = now()
        customer.save()
    after_change(customer.id)
    return customer


def merge_customers(survivor, other, user=None, ip=""):
    """Move everything of `other` to `survivor`; `other` becomes a tombstone naming it."""
    if survivor.id == other.id:
        raise Invalid(N_("Choose two different customers."))
    if survivor.deleted or other.deleted:
        raise Invalid(N_("A merged or deleted customer cannot be merged again."))
    with writing():
        stamp = stamps.stamp()
        moved = {}
        for model, column in REFERENCES:
            field = getattr(model, column)
            moved[f"{model._meta.table_name}.{column}"] = (
                model.update({field: survivor.id, model.seq: stamp["seq"],
                              model.version: stamp["version"]})
                .where(field == other.id).execute()
            )
        for name in FILLABLE:
            if not getattr(survivor, f"{name}_id" if name in ("township", "manager") else name):
                setattr(survivor, name, getattr(other, name))
        if other.notes:
            survivor.notes = "\n".join(filter(None, [survivor.notes, other.notes]))
        survivor.updated_at = now()
        survivor.save()
        # earlier tombstones that named the merged record now name the survivor
        Customer.update(merged_into=survivor).where(Customer.merged_into == other).execute()
        other.deleted = True
        other.merged_into = survivor
        other.updated_at = now()
        other.save()
        AuditLog.record("customer_merged", user, target=f"customer:{survivor.uid}", ip=ip,
                        merged=other.uid, merged_name=other.name,
                        moved={k: v for k, v in moved.items() if v})
        after_change(survivor.id)
    return survivor
