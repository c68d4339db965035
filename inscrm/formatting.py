"""How figures read in the UI: money ¥12,345.60, dates YYYY-MM-DD, ratios 182.5%, 万元 axes."""

import datetime as dt
from decimal import ROUND_CEILING, Decimal


def money(value):
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def date(value):
    """Every date shown, one way: 2026-03-01, and a moment 2026-03-01 09:30 (also one kept as
    ISO text, as the cached figures keep theirs)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and len(value) > 10:
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def percent(value, places=1):
    if value is None:
        return "—"
    return f"{Decimal(str(value)) * 100:.{places}f}%"


def loss_ratio(value):
    """A loss ratio as every page, export and reason prints it: one decimal, rounded up, so a
    ratio just over a limit never reads as the limit (150.01% -> 150.1%); "—" without premium."""
    if value is None:
        return "—"
    tenths = (Decimal(str(value)) * 1000).to_integral_value(rounding=ROUND_CEILING)
    return f"{tenths / 10:.1f}%"


def wan(value):
    """Yuan as 万元 (ten thousands) for chart axes, two decimals: 123456.78 -> 12.35."""
    return float((Decimal(str(value or 0)) / 10000).quantize(Decimal("0.01")))
