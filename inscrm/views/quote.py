"""The quote check page: type an ID number or plate, see what we know and the advice."""

from flask import Blueprint, g, request
from flask_babel import gettext as _

from inscrm.customers import quote
from inscrm.models import Customer
from inscrm.validators import Invalid
from inscrm.views import client_ip, get_customer, login_required, render

bp = Blueprint("quote", __name__)


def _openable(result):
    """The ids of the result's customers whose 360 page the user may open (the check itself
    names people outside the user's scope, as a warning)."""
    ids = [person.customer.id for person in result.people] if result else []
    if not ids:
        return set()
    return {c.id for c in Customer.visible_to(g.user).select(Customer.id)
            .where(Customer.id.in_(ids))}


@bp.route("/quote")
@login_required
def index():
    """The check form; with `q`, the result (audited), as a fragment for htmx. With `customer`
    (the 360 page's link), that customer's ID number is checked without showing it in full."""
    typed = (request.args.get("q") or "").strip()
    customer_id = request.args.get("customer", "")
    if customer_id.isdigit():
        typed = get_customer(int(customer_id)).id_number or ""
    result, error = None, None
    if typed:
        try:
            result = quote.check(typed, g.user, ip=client_ip())
        except Invalid as exc:
            error = _(exc.message, **exc.params)
    shown = "" if customer_id.isdigit() else typed  # the form never holds a number not typed
    response = render("quote/index.html", "quote/_result.html", q=shown, result=result,
                      error=error, actions=quote.ACTIONS, openable=_openable(result))
    if error:
        response.status_code = 400
    return response
