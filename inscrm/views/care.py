"""Care lists: birthdays, policy anniversaries and festival greetings, printable and as CSV."""

import datetime as dt

from flask import Blueprint, Response, g, request
from flask_babel import gettext as _

from inscrm.db.transactions import writing
from inscrm.models import AuditLog, Customer, Site
from inscrm.validators import Invalid, parse_date
from inscrm.views import client_ip, login_required, render
from inscrm.work import care

bp = Blueprint("care", __name__)
DEFAULT_DAYS = 30


def _care_items():
    """(items, first, last, error) for the range in the query string (default: next 30 days)."""
    today = dt.date.today()
    first, last = today, today + dt.timedelta(days=DEFAULT_DAYS - 1)
    try:
        first = parse_date(request.args.get("from") or first)
        last = parse_date(request.args.get("to") or last)
        site = Site.current()
        items = care.care_list(Customer.visible_to(g.user), first, last,
                               signature=site.name if site else "")
    except Invalid as exc:
        return [], first, last, _(exc.message, **exc.params)
    return items, first, last, None


@bp.route("/care")
@login_required
def index():
    """The printable care list for a date range."""
    items, first, last, error = _care_items()
    response = render("care/index.html", "care/_list.html", items=items, first=first, last=last,
                      error=error, occasions=care.OCCASIONS,
                      without_phone=sum(1 for i in items if not i.phone))
    if error:
        response.status_code = 400
    return response


@bp.post("/care.csv")
@login_required
def download():
    """The care list as the SMS tool's CSV (UTF-8 with BOM, CRLF); the export is audited."""
    items, first, last, error = _care_items()
    if error:
        return Response(error, status=400, mimetype="text/plain")
    body = care.to_csv(items)
    with writing():
        AuditLog.record("care_export", g.user, ip=client_ip(), first=first.isoformat(),
                        last=last.isoformat(), rows=sum(1 for i in items if i.phone))
    name = f"care-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(body.encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
