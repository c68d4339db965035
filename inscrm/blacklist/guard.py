"""The blacklist guard at the door: no new policy for a blacklisted customer without a manager.

A customer is stopped when an active blacklist entry names them, or names the same ID number
(an entry made for another customer row, or shared down by HQ from another branch with no
customer here), or when the automatic claims rule has put them in the blacklist segment. A branch
manager (or an administrator) may let the policy through with a written reason; the override is
audited in the same transaction as the policy it lets through.
"""

from peewee import chunked

from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.labels import label
from inscrm.models import AuditLog, BlacklistEntry, Customer
from inscrm.validators import Invalid

OVERRIDE_ROLES = ("manager", "admin")


class Blocked(Invalid):
    """A new policy refused by the blacklist; `entry` is the BlacklistEntry (None when the
    automatic claims rule put the customer on the blacklist). An Invalid, so an import rejects
    such a row like any other invalid row."""

    def __init__(self, message, entry=None, **params):
        super().__init__(message, **params)
        self.entry = entry


def _same_person(customer):
    """Entries that name this customer, or any row or shared entry with the same ID number."""
    condition = BlacklistEntry.customer == customer.id
    if customer.id_number:
        namesakes = Customer.select(Customer.id).where(Customer.id_number == customer.id_number)
        condition |= (BlacklistEntry.id_number == customer.id_number) | (
            BlacklistEntry.customer.in_(namesakes))
    return condition


def blacklist_entries(customer):
    """The active blacklist entries that apply to this customer, newest first."""
    return (
        BlacklistEntry.live()
        .where(BlacklistEntry.active, _same_person(customer))
        .order_by(BlacklistEntry.reported_on.desc(), BlacklistEntry.id.desc())
    )


def entries_for_id_number(id_number):
    """The active entries for an ID number, whether or not a customer here carries it."""
    namesakes = Customer.select(Customer.id).where(Customer.id_number == id_number)
    return (
        BlacklistEntry.live()
        .where(BlacklistEntry.active,
               (BlacklistEntry.id_number == id_number) | BlacklistEntry.customer.in_(namesakes))
        .order_by(BlacklistEntry.reported_on.desc(), BlacklistEntry.id.desc())
    )


def blacklist_hit(customer):
    """The newest active BlacklistEntry for this customer or their ID number, or None."""
    return blacklist_entries(customer).first()


def blacklisted_id_numbers(id_numbers):
    """{id_number: newest active entry} for the given ID numbers, in a few set queries (imports)."""
    wanted = sorted({n for n in id_numbers if n})
    found = {}
    for batch in chunked(wanted, 500):
        direct = BlacklistEntry.live().where(BlacklistEntry.active,
                                             BlacklistEntry.id_number.in_(batch))
        via_customer = (
            BlacklistEntry.live()
            .join(Customer, on=(BlacklistEntry.customer == Customer.id))
            .where(BlacklistEntry.active, Customer.id_number.in_(batch))
            .select(BlacklistEntry, Customer.id_number.alias("customer_id_number"))
        )
        for entry in list(direct) + list(via_customer.objects()):
            number = getattr(entry, "customer_id_number", None) or entry.id_number
            kept = found.get(number)
            if kept is None or (entry.reported_on, entry.id) > (kept.reported_on, kept.id):
                found[number] = entry
    return found


def refusal(customer):
    """The Blocked refusal for a new policy of this customer, or None when the way is clear."""
    return blocking(customer.name, blacklist_hit(customer), customer.segment)


def blocking(name, entry, segment):
    """The Blocked refusal for a customer called `name` with this newest entry (or None) and
    segment, or None when the way is clear (imports look the entries up for many at once)."""
    if entry is not None:
        return Blocked(
            N_("%(name)s is on the blacklist (%(reason)s, reported %(date)s by %(unit)s): a new "
               "policy needs a branch manager's override with a written reason."),
            entry=entry, name=name, reason=entry.reason,
            date=entry.reported_on.isoformat(), unit=entry.unit or "—",
        )
    if segment == "blacklist":
        return Blocked(
            N_("%(name)s is in the blacklist segment by the claims rule: a new policy needs a "
               "branch manager's override with a written reason."),
            name=name,
        )
    return None


def check_new_policy(customer, user, override_reason=None, ip="", policy_no=""):
    """Let a new policy of ours through, or raise Blocked (or Invalid for a refused override).

    (A competitor's policy recorded for a prospect writes no business: callers skip the guard.)

    With no blacklist hit this returns None. On a hit it raises Blocked unless `user` is a
    branch manager or administrator and gives a written `override_reason`; the override is then
    recorded in the audit log (call this inside the transaction that writes the policy) and the
    AuditLog row is returned.
    """
    blocked = refusal(customer)
    if blocked is None:
        return None
    reason = (override_reason or "").strip()
    if not reason:
        raise blocked
    if getattr(user, "role", None) not in OVERRIDE_ROLES:
        raise Invalid(N_("Only a branch manager may override the blacklist."))
    if len(reason) < 4:
        raise Invalid(N_("Write the reason for the override (at least 4 characters)."))
    with writing():
        return AuditLog.record(
            "blacklist_override", user, target=f"customer:{customer.uid}", ip=ip,
            entry=blocked.entry.uid if blocked.entry else None,
            blacklist_reason=blocked.entry.reason if blocked.entry else "claims_rule",
            override_reason=reason, policy_no=policy_no,
        )


def describe(blocked, translate):
    """A Blocked (or Invalid) message in the language of `translate`, the reason in words."""
    params = dict(blocked.params)
    if "reason" in params:
        params["reason"] = translate(label("blacklist_reason", params["reason"]))
    return translate(blocked.message) % params if params else translate(blocked.message)
