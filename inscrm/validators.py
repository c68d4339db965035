"""Checks a Chinese insurer relies on: resident ID and credit codes, phones, plates, money, dates.

Each `parse_*` function returns the clean value or raises `Invalid`, whose message is an English
gettext msgid (marked with `N_`) plus its parameters; the web translates it, the CLI prints it.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from inscrm.i18n import N_


class Invalid(ValueError):
    words = ()  # the params that are msgids themselves, worded in the reader's language too

    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


# --- resident identity card (GB 11643) -------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_check_digit(first17):
    """The 18th character of a resident ID number from its first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_resident_id(value, today=None):
    """An 18-digit resident ID number, upper-case X, with a valid birth date and check digit."""
    number = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise Invalid(N_("A resident ID number has 17 digits and a digit or X."))
    birth = resident_id_birth_date(number)
    if birth is None or birth > (today or dt.date.today()) or birth.year < 1900:
        raise Invalid(N_("The birth date in this ID number is not a real date."))
    if resident_id_check_digit(number[:17]) != number[17]:
        raise Invalid(N_("The check digit of this ID number is wrong."))
    return number


def resident_id_birth_date(number):
    """The birth date written in a resident ID number, or None if it is not a date."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


# --- unified social credit code (GB 32100-2015) ----------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17):
    """The 18th character of a unified social credit code from its first 17."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def parse_uscc(value):
    """An 18-character unified social credit code with a valid check character."""
    code = value.strip().upper()
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        raise Invalid(N_("A unified social credit code has 18 characters (digits and letters "
                         "except I, O, S, V, Z)."))
    if uscc_check_char(code[:17]) != code[17]:
        raise Invalid(N_("The check character of this credit code is wrong."))
    return code


def parse_id_number(id_type, value):
    """Check an ID number by its type; passports and other documents are only trimmed."""
    if id_type == "resident_id":
        return parse_resident_id(value)
    if id_type == "uscc":
        return parse_uscc(value)
    number = value.strip().upper()
    if not re.fullmatch(r"[0-9A-Z\-]{5,32}", number):
        raise Invalid(N_("An ID number has 5 to 32 letters or digits."))
    return number


# --- phones and plates ----------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")


def parse_phone(value):
    """A mainland mobile (13812345678) or landline (0573-82345678, extension allowed)."""
    phone = re.sub(r"[\s()（）]", "", value.strip())
    if phone.startswith("+86"):
        phone = phone[3:]
    if _MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone):
        return phone
    raise Invalid(N_("Not a mobile number (11 digits starting with 1) or a landline "
                     "(area code and number, e.g. 0573-82345678)."))


PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"[{PROVINCES}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]"
                    r"|[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF])")


def parse_plate(value):
    """A licence plate: 浙F12345, or new-energy 浙FD12345 / 浙F12345D."""
    plate = re.sub(r"[\s·\-]", "", value.strip()).upper()
    if not _PLATE.fullmatch(plate):
        raise Invalid(N_("Not a licence plate (e.g. 浙F12345, new energy 浙FD12345)."))
    return plate


# --- money and dates ------------------------------------------------------------------------


MAX_MONEY = Decimal("1e12")  # yuan; no premium, sum insured or claim reaches a trillion
_MONEY_TEXT = 32  # characters an amount is written in, at most


def parse_money(value, allow_negative=False):
    """A non-negative amount in yuan with at most two decimals; `12,345.60` is accepted.

    Infinity, NaN, exponents beyond any amount (1e400) and overlong digit strings are refused
    before any arithmetic, so no amount can overflow the decimal context."""
    if isinstance(value, Decimal | int):
        amount = Decimal(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").lstrip("¥￥")
        if len(text) > _MONEY_TEXT:
            raise Invalid(N_("This amount is too large."))
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise Invalid(N_("Not an amount of money.")) from None
    if not amount.is_finite():
        raise Invalid(N_("Not an amount of money."))
    if amount < 0 and not allow_negative:
        raise Invalid(N_("An amount cannot be negative."))
    if abs(amount) >= MAX_MONEY:
        raise Invalid(N_("This amount is too large."))
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise Invalid(N_("An amount has at most two decimals."))
    return amount.quantize(Decimal("0.01"))


def parse_date(value):
    """A date written YYYY-MM-DD or YYYY/MM/DD (a date object passes through)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            pass
    raise Invalid(N_("Not a date (YYYY-MM-DD)."))


def check_period(start, end):
    """An end date on or after the start date."""
    if end < start:
        raise Invalid(N_("The end date is before the start date."))


FIRST_POLICY_YEAR = 1990  # no policy of ours or a competitor's starts earlier
POLICY_AHEAD_YEARS = 2  # a policy may be written this far ahead of its start
POLICY_LONGEST_YEARS = 5  # the longest cover a policy gives (engineering, multi-year property)


def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def policy_period_problem(start, end, today=None):
    """(field, Invalid) for a policy period no insurer writes, or None: a start from 1990 to
    two years ahead, an end on or after it and at most five years later."""
    today = today or dt.date.today()
    if start is not None:
        latest = _years_after(today, POLICY_AHEAD_YEARS)
        if not dt.date(FIRST_POLICY_YEAR, 1, 1) <= start <= latest:
            return "start_date", Invalid(
                N_("A policy starts between %(first)s and %(last)s."),
                first=f"{FIRST_POLICY_YEAR}-01-01", last=latest.isoformat())
    if start is not None and end is not None:
        if end < start:
            return "end_date", Invalid(N_("The end date is before the start date."))
        if end > _years_after(start, POLICY_LONGEST_YEARS):
            return "end_date", Invalid(N_("A policy ends at most %(n)s years after its start."),
                                       n=POLICY_LONGEST_YEARS)
    return None


def parse_choice(value, choices):
    """One of the allowed codes."""
    code = value.strip()
    if code not in choices:
        raise Invalid(N_("Unknown value %(value)s; expected one of %(choices)s."),
                      value=code, choices=", ".join(choices))
    return code


def mask_id_number(number):
    """An ID number with its middle hidden: 330402********1234."""
    if not number:
        return ""
    if len(number) <= 8:
        return number[:2] + "*" * (len(number) - 2)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
