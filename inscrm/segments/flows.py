"""The migration matrix: how customers moved between segments from one date to another."""

from decimal import Decimal

from inscrm.db import dialect
from inscrm.models import SEGMENTS
from inscrm.segments.engine import FLOW_OF, FLOWS

NEW = ""  # not yet evaluated on the first date


def _latest(param):
    """Each customer's segment as of a date: the newest history row on or before it."""
    return f"""
        SELECT customer_id, to_segment, annual_premium FROM (
            SELECT customer_id, to_segment, annual_premium,
                   ROW_NUMBER() OVER (PARTITION BY customer_id
                                      ORDER BY changed_on DESC, id DESC) AS newest
            FROM segment_change WHERE NOT deleted AND changed_on <= :{param}) AS ranked
        WHERE newest = 1"""


def matrix(first, second):
    """Cells {(from, to): {"count", "premium", "flow"}} between two dates (from NEW if unseen).

    Premium is the annual premium recorded with each customer's segment on the second date.
    """
    if second < first:
        first, second = second, first
    rows = dialect.execute(f"""
        SELECT coalesce(a.to_segment, ''), b.to_segment, count(*), sum(b.annual_premium)
        FROM ({_latest('second')}) b LEFT JOIN ({_latest('first')}) a
            ON a.customer_id = b.customer_id
        GROUP BY 1, 2""", {"first": dialect.date_value(first),
                          "second": dialect.date_value(second)})
    return {
        (old, new): {
            "count": n,
            "premium": Decimal(cents or 0) / 100,
            "flow": FLOW_OF.get((old, new)),
        }
        for old, new, n, cents in rows
    }


def flows(cells):
    """Totals per named flow: [(flow, customers, premium)] in the order of DESIGN §2."""
    totals = {flow: [0, Decimal("0.00")] for flow in FLOWS}
    for cell in cells.values():
        if cell["flow"]:
            totals[cell["flow"]][0] += cell["count"]
            totals[cell["flow"]][1] += cell["premium"]
    return [(flow, n, premium) for flow, (n, premium) in totals.items()]


ROWS = (NEW, *SEGMENTS)
