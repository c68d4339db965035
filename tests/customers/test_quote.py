"""The quote check: known, unknown and blacklisted people, by ID number or plate, advisory."""

import datetime as dt
from decimal import Decimal

import pytest

from inscrm.customers import quote
from inscrm.models import AuditLog, BlacklistEntry, Vehicle
from inscrm.segments import rules
from inscrm.validators import Invalid, uscc_check_char
from tests.helpers import make_claim, make_customer, make_policy, resident_id

AS_OF = dt.date(2026, 6, 30)


def uscc(body="91330402MA2B3C4D5"):
    return body + uscc_check_char(body)


@pytest.mark.parametrize("typed, expected", [
    (" 浙f12345 ", ("plate", "浙F12345")),
    ("浙FD12345", ("plate", "浙FD12345")),
    ("e12345678", ("id_number", "E12345678")),
])
def test_parse_query_plates_and_other_documents(typed, expected):
    assert quote.parse_query(typed) == expected


def test_parse_query_checks_resident_ids_and_credit_codes():
    number = resident_id("19800101")
    assert quote.parse_query(number.lower()) == ("id_number", number)
    assert quote.parse_query(uscc()) == ("id_number", uscc())
    for bad, words in [("", "Type an ID number"), (number[:17] + "0" if number[17] != "0"
                                                   else number[:17] + "1", "check digit"),
                       ("浙12345", "licence plate"), ("91330402MA2B3C4D5Z", "credit code"),
                       ("a b", "5 to 32"), (number[:17], "17 digits")]:
        with pytest.raises(Invalid, match=words):
            quote.parse_query(bad)


def test_a_known_customer_with_figures_and_the_segment_advice(ctx):
    number = resident_id("19700202")
    customer = make_customer(id_number=number, segment="key", name="王五",
                             segment_reason={"msg": "annual premium %(premium)s ≥ %(limit)s",
                                             "params": {"premium": "¥62,400.00",
                                                        "limit": "¥50,000.00"}})
    old = make_policy(customer, start=dt.date(2024, 7, 1), premium="30000.00")
    current = make_policy(customer, start=dt.date(2025, 7, 1), premium="62400.00")
    make_policy(customer, start=dt.date(2025, 8, 1), premium="999.00", cancelled=True)
    make_policy(customer, start=dt.date(2025, 9, 1), premium="5000.00", insurer="某财险")
    make_policy(customer, start=dt.date(2026, 12, 1), premium="1.00")  # after the check's date
    make_claim(old, loss_date=dt.date(2024, 9, 1), paid="3000.00")
    make_claim(current, loss_date=dt.date(2025, 10, 1), paid="1000.00", reserve="234.56")
    make_claim(current, loss_date=dt.date(2025, 11, 1), paid="9000.00", status="declined")

    result = quote.check(number, as_of=AS_OF)

    assert result.known and result.kind == "id_number" and result.entries == []
    [person] = result.people
    assert person.customer.id == customer.id
    assert (person.policies, person.in_force, person.claims, person.claims_12m) == (3, 1, 3, 1)
    assert person.premium == Decimal("92400.00")
    assert person.incurred == Decimal("4234.56")
    assert person.loss_ratio == Decimal("4234.56") / Decimal("92400")
    # 12 months: policies whose cover overlaps (2025-06-30, 2026-06-30]; the old one ended on
    # 2025-06-30, so only the current one counts: 1234.56 / 62400 = 0.019785…
    assert person.loss_ratio_12m == Decimal("1234.56") / Decimal("62400")
    assert result.advice == {"action": "accept_discount", "discount_max": Decimal("0.15"),
                             "reasons": [{"msg": "as the settings advise for this segment",
                                          "params": {}}]}
    assert result.shown == number[:6] + "********" + number[-4:]
    audit = AuditLog.get(AuditLog.action == "quote_check")
    assert audit.target == f"customer:{customer.uid}"
    assert audit.details["query"] == result.shown and number not in str(audit.details)
    assert audit.details["advice"] == "accept_discount"


def test_an_unknown_person_gets_the_floating_advice(ctx):
    result = quote.check(resident_id("19900303"), as_of=AS_OF)
    assert not result.known and result.people == [] and result.entries == []
    assert result.advice["action"] == "accept"
    assert result.advice["reasons"][0]["msg"].startswith("not known to us")
    assert AuditLog.get(AuditLog.action == "quote_check").details["customers"] == []


def test_a_blacklisted_id_number_is_declined_even_unknown_here(ctx):
    number = resident_id("19660606")
    entry = BlacklistEntry.create(id_number=number, reason="fraud", unit="海宁支公司",
                                  reported_on=dt.date(2025, 5, 1))
    result = quote.check(number, as_of=AS_OF)
    assert not result.known and result.entries == [entry]
    assert result.advice["action"] == "decline"

    customer = make_customer(id_number=number, segment="quality")
    result = quote.check(number, as_of=AS_OF)
    assert result.known and result.people[0].customer.id == customer.id
    assert result.advice["action"] == "decline"


def test_a_high_twelve_month_loss_ratio_refers_to_the_manager(ctx):
    customer = make_customer(segment="standard")
    policy = make_policy(customer, start=dt.date(2026, 1, 1), premium="1000.00")
    make_claim(policy, loss_date=dt.date(2026, 3, 1), paid="1000.01")
    result = quote.check(customer.id_number, as_of=AS_OF)
    assert result.people[0].loss_ratio_12m == Decimal("1.00001")  # exact, not rounded
    assert result.advice["action"] == "refer"
    assert result.advice["reasons"][0]["params"] == {"ratio": "100.1%", "limit": "100.0%"}
    rules.save({"quote_refer_loss_ratio": "1.50"})
    assert quote.check(customer.id_number, as_of=AS_OF).advice["action"] == "accept"


def test_the_advice_comes_from_the_settings_per_segment(ctx):
    customer = make_customer(segment="quality")
    advice = dict(rules.current()["quote_recommendations"], quality={"action": "refer"})
    rules.save({"quote_recommendations": advice})
    assert quote.check(customer.id_number, as_of=AS_OF).advice["action"] == "refer"


def test_a_plate_finds_the_owner_and_the_owners_blacklist_entries(ctx):
    owner = make_customer(segment="standard")
    Vehicle.create(customer=owner, plate="浙F12345")
    BlacklistEntry.create(customer=owner, reason="catastrophe", reported_on=dt.date(2026, 1, 1))
    result = quote.check("浙f 12345", as_of=AS_OF)
    assert result.kind == "plate" and result.shown == "浙F12345"
    assert [p.customer.id for p in result.people] == [owner.id]
    assert [e.reason for e in result.entries] == ["catastrophe"]
    assert result.advice["action"] == "decline"
    assert quote.check("浙F99999", as_of=AS_OF).known is False


def test_a_malformed_query_is_refused_and_not_audited(ctx):
    with pytest.raises(Invalid):
        quote.check("12#4")
    assert not AuditLog.select().where(AuditLog.action == "quote_check").exists()
