"""The customers a user opened last, kept in the signed session cookie (no write per view)."""

from inscrm.models import Customer

KEEP = 10
KEY = "recent_customers"


def opened(session, customer_id):
    """Put `customer_id` first in the session's list of recently opened customers."""
    ids = [i for i in session.get(KEY, []) if i != customer_id]
    session[KEY] = [customer_id, *ids][:KEEP]


def customers(session, user):
    """The recently opened customers the user may still see, last opened first."""
    ids = session.get(KEY, [])
    if not ids:
        return []
    found = {c.id: c for c in Customer.visible_to(user).where(Customer.id.in_(ids))}
    return [found[i] for i in ids if i in found]
