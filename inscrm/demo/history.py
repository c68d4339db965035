"""A year of segment history for the demo: the real engine evaluated once a month.

The demo's policies, claims and contacts reach years back, so evaluating them as of the end of
each of the last thirteen months, then as of today, gives the history a branch would have after a
year of daily use: the Sankey, the flows, the funnel and the scorecards have data on the first run.
"""

import datetime as dt

from inscrm.segments import engine

# the month ends of the last thirteen months: the oldest lies over a year back, so the reports'
# twelve-month and calendar-year periods start with every customer already in a segment
MONTHS = 13


def month_ends(today, months=MONTHS):
    """The last day of each of the `months` months before today's month, oldest first."""
    ends = []
    end = today.replace(day=1) - dt.timedelta(days=1)
    for _ in range(months):
        ends.append(end)
        end = end.replace(day=1) - dt.timedelta(days=1)
    return ends[::-1]


def build(today, months=MONTHS):
    """Evaluate every customer as of each month end, then as of today; returns the dates."""
    dates = [*month_ends(today, months), today]
    for day in dates:
        engine.classify(day)
    return dates
