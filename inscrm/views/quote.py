"""The quote check page: type an ID number or plate, see what we know and the advice."""

from flask import Blueprint, g, request
from flask_babel import gettext as _

from inscrm import quote
from inscrm.validators import Invalid
from inscrm.views import client_ip, login_required, render

bp = Blueprint("quote", __name__)


@bp.route("/quote")
@login_required
def index():
    """The check form; with `q`, the result (audited), as a fragment for htmx."""
    typed = (request.args.get("q") or "").strip()
    result, error = None, None
    if typed:
        try:
            result = quote.check(typed, g.user, ip=client_ip())
        except Invalid as exc:
            error = _(exc.message, **exc.params)
    response = render("quote/index.html", "quote/_result.html", q=typed, result=result,
                      error=error, actions=quote.ACTIONS)
    if error:
        response.status_code = 400
    return response
