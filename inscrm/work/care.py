"""Care lists: birthdays, policy anniversaries and festival greetings for valued customers.

For a date range (crossing the year end is fine) and the key and quality customers a user may
see: birthdays of individuals (the recorded birth date, else the one in the resident ID number),
the anniversaries of each customer's first policy with us, and the Spring Festival (春节) and the
Mid-Autumn Festival (中秋) greetings. Someone born on 29 February (or whose first policy started
then) is greeted on 28 February in years that have no 29 February, so nobody is forgotten.

Messages are in Chinese whatever the UI language, because the office sends its SMS in Chinese;
the CSV (UTF-8 with BOM, CRLF, as Excel and SMS tools in China read it) carries name, phone,
occasion, date and message for an office's SMS tool.
"""

import calendar
import csv
import datetime as dt
import io
from dataclasses import dataclass

from peewee import JOIN, fn

from inscrm.cells import csv_row
from inscrm.i18n import N_
from inscrm.models import Customer, Policy
from inscrm.validators import Invalid, resident_id_birth_date

D = dt.date
# Gregorian dates of 春节 (1st day of the 1st lunar month) and 中秋 (15th day of the 8th),
# from the Chinese calendar as published (checked against two independent lunar calendars).
FESTIVALS = {
    2020: (D(2020, 1, 25), D(2020, 10, 1)), 2021: (D(2021, 2, 12), D(2021, 9, 21)),
    2022: (D(2022, 2, 1), D(2022, 9, 10)), 2023: (D(2023, 1, 22), D(2023, 9, 29)),
    2024: (D(2024, 2, 10), D(2024, 9, 17)), 2025: (D(2025, 1, 29), D(2025, 10, 6)),
    2026: (D(2026, 2, 17), D(2026, 9, 25)), 2027: (D(2027, 2, 6), D(2027, 9, 15)),
    2028: (D(2028, 1, 26), D(2028, 10, 3)), 2029: (D(2029, 2, 13), D(2029, 9, 22)),
    2030: (D(2030, 2, 3), D(2030, 9, 12)), 2031: (D(2031, 1, 23), D(2031, 10, 1)),
    2032: (D(2032, 2, 11), D(2032, 9, 19)), 2033: (D(2033, 1, 31), D(2033, 9, 8)),
    2034: (D(2034, 2, 19), D(2034, 9, 27)), 2035: (D(2035, 2, 8), D(2035, 9, 16)),
    2036: (D(2036, 1, 28), D(2036, 10, 4)), 2037: (D(2037, 2, 15), D(2037, 9, 24)),
    2038: (D(2038, 2, 4), D(2038, 9, 13)), 2039: (D(2039, 1, 24), D(2039, 10, 2)),
    2040: (D(2040, 2, 12), D(2040, 9, 20)),
}
CARE_SEGMENTS = ("key", "quality")
OCCASIONS = {  # code: (UI msgid, the word in the CSV and the SMS)
    "birthday": (N_("Birthday"), "生日"),
    "anniversary": (N_("Policy anniversary"), "保单周年"),
    "spring_festival": (N_("Spring Festival"), "春节"),
    "mid_autumn": (N_("Mid-Autumn Festival"), "中秋"),
}
MAX_DAYS = 366
CSV_COLUMNS = ("name", "phone", "occasion", "date", "message")


@dataclass
class CareItem:
    customer_id: int
    name: str
    phone: str
    segment: str
    occasion: str
    date: dt.date
    years: int | None  # an anniversary's years with us
    message: str


def anniversary(month, day, year):
    """The date of a yearly occasion in `year`; 29 February falls on 28 February when needed."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return D(year, 2, 28)
    return D(year, month, day)


def occurrences(origin, first, last):
    """The dates in [first, last] on which the yearly occasion of `origin` falls (after it)."""
    found = []
    for year in range(first.year, last.year + 1):
        day = anniversary(origin.month, origin.day, year)
        if first <= day <= last and day > origin:
            found.append(day)
    return found


def festivals(first, last):
    """[(occasion, date)] of the festivals in [first, last] (known for 2020–2040)."""
    found = []
    for year in range(first.year, last.year + 1):
        if year in FESTIVALS:
            spring, autumn = FESTIVALS[year]
            found += [(code, day) for code, day in (("spring_festival", spring),
                                                    ("mid_autumn", autumn))
                      if first <= day <= last]
    return found


def check_range(first, last):
    if last < first:
        raise Invalid(N_("The end date is before the start date."))
    if (last - first).days >= MAX_DAYS:
        raise Invalid(N_("Choose at most %(days)s days."), days=MAX_DAYS)


def birth_date(kind, id_type, id_number, recorded):
    """The recorded birth date, else the one written in a resident ID number (individuals)."""
    if kind != "individual":
        return None
    if recorded:
        return recorded
    if id_type == "resident_id" and id_number and len(id_number) == 18:
        return resident_id_birth_date(id_number)
    return None


def salutation(name, kind, id_type, id_number):
    """张三先生 / 李四女士 from the resident ID's sex digit; the plain name otherwise."""
    if kind == "individual" and id_type == "resident_id" and id_number and len(id_number) == 18:
        return name + ("先生" if int(id_number[16]) % 2 else "女士")
    return name


def message(occasion, who, years=None, signature=""):
    """The SMS text, in Chinese, with the customer's name."""
    sign = f"——{signature}" if signature else ""
    if occasion == "birthday":
        return f"尊敬的{who}：祝您生日快乐，身体健康，万事如意！{sign}"
    if occasion == "anniversary":
        return (f"尊敬的{who}：感谢您与我们相伴{years}年，"
                f"我们将一如既往为您提供贴心的保险服务。{sign}")
    if occasion == "spring_festival":
        return f"尊敬的{who}：值此新春佳节，恭祝您阖家幸福，新年大吉，万事如意！{sign}"
    return f"尊敬的{who}：中秋佳节，月圆人圆，恭祝您阖家团圆，幸福安康！{sign}"


def _rows(customers):
    """The care segments' customers with what the lists need, in one query."""
    cared_for = Customer.select(Customer.id).where(Customer.segment.in_(CARE_SEGMENTS))
    first_policy = (
        Policy.ours()
        .select(Policy.customer.alias("customer_id"), fn.MIN(Policy.start_date).alias("start"))
        .where(Policy.customer.in_(cared_for))
        .group_by(Policy.customer)
        .alias("first_policy")
    )
    return (
        customers
        .select(Customer.id, Customer.name, Customer.phone, Customer.segment, Customer.kind,
                Customer.id_type, Customer.id_number, Customer.birth_date,
                first_policy.c.start.alias("start"))
        .join(first_policy, JOIN.LEFT_OUTER, on=(first_policy.c.customer_id == Customer.id))
        .where(Customer.segment.in_(CARE_SEGMENTS), Customer.merged_into.is_null())
        .order_by(Customer.name_key, Customer.id)
        .tuples()
    )


def care_list(customers, first, last, signature=""):
    """[CareItem] of `customers` (a Customer query, e.g. Customer.visible_to(user)) in [first,
    last], ordered by date, occasion and name."""
    check_range(first, last)
    days_of_festivals = festivals(first, last)
    items = []
    for cid, name, phone, segment, kind, id_type, id_number, born, start in _rows(customers):
        occasions = list(days_of_festivals)
        born = birth_date(kind, id_type, id_number, born)
        if born:
            occasions += [("birthday", day) for day in occurrences(born, first, last)]
        if start:
            start = start if isinstance(start, dt.date) else D.fromisoformat(str(start)[:10])
            occasions += [("anniversary", day) for day in occurrences(start, first, last)]
        who = salutation(name, kind, id_type, id_number)
        for occasion, day in occasions:
            years = day.year - start.year if occasion == "anniversary" else None
            items.append(CareItem(cid, name, phone or "", segment, occasion, day, years,
                                  message(occasion, who, years, signature)))
    order = list(OCCASIONS)
    items.sort(key=lambda i: (i.date, order.index(i.occasion), i.name, i.customer_id))
    return items


def to_csv(items):
    """The SMS tool's CSV: UTF-8 with BOM, CRLF; items without a phone number are left out."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row(CSV_COLUMNS))
    for item in items:
        if item.phone:
            writer.writerow(csv_row([item.name, item.phone, OCCASIONS[item.occasion][1],
                                     item.date.isoformat(), item.message]))
    return out.getvalue()
