"""The quote check: before quoting, what do we know about this ID number or plate?

Known or not; each matching customer's segment and its reason, policies and claims with us and
the loss ratios (exact Decimal); every active blacklist entry for the person (ours, or shared by
HQ for the same ID number); and the branch's advice from the settings per segment. The advice is
advisory only: the account manager and the underwriter decide. Every check is audited, because
it shows personal data.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from inscrm.blacklist import guard
from inscrm.customers.figures import our_premium
from inscrm.db.transactions import writing
from inscrm.formatting import loss_ratio, money, percent
from inscrm.i18n import N_
from inscrm.labels import label
from inscrm.models import (
    OUR_INSURER,
    SEGMENTS,
    AuditLog,
    Claim,
    Customer,
    Policy,
    Vehicle,
    money_sum,
)
from inscrm.segments import rules
from inscrm.segments.reasons import describe
from inscrm.validators import (
    PROVINCES,
    Invalid,
    mask_id_number,
    parse_id_number,
    parse_plate,
    parse_resident_id,
    parse_uscc,
)

ACTIONS = {
    "accept": N_("Accept"),
    "accept_discount": N_("Accept with a discount"),
    "refer": N_("Refer to the branch manager"),
    "decline": N_("Decline"),
}


def parse_query(text):
    """("plate" | "id_number", clean value) from what was typed; raises Invalid when malformed.

    A plate starts with a province character; 18 characters are a resident ID number or a
    unified social credit code (checked); 16 to 20 digits are a mistyped resident ID number;
    anything else is another document's number.
    """
    value = (text or "").strip().upper()
    if not value:
        raise Invalid(N_("Type an ID number or a licence plate."))
    if value[0] in PROVINCES:
        return "plate", parse_plate(value)
    if len(value) == 18:
        if re.fullmatch(r"\d{17}[\dX]", value):
            try:
                return "id_number", parse_resident_id(value)
            except Invalid as exc:
                as_resident_id = exc
            try:  # a credit code may be all digits too
                return "id_number", parse_uscc(value)
            except Invalid:
                raise as_resident_id from None
        return "id_number", parse_uscc(value)
    if re.fullmatch(r"\d{16,19}X?", value):  # a resident ID number with a digit too many or few
        raise Invalid(N_("A resident ID number has 17 digits and a digit or X."))
    return "id_number", parse_id_number("other", value)


@dataclass
class Person:
    """One matching customer and their figures with us as of the check's date."""

    customer: Customer
    policies: int = 0
    in_force: int = 0
    premium: Decimal = Decimal("0.00")
    claims: int = 0
    incurred: Decimal = Decimal("0.00")
    loss_ratio: Decimal | None = None
    claims_12m: int = 0
    loss_ratio_12m: Decimal | None = None


@dataclass
class Check:
    query: str
    kind: str
    as_of: dt.date
    people: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    advice: dict = field(default_factory=dict)

    @property
    def known(self):
        return bool(self.people)

    @property
    def shown(self):
        """The query as shown back: an ID number masked, a plate as it is."""
        return mask_id_number(self.query) if self.kind == "id_number" else self.query


def _ratio(incurred, premium):
    """Σ incurred / Σ premium, unrounded (Decimal to 28 digits): compared with the limit as is."""
    return incurred / premium if premium else None


def figures(customer, as_of):
    """A Person with the customer's policies, claims and loss ratios, a few aggregate queries."""
    year_ago = as_of - dt.timedelta(days=365)
    ours = Policy.ours().where(Policy.customer == customer.id, Policy.start_date <= as_of)
    person = Person(customer)
    person.policies = ours.count()
    kept = ours.where(~Policy.cancelled)
    person.in_force = kept.where(Policy.end_date >= as_of).count()
    person.premium = our_premium(customer, as_of)
    premium_12m = kept.where(Policy.end_date > year_ago).select(money_sum(Policy.premium)).scalar()
    claims = (
        Claim.live()
        .join(Policy, on=(Claim.policy == Policy.id))
        .where(Claim.customer == customer.id, Policy.insurer == OUR_INSURER,
               Claim.loss_date <= as_of)
    )
    counted = claims.where(Claim.status.not_in(("declined", "withdrawn")))
    person.claims = claims.count()
    person.incurred = _incurred(counted)
    recent = counted.where(Claim.loss_date > year_ago, (Claim.paid + Claim.reserve) > 0)
    person.claims_12m = recent.count()
    person.loss_ratio = _ratio(person.incurred, person.premium)
    person.loss_ratio_12m = _ratio(_incurred(recent), premium_12m)
    return person


def _incurred(claims):
    paid, reserve = claims.select(money_sum(Claim.paid), money_sum(Claim.reserve)).tuples().get()
    return paid + reserve


def _matching_customers(kind, value):
    if kind == "plate":
        owners = Vehicle.live().select(Vehicle.customer).where(Vehicle.plate == value)
        condition = Customer.id.in_(owners)
    else:
        condition = Customer.id_number == value
    query = Customer.live().where(condition, Customer.merged_into.is_null())
    rank = {seg: n for n, seg in enumerate(SEGMENTS)}
    return sorted(query, key=lambda c: (rank.get(c.segment, 99), c.id))


def _entries(kind, value, customers):
    if kind == "id_number":
        return list(guard.entries_for_id_number(value))
    seen = {}
    for customer in customers:
        for entry in guard.blacklist_entries(customer):
            seen.setdefault(entry.id, entry)
    return sorted(seen.values(), key=lambda e: (e.reported_on, e.id), reverse=True)


def advise(people, entries, values=None):
    """{"action", "discount_max", "reasons"}: the branch's advice, from the settings per segment.

    Any blacklist entry or a blacklist segment declines; an unknown person gets the floating
    segment's advice; a 12-month loss ratio above `quote_refer_loss_ratio` refers to the manager.
    """
    values = values or rules.current()
    advice_for = values["quote_recommendations"]
    if entries or any(p.customer.segment == "blacklist" for p in people):
        reason = {"msg": N_("on the blacklist"), "params": {}}
        return {"action": "decline", "discount_max": None, "reasons": [reason]}
    if not people:
        setting = advice_for.get("floating") or {"action": "accept"}
        reasons = [{"msg": N_("not known to us: no history with this branch"), "params": {}}]
        return _advice(setting, reasons)
    primary = people[0]
    limit = rules.as_decimal(values, "quote_refer_loss_ratio")
    if primary.loss_ratio_12m is not None and primary.loss_ratio_12m > limit:
        reason = {"msg": N_("12-month loss ratio %(ratio)s above %(limit)s"),
                  "params": {"ratio": loss_ratio(primary.loss_ratio_12m),
                             "limit": loss_ratio(limit)}}
        return {"action": "refer", "discount_max": None, "reasons": [reason]}
    setting = advice_for.get(primary.customer.segment) or {"action": "accept"}
    return _advice(setting, [{"msg": N_("as the settings advise for this segment"),
                              "params": {}}])


def _advice(setting, reasons):
    discount = setting.get("discount_max") if setting["action"] == "accept_discount" else None
    return {"action": setting["action"],
            "discount_max": Decimal(str(discount)) if discount is not None else None,
            "reasons": reasons}


def check(text, user=None, as_of=None, ip=""):
    """Look up an ID number or plate, work out the advice, and audit the look-up.

    Raises Invalid for a malformed query (nothing is audited then).
    """
    kind, value = parse_query(text)
    as_of = as_of or dt.date.today()
    customers = _matching_customers(kind, value)
    result = Check(query=value, kind=kind, as_of=as_of)
    result.people = [figures(c, as_of) for c in customers]
    result.entries = _entries(kind, value, customers)
    result.advice = advise(result.people, result.entries)
    with writing():
        AuditLog.record(
            "quote_check", user, ip=ip,
            target=f"customer:{customers[0].uid}" if customers else "",
            query=result.shown, kind=kind, customers=[c.uid for c in customers],
            blacklist=[e.uid for e in result.entries], advice=result.advice["action"],
        )
    return result



def lines(result, translate):
    """The check as plain text lines (the CLI), in the language of `translate`."""
    kind = translate(N_("Licence plate")) if result.kind == "plate" else translate(N_("ID number"))
    if result.known:
        out = [f"{kind} {result.shown}: " + translate(N_("known to us, %(num)s customer(s)"))
               % {"num": len(result.people)}]
    else:
        out = [f"{kind} {result.shown}: " + translate(N_("not known to us"))]
    for person in result.people:
        c = person.customer
        out.append(f"  {c.name} [{translate(label('segment', c.segment))}] "
                   f"{describe(c.segment_reason, translate)}".rstrip())
        out.append("    " + translate(N_(
            "policies %(policies)s (%(in_force)s in force), premium %(premium)s; claims "
            "%(claims)s, incurred %(incurred)s; loss ratio %(ratio)s, 12 months %(ratio_12m)s "
            "(%(claims_12m)s claims)")) % {
            "policies": person.policies, "in_force": person.in_force,
            "premium": money(person.premium), "claims": person.claims,
            "incurred": money(person.incurred), "ratio": loss_ratio(person.loss_ratio),
            "ratio_12m": loss_ratio(person.loss_ratio_12m), "claims_12m": person.claims_12m})
    for entry in result.entries:
        out.append("  " + translate(N_("BLACKLIST: %(reason)s, reported %(date)s by %(unit)s"))
                   % {"reason": translate(label("blacklist_reason", entry.reason)),
                      "date": entry.reported_on.isoformat(), "unit": entry.unit or "—"})
    advice = result.advice
    action = translate(ACTIONS[advice["action"]])
    if advice["discount_max"] is not None:
        action += ", " + translate(N_("up to %(discount)s")) % {
            "discount": percent(advice["discount_max"])}
    out.append(translate(N_("Advice (advisory only): %(action)s — %(why)s"))
               % {"action": action, "why": describe(advice["reasons"], translate)})
    return out
