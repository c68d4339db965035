import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inscrm.validators import (
    Invalid,
    mask_id_number,
    parse_date,
    parse_money,
    parse_phone,
    parse_plate,
    parse_resident_id,
    parse_uscc,
    resident_id_check_digit,
    uscc_check_char,
)


def test_resident_id_check_digit_and_birth_date():
    assert parse_resident_id("11010519491231002x") == "11010519491231002X"  # GB 11643 example
    with pytest.raises(Invalid, match="check digit"):
        parse_resident_id("110105194912310021")
    with pytest.raises(Invalid, match="birth date"):
        first17 = "33040219800230123"  # 30 February
        parse_resident_id(first17 + resident_id_check_digit(first17))
    future = "3304022999010112" + "3"
    with pytest.raises(Invalid):
        parse_resident_id(future + resident_id_check_digit(future))
    with pytest.raises(Invalid, match="17 digits"):
        parse_resident_id("33040219800101")


@given(st.from_regex(r"[1-6]\d{5}(19[5-9]\d|200\d)(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}",
                     fullmatch=True))
def test_every_generated_resident_id_validates(first17):
    number = first17 + resident_id_check_digit(first17)
    assert parse_resident_id(number) == number
    wrong = "X" if number[-1] != "X" else "0"
    with pytest.raises(Invalid):
        parse_resident_id(number[:17] + wrong)


def test_uscc_check_character():
    code = "91330402MA2B" + "12345"
    full = code + uscc_check_char(code)
    assert parse_uscc(full.lower()) == full
    other = "0" if full[-1] != "0" else "1"
    with pytest.raises(Invalid, match="check character"):
        parse_uscc(full[:17] + other)
    with pytest.raises(Invalid):
        parse_uscc("91330402MA2B12345I")  # I is not allowed


def test_known_uscc_examples():
    # published codes of real companies (check characters verified by hand)
    for code in ("91110000802100433B", "91440300708461136T"):
        assert parse_uscc(code) == code


@pytest.mark.parametrize("raw,clean", [
    ("13812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"),
    ("0573-82345678", "0573-82345678"), ("057382345678", "057382345678"),
    ("010-12345678-123", "010-12345678-123"),
])
def test_phones(raw, clean):
    assert parse_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "82345678", "abc"])
def test_bad_phones(raw):
    with pytest.raises(Invalid):
        parse_phone(raw)


@pytest.mark.parametrize("raw,clean", [
    ("浙F12345", "浙F12345"), ("浙f·a1234", "浙FA1234"), ("浙FD12345", "浙FD12345"),
    ("浙F12345D", "浙F12345D"), ("浙F1234挂", "浙F1234挂"),
])
def test_plates(raw, clean):
    assert parse_plate(raw) == clean


@pytest.mark.parametrize("raw", ["F12345", "浙F1234", "浙FI2345", "浙F123456", "XX12345"])
def test_bad_plates(raw):
    with pytest.raises(Invalid):
        parse_plate(raw)


def test_money():
    assert parse_money("12,345.60") == Decimal("12345.60")
    assert parse_money("¥0") == Decimal("0.00")
    for bad, words in [("-1", "negative"), ("1.234", "two decimals"), ("abc", "money"),
                       ("NaN", "money")]:
        with pytest.raises(Invalid, match=words):
            parse_money(bad)


def test_dates():
    assert parse_date("2024/2/29") == dt.date(2024, 2, 29)
    assert parse_date(dt.datetime(2024, 1, 2, 3, 4)) == dt.date(2024, 1, 2)
    for bad in ("2023-02-29", "29.02.2024", ""):
        with pytest.raises(Invalid):
            parse_date(bad)


def test_mask():
    assert mask_id_number("330402198001011236") == "330402********1236"
    assert mask_id_number("") == ""
