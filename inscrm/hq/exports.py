"""HQ's consolidated downloads: the network's customers with their branch, the branch
comparison and the cross-branch blacklist hits — XLSX (or CSV) with Chinese headers, text cells
neutralised (`inscrm.cells.safe_text`), ID numbers masked unless the reader may see them, every
export written to the audit log."""

from decimal import Decimal

from peewee import JOIN

from inscrm.cells import safe_text
from inscrm.customers import search
from inscrm.db.transactions import writing
from inscrm.hq import blacklist as network_blacklist
from inscrm.i18n import N_
from inscrm.labels import label
from inscrm.models import FLOWS, SEGMENTS, AuditLog, Customer, Site, User
from inscrm.reports.exports import write_table
from inscrm.segments.reasons import describe
from inscrm.validators import Invalid, mask_id_number

CUSTOMER_HEADERS = (N_("Branch code"), N_("Branch"), N_("Customer name"), N_("Kind"),
                    N_("ID number"), N_("Phone"), N_("Segment"), N_("Reason"),
                    N_("Annual premium"), N_("Account manager"), N_("Last contact"))
HIT_HEADERS = (N_("ID number"), N_("Customer name"), N_("Blacklisted at"), N_("Reason"),
               N_("Reporting unit"), N_("Reported on"), N_("Held at"), N_("Policies in force"),
               N_("Premium in force"))


def _plain(message):
    return message


def _text(value):
    return safe_text(value) if isinstance(value, str) else value


def customer_rows(query, full_ids, translate):
    """The network list's rows (`query`: search.Query, its text, filters and branch) with the
    owning branch first, in branch and name order."""
    names = {site.code: site.name for site in Site.select()}
    manager = User.alias()
    rows = (search.matching(Customer.live(), query)
            .select(Customer.origin, Customer.name, Customer.kind, Customer.id_number,
                    Customer.phone, Customer.segment, Customer.segment_reason,
                    Customer.annual_premium, manager.name, Customer.last_contact_date)
            .join_from(Customer, manager, JOIN.LEFT_OUTER, on=(Customer.manager == manager.id))
            .order_by(Customer.origin, Customer.name_key, Customer.id)
            .tuples())
    for origin, name, kind, number, phone, segment, reason, premium, who, contact in (
            rows.iterator()):
        yield [origin, names.get(origin, origin), name, translate(label("customer_kind", kind)),
               number if full_ids else mask_id_number(number), phone,
               translate(label("segment", segment)), describe(reason, translate), premium,
               who, contact]


def comparison_headers():
    headers = [N_("Branch code"), N_("Branch"), N_("Customers"), N_("Annual premium")]
    for segment in SEGMENTS:
        headers += [(N_("%(segment)s: customers"), segment),
                    (N_("%(segment)s: annual premium"), segment)]
    headers += [N_("Renewal rate"), N_("Customer retention"), N_("Conversion")]
    headers += [(N_("%(segment)s: loss ratio"), segment) for segment in SEGMENTS]
    headers += [N_("Blacklist reports"), N_("Blacklist quota")]
    headers += [(N_("%(flow)s: customers"), flow) for flow in FLOWS]
    return headers


def _header(item, translate):
    if isinstance(item, tuple):
        message, code = item
        kind = "flow" if code in FLOWS else "segment"
        return translate(message) % {kind: translate(label(kind, code))}
    return translate(item)


def _number(text):
    """A figure kept as text (money, a rate) as a number for the spreadsheet; None stays."""
    return None if text is None else Decimal(text)


def comparison_rows(data):
    for b in data["branches"]:
        row = [b["code"], b["name"], b["customers"], _number(b["premium"])]
        for segment in SEGMENTS:
            row += [b["segments"][segment]["customers"],
                    _number(b["segments"][segment]["premium"])]
        row += [_number(b[rate]["rate"]) for rate in ("renewal", "retention", "conversion")]
        row += [_number(b["loss_ratios"][segment]["ratio"]) for segment in SEGMENTS]
        row += [b["blacklist"]["reported"], b["blacklist"]["quota"]]
        row += [b["flows"][flow]["customers"] for flow in FLOWS]
        yield row


def hit_rows(full_ids, translate):
    for hit in network_blacklist.cross_branch_hits(translate=translate):
        number = hit["id_number"]
        yield [number if full_ids else mask_id_number(number), hit["name"],
               hit["entry_site_name"], hit["reason"], hit["unit"], hit["reported_on"],
               hit["held_site_name"], hit["policies"], hit["premium"]]


def export(what, target, fmt, user=None, full_ids=False, query=None, comparison=None,
           translate=_plain, ip=""):
    """Write one HQ export (customers, comparison, hits) and record it in the audit log."""
    if what == "customers":
        headers = [translate(h) for h in CUSTOMER_HEADERS]
        rows = customer_rows(query or search.Query(), full_ids, translate)
    elif what == "comparison":
        headers = [_header(h, translate) for h in comparison_headers()]
        rows = comparison_rows(comparison)
    elif what == "hits":
        headers = [translate(h) for h in HIT_HEADERS]
        rows = hit_rows(full_ids, translate)
    else:
        raise Invalid(N_("Unknown export %(what)s."), what=what)
    count = write_table(target, headers, ([_text(v) for v in row] for row in rows), fmt)
    with writing():
        AuditLog.record("export", user, target=f"export:hq-{what}", ip=ip, rows=count,
                        format=fmt, full_id_numbers=bool(full_ids and what != "comparison"),
                        filters=(query.args() if query else None))
    return count
