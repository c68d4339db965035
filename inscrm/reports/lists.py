"""The customer list as staff read it (beside the export that imports back): the columns of
the list in the reader's language, with district and town, the account manager's name, the
segment and its reason in words, dates and money as such (see `inscrm.reports.readable`)."""

from peewee import fn

from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import AuditLog, Customer, Township
from inscrm.reports import readable
from inscrm.reports.exports import customer_table, filtered_customers
from inscrm.reports.readable import Column

CUSTOMER_COLUMNS = (
    Column(N_("Customer code"), width=14),
    Column(N_("Customer name"), width=24),
    Column(N_("Customer kind"), "code", "customer_kind", width=8),
    Column(N_("ID type"), "code", "id_type", width=12),
    Column(N_("ID number"), width=20),
    Column(N_("Phone"), width=14),
    Column(N_("Address"), width=30),
    Column(N_("District"), width=10),
    Column(N_("Town"), width=12),
    Column(N_("Industry"), width=12),
    Column(N_("Source"), "code", "source", width=10),
    Column(N_("Credit"), "code", "credit", width=8),
    Column(N_("Intermediary type"), "code", "intermediary_type", width=12),
    Column(N_("Account manager"), width=12),
    Column(N_("Segment"), "code", "segment", width=12),
    Column(N_("Reason"), width=40),
    Column(N_("Evaluated on"), "date", width=12),
    Column(N_("Annual premium"), "money", width=14),
    Column(N_("Last contact"), "date", width=12),
)


def customer_rows(query, full_ids, translate, source="core"):
    """Rows of CUSTOMER_COLUMNS for a customer query, in name order, as a stream."""
    return customer_table(query, lambda manager, ref: [
        ref, Customer.name, Customer.kind, Customer.id_type, Customer.id_number,
        Customer.phone, Customer.address, Township.district, Township.name, Customer.industry,
        Customer.source, Customer.credit, Customer.intermediary_type,
        fn.COALESCE(fn.NULLIF(manager.name, ""), manager.username), Customer.segment,
        Customer.segment_reason, Customer.segment_date, Customer.annual_premium,
        Customer.last_contact_date,
    ], full_ids, translate, source)


def export_customers(target, fmt, user, translate, filters=None, full_ids=False, ip=""):
    """The customers `user` may see, filtered as the list is, to read; audited. How many."""
    query = filtered_customers(Customer.visible_to(user), filters)
    count = readable.write(target, fmt, CUSTOMER_COLUMNS,
                           customer_rows(query, full_ids, translate), translate)
    with writing():
        AuditLog.record("export", user, target="export:customer_list", ip=ip, rows=count,
                        format=fmt, full_id_numbers=bool(full_ids),
                        filters={k: v for k, v in (filters or {}).items() if v})
    return count
