"""A customer's policies, claims and vehicles: checked from a form, saved, and the customer's
caches refreshed (contacts are in `inscrm.work.contacts`). No Flask here."""

import datetime as dt
import re

from peewee import fn

from inscrm.blacklist import guard
from inscrm.customers.edit import after_change
from inscrm.db.transactions import writing
from inscrm.forms import Form, Rejected
from inscrm.i18n import N_
from inscrm.models import (
    CHANNELS,
    CLAIM_STATUSES,
    Claim,
    Policy,
    Vehicle,
)
from inscrm.validators import Invalid, check_period, parse_plate, policy_period_problem

MANUAL = "manual"  # the source of records entered by hand (imports use their own)
BLOCKED = "blacklist"  # the error key of a new policy stopped by the blacklist guard


# What the policy form offers as product lines, beside those the branch has recorded.
PRODUCTS = ("商业车险", "交强险", "企业财产险", "家庭财产险", "工程险", "货物运输险", "责任险",
            "意外伤害险", "健康险", "农业险")


def year_of_cover(start):
    """The end of one year of cover from `start`: the day before the same date a year later
    (2025-03-01 → 2026-02-28; 2024-02-29 → 2025-02-28)."""
    try:
        return start.replace(year=start.year + 1) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


RENEWABLE = dt.timedelta(days=90)  # a policy ending this close to today offers its renewal


def renewable(policy, renewed, today):
    """Whether the 360 page offers to renew `policy`: not cancelled, not renewed yet, and
    ending within 90 days of today (either side)."""
    return (not policy.cancelled and not renewed
            and today - RENEWABLE <= policy.end_date <= today + RENEWABLE)


def renewal_form(policy):
    """What the new-policy form starts from to renew `policy` with us: its product, channel,
    vehicle, premium and sum insured, a year of cover from the day after it ends, and the link
    to it. The new policy's number is the user's to type."""
    start = policy.end_date + dt.timedelta(days=1)
    money = {name: "" if getattr(policy, name) is None else str(getattr(policy, name))
             for name in ("premium", "sum_insured")}
    return {"product": policy.product or "", "channel": policy.channel, **money,
            "start_date": start.isoformat(), "end_date": year_of_cover(start).isoformat(),
            "renewal_of": str(policy.id), "vehicle": str(policy.vehicle_id or "")}


def product_lines(limit=40):
    """The product lines to offer: the usual ones, then those recorded here, most used first."""
    used = (Policy.live().select(Policy.product, fn.COUNT(Policy.id))
            .where(Policy.product != "").group_by(Policy.product)
            .order_by(fn.COUNT(Policy.id).desc()).limit(limit).tuples())
    return list(dict.fromkeys([*PRODUCTS, *(name for name, _n in used)]))


def _period(form, values, start, end, message=None):
    if values.get(start) and values.get(end):
        try:
            check_period(values[start], values[end])
        except Invalid as exc:
            form.errors.setdefault(end, Invalid(message) if message else exc)


def _unique(form, name, query, message):
    if form.raw(name) and name not in form.errors and query.exists():
        form.error(name, message)


def _save(model, record, values, customer_id, before=None):
    with writing():
        if before is not None:
            before()  # a check that writes (the blacklist override's audit) in the same transaction
        if record is None:
            record = model.create(**values)
        else:
            for name, value in values.items():
                setattr(record, name, value)
            record.save()
        after_change(customer_id)
    return record


def _others(model, record):
    query = model.live()
    return query if record is None else query.where(model.id != record.id)


def save_policy(customer, data, policy=None, user=None, ip=""):
    """A new or changed policy of the customer (ours, or a competitor's), or Rejected.

    A new policy of ours (no insurer) for a blacklisted customer is Rejected under BLOCKED
    unless `user` is a branch manager or administrator and `data` holds a written
    `override_reason`; the override is audited in the policy's own transaction.
    """
    form = Form(data)
    values = {
        "policy_no": form.text("policy_no", required=True, max_length=64),
        "product": form.text("product", max_length=64),
        "channel": form.choice("channel", CHANNELS, default="direct"),
        "insurer": form.text("insurer", max_length=64),
        "premium": form.money("premium", required=True),
        "sum_insured": form.money("sum_insured"),
        "start_date": form.date("start_date", required=True),
        "end_date": form.date("end_date"),
        "cancelled": form.flag("cancelled"),
        "renewal_of": form.pick("renewal_of", _others(Policy, policy)
                                .where(Policy.customer == customer), Policy),
        "vehicle": form.pick("vehicle", Vehicle.live().where(Vehicle.customer == customer),
                             Vehicle),
    }
    if values["end_date"] is None and "end_date" not in form.errors and values["start_date"]:
        values["end_date"] = year_of_cover(values["start_date"])
    problem = policy_period_problem(values["start_date"], values["end_date"])
    if problem is not None:
        form.errors.setdefault(*problem)
    _unique(form, "policy_no", _others(Policy, policy).where(
        Policy.policy_no == values["policy_no"]), N_("This policy number is recorded already."))
    guarded = policy is None and not values["insurer"]
    override = form.text("override_reason", max_length=500) if guarded else ""
    blocked = guard.refusal(customer) if guarded else None
    if blocked is not None and not override:
        form.errors[BLOCKED] = blocked
    form.check()
    if policy is None:
        values.update(customer=customer, source=MANUAL)

    def check_guard():
        try:
            guard.check_new_policy(customer, user, override, ip=ip,
                                   policy_no=values["policy_no"])
        except guard.Blocked as exc:
            raise Rejected({BLOCKED: exc}) from None
        except Invalid as exc:
            raise Rejected({BLOCKED: blocked, "override_reason": exc}) from None

    return _save(Policy, policy, values, customer.id, check_guard if guarded else None)


def save_claim(customer, data, claim=None):
    """A new or changed claim on one of the customer's policies, or Rejected."""
    form = Form(data)
    values = {
        "claim_no": form.text("claim_no", required=True, max_length=64),
        "policy": form.pick("policy", Policy.live().where(Policy.customer == customer), Policy,
                            required=True),
        "loss_date": form.date("loss_date", required=True),
        "report_date": form.date("report_date"),
        "paid": form.money("paid") or 0,
        "reserve": form.money("reserve") or 0,
        "status": form.choice("status", CLAIM_STATUSES, default="open"),
        "cause": form.text("cause", max_length=200),
        "fraud_suspected": form.flag("fraud_suspected"),
    }
    _period(form, values, "loss_date", "report_date",
            N_("The report date is before the loss date."))
    _unique(form, "claim_no", _others(Claim, claim).where(
        Claim.claim_no == values["claim_no"]), N_("This claim number is recorded already."))
    form.check()
    if claim is None:
        values.update(customer=customer, source=MANUAL)
    return _save(Claim, claim, values, customer.id)


def _vin(value):
    vin = value.upper()
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin):
        raise Invalid(N_("A VIN has 17 letters and digits (no I, O or Q)."))
    return vin


def save_vehicle(customer, data, vehicle=None):
    """A new or changed vehicle of the customer, or Rejected (a plate another customer has)."""
    form = Form(data)
    values = {
        "plate": form.parsed("plate", parse_plate, required=True),
        "vin": form.parsed("vin", _vin),
        "brand_model": form.text("brand_model", max_length=64) or None,
        "registered_on": form.date("registered_on"),
    }
    if values["plate"]:
        found = _others(Vehicle, vehicle).where(Vehicle.plate == values["plate"]).first()
        if found:
            form.duplicate("plate", N_("A customer with this plate exists."), found.customer)
    form.check()
    if vehicle is None:
        values["customer"] = customer
    return _save(Vehicle, vehicle, values, customer.id)
