"""Exports that open in Excel and WPS: customers with segment and reason, policies due for
renewal, and the segment migration between two dates.

CSV is written as UTF-8 with a BOM and CRLF line ends (what Excel and WPS in China open without
garbling the Chinese); XLSX in openpyxl's write-only mode. Rows stream from the database, so a
large export does not sit in memory. Every cell goes through `inscrm.cells`, so no text becomes a
formula. Every export is written to the audit log, and ID numbers are masked unless the caller
says the reader may see them.
"""

import csv
import io
from pathlib import Path

from peewee import JOIN, fn

from inscrm import cells
from inscrm.customers import search
from inscrm.db.transactions import writing
from inscrm.i18n import N_
from inscrm.models import AuditLog, Customer, CustomerRef, Policy, SegmentChange, Township, User
from inscrm.segments.reasons import describe
from inscrm.validators import Invalid, mask_id_number

# The customers template's columns first (an export imports back), then what the CRM adds.
CUSTOMER_COLUMNS = (
    "customer_ref", "kind", "name", "id_type", "id_number", "phone", "address", "township",
    "industry", "source", "credit", "intermediary_type", "manager",
    "segment", "segment_reason", "segment_date", "annual_premium",
)
RENEWAL_COLUMNS = (
    "policy_no", "customer_ref", "name", "phone", "product", "premium", "start_date",
    "end_date", "manager", "segment",
)
MIGRATION_COLUMNS = ("from_segment", "to_segment", "flow", "customers")
FILTERS = ("q", "segment", "township", "manager", "source", "kind")


def _plain(message):
    return message


def filtered_customers(query, filters):
    """The customer list's search and filters (q, segment, township id, manager id, source,
    kind) applied by the list's own search, so an export holds exactly the rows of the list."""
    filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v not in (None, "")}
    for name in ("township", "manager"):
        if name in filters and not str(filters[name]).strip().isdigit():
            raise Invalid(N_("Not a valid filter value: %(value)s."), value=filters[name])
    return search.matching(query, search.Query.from_args(filters))


def refs_table(source):
    """Each customer's reference in `source` (the smallest when there are several), as a table
    to join: one grouped pass over the references, not a sub-query per customer."""
    return (CustomerRef.select(CustomerRef.customer.alias("customer_id"),
                               fn.MIN(CustomerRef.ref).alias("ref"))
            .where(CustomerRef.source == source, ~CustomerRef.deleted)
            .group_by(CustomerRef.customer)
            .alias("refs"))


def customer_table(query, columns, full_ids, translate, source="core"):
    """Rows of a customer query in name order, as a stream: `columns(manager, ref)` names what
    to select, given the account manager (a User alias) and the customer's reference in
    `source`; the columns Customer.id_number and Customer.segment_reason come out masked
    (unless `full_ids`) and worded."""
    manager, refs = User.alias(), refs_table(source)
    fields = columns(manager, fn.COALESCE(refs.c.ref, Customer.uid))
    # by identity: a peewee field's == builds an expression
    id_at, reason_at = ([i for i, f in enumerate(fields) if f is column][0]
                        for column in (Customer.id_number, Customer.segment_reason))
    rows = (query.select(*fields)
            .join_from(Customer, Township, JOIN.LEFT_OUTER)
            .join_from(Customer, manager, JOIN.LEFT_OUTER, on=(Customer.manager == manager.id))
            .join_from(Customer, refs, JOIN.LEFT_OUTER, on=(refs.c.customer_id == Customer.id))
            .order_by(Customer.name_key, Customer.id)
            .tuples())
    for row in rows.iterator():
        row = list(row)
        if not full_ids:
            row[id_at] = mask_id_number(row[id_at])
        row[reason_at] = describe(row[reason_at], translate)
        yield row


def customer_rows(query, full_ids=False, translate=_plain, source="core"):
    """Rows of CUSTOMER_COLUMNS for a customer query, in name order, as a stream."""
    return customer_table(query, lambda manager, ref: [
        ref, Customer.kind, Customer.name, Customer.id_type, Customer.id_number,
        Customer.phone, Customer.address, Township.name, Customer.industry, Customer.source,
        Customer.credit, Customer.intermediary_type, manager.username, Customer.segment,
        Customer.segment_reason, Customer.segment_date, Customer.annual_premium,
    ], full_ids, translate, source)


def renewal_rows(query_customers, first, last, source="core"):
    """Our policies, not cancelled, ending between two dates, of the customers in the query."""
    manager, refs = User.alias(), refs_table(source)
    rows = (Policy.expiring(first, last)
            .select(Policy.policy_no, fn.COALESCE(refs.c.ref, Customer.uid), Customer.name,
                    Customer.phone, Policy.product, Policy.premium, Policy.start_date,
                    Policy.end_date, manager.username, Customer.segment)
            .join_from(Policy, Customer)
            .join_from(Customer, manager, JOIN.LEFT_OUTER, on=(Customer.manager == manager.id))
            .join_from(Customer, refs, JOIN.LEFT_OUTER, on=(refs.c.customer_id == Customer.id))
            .where(Customer.id.in_(query_customers.select(Customer.id)))
            .tuples())
    return rows.iterator()


def migration_rows(first, last):
    """How many customers moved from which segment to which, with the flow, between two dates."""
    count = fn.COUNT(fn.DISTINCT(SegmentChange.customer))
    return (SegmentChange.live()
            .select(SegmentChange.from_segment, SegmentChange.to_segment, SegmentChange.flow,
                    count)
            .where(SegmentChange.changed_on.between(first, last))
            .group_by(SegmentChange.from_segment, SegmentChange.to_segment, SegmentChange.flow)
            .order_by(count.desc())
            .tuples()
            .iterator())


def write_table(target, headers, rows, fmt):
    """Write headers and rows to a path or a binary stream as `csv` or `xlsx`; return the count."""
    if fmt == "xlsx":
        return _write_xlsx(target, headers, rows)
    stream = open(target, "wb") if isinstance(target, str | Path) else target  # noqa: SIM115
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(cells.csv_row(headers))
        count = 0
        for row in rows:
            writer.writerow(cells.csv_row(row))
            count += 1
        text.flush()
        text.detach()
        return count
    finally:
        if stream is not target:
            stream.close()


def _write_xlsx(target, headers, rows):
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(cells.xlsx_row(sheet, headers))
    count = 0
    for row in rows:
        sheet.append(cells.xlsx_row(sheet, row))
        count += 1
    book.save(target)
    return count


def format_of(path):
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise Invalid(N_("An export file ends in .csv or .xlsx: %(file)s"), file=str(path))
    return suffix[1:]


def export(what, target, fmt, user=None, full_ids=False, filters=None, first=None, last=None,
           translate=_plain, ip=""):
    """Write one export (customers, renewals or migration) and record it in the audit log."""
    scope = Customer.visible_to(user) if user is not None else Customer.live()
    if what == "customers":
        headers, rows = CUSTOMER_COLUMNS, customer_rows(
            filtered_customers(scope, filters), full_ids, translate)
    elif what == "renewals":
        if first is None or last is None or last < first:
            raise Invalid(N_("A renewal export needs a period: a start date and an end date "
                             "on or after it."))
        headers, rows = RENEWAL_COLUMNS, renewal_rows(filtered_customers(scope, filters),
                                                      first, last)
    elif what == "migration":
        if first is None or last is None or last < first:
            raise Invalid(N_("A migration export needs a period: a start date and an end date "
                             "on or after it."))
        headers, rows = MIGRATION_COLUMNS, migration_rows(first, last)
    else:
        raise Invalid(N_("Unknown export %(what)s."), what=what)
    count = write_table(target, headers, rows, fmt)
    with writing():
        AuditLog.record("export", user, target=f"export:{what}", ip=ip, rows=count,
                        format=fmt, full_id_numbers=bool(full_ids and what == "customers"),
                        filters={k: v for k, v in (filters or {}).items() if v},
                        period=[str(first), str(last)] if first else None)
    return count
