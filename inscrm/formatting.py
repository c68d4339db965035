"""How figures read in the UI: money ¥12,345.60, dates YYYY-MM-DD, ratios 182.5%."""

import datetime as dt
from decimal import Decimal


def money(value):
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def date(value):
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def percent(value, places=1):
    if value is None:
        return "—"
    return f"{Decimal(str(value)) * 100:.{places}f}%"
