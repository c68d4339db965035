"""Export downloads: the customer list as filtered (the list page's export button), renewals due
in a period, and the segment migration between two dates. Each is audited, so each is a POST
(with the CSRF token): no link or other site can make one happen."""

import datetime as dt
import tempfile

from flask import Blueprint, abort, g, request, send_file
from flask_babel import gettext

from inscrm.reports import lists
from inscrm.reports.exports import FILTERS, export
from inscrm.users import can_see_full_id
from inscrm.validators import Invalid, parse_date
from inscrm.views import client_ip, login_required, roles_required

bp = Blueprint("exports", __name__, url_prefix="/exports")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(fmt, name, write):
    """`write(stream)` spooled to a temporary file (big exports go to disk) and sent as the
    attachment `name`; an Invalid from it is a 400."""
    if fmt not in MIMETYPES:
        abort(404)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it)
    try:
        write(spool)
    except Invalid:
        spool.close()
        abort(400)
    spool.seek(0)
    return send_file(spool, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name)


def _send(what, fmt, **options):
    return download(fmt, f"inscrm-{what}-{dt.date.today():%Y%m%d}.{fmt}", lambda spool: export(
        what, spool, fmt, user=g.user, translate=gettext, ip=client_ip(), **options))


def _period():
    try:
        return parse_date(request.values.get("from", "")), parse_date(request.values.get("to", ""))
    except Invalid:
        abort(400)


@bp.post("/customers.<fmt>")
@login_required
def customers(fmt):
    """The customers the user may see, with the customer list's filters applied."""
    filters = {name: request.values.get(name, "") for name in FILTERS}
    return _send("customers", fmt, filters=filters, full_ids=can_see_full_id(g.user))


@bp.post("/customer-list.<any(csv, xlsx):fmt>")
@login_required
def customer_list(fmt):
    """The customer list as filtered, as a file staff read (Chinese headers and words)."""
    filters = {name: request.values.get(name, "") for name in FILTERS}
    return download(fmt, f"{gettext('Customer list')}-{dt.date.today():%Y%m%d}.{fmt}",
                    lambda spool: lists.export_customers(
                        spool, fmt, g.user, gettext, filters=filters,
                        full_ids=can_see_full_id(g.user), ip=client_ip()))


@bp.post("/renewals.<fmt>")
@login_required
def renewals(fmt):
    """Policies of the user's customers whose cover ends in the period."""
    first, last = _period()
    return _send("renewals", fmt, first=first, last=last)


@bp.post("/migration.<fmt>")
@roles_required("manager", "analyst")
def migration(fmt):
    """Customers moving between segments in the period, by flow."""
    first, last = _period()
    return _send("migration", fmt, first=first, last=last)
