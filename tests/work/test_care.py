"""Care lists on a hand-made data set that crosses a year end and 29 February."""

import csv
import datetime as dt
import io

import pytest

from inscrm.models import Customer
from inscrm.validators import Invalid
from inscrm.work import care
from tests.helpers import make_customer, make_policy, make_township, make_user, resident_id

D = dt.date


def test_festival_dates_are_the_published_ones():
    assert care.FESTIVALS[2025] == (D(2025, 1, 29), D(2025, 10, 6))
    assert care.FESTIVALS[2026] == (D(2026, 2, 17), D(2026, 9, 25))
    assert care.FESTIVALS[2020] == (D(2020, 1, 25), D(2020, 10, 1))
    assert care.FESTIVALS[2033] == (D(2033, 1, 31), D(2033, 9, 8))
    assert sorted(care.FESTIVALS) == list(range(2020, 2041))
    for year, (spring, autumn) in care.FESTIVALS.items():
        # 春节 falls between 21 January and 20 February, 中秋 between 7 September and 8 October
        assert D(year, 1, 21) <= spring <= D(year, 2, 20), year
        assert D(year, 9, 7) <= autumn <= D(year, 10, 8), year
        assert spring.year == autumn.year == year


def test_29_february_falls_on_28_february_in_common_years():
    assert care.anniversary(2, 29, 2027) == D(2027, 2, 28)
    assert care.anniversary(2, 29, 2028) == D(2028, 2, 29)
    assert care.anniversary(2, 28, 2028) == D(2028, 2, 28)
    leapling = D(1992, 2, 29)
    assert care.occurrences(leapling, D(2027, 2, 1), D(2028, 3, 31)) == [D(2027, 2, 28),
                                                                         D(2028, 2, 29)]
    # across a year end: one occurrence in each year of the range
    assert care.occurrences(D(1980, 12, 31), D(2026, 12, 20), D(2027, 1, 10)) == [D(2026, 12, 31)]
    assert care.occurrences(D(1980, 1, 2), D(2026, 12, 20), D(2027, 1, 10)) == [D(2027, 1, 2)]
    # the day itself is no anniversary
    assert care.occurrences(D(2027, 1, 2), D(2026, 12, 20), D(2027, 1, 10)) == []


def test_festivals_in_a_range_across_the_year_end():
    assert care.festivals(D(2025, 9, 1), D(2026, 2, 28)) == [
        ("mid_autumn", D(2025, 10, 6)), ("spring_festival", D(2026, 2, 17))]
    assert care.festivals(D(2041, 1, 1), D(2041, 12, 31)) == []


@pytest.fixture
def people(ctx):
    """Key and quality customers with birthdays and first policies around a year end and 29 Feb."""
    made = {
        "new_year_eve": make_customer(name="张三", segment="key",
                                      id_number=resident_id("19801231", serial=11)),  # male
        "new_year": make_customer(name="李四", segment="quality",
                                  id_number=resident_id("19750101", serial=22)),  # female
        "leapling": make_customer(name="王五", segment="key",
                                  id_number=resident_id("19920229", serial=33)),
        "recorded": make_customer(name="赵六", segment="quality", birth_date=D(1985, 1, 15),
                                  id_number=resident_id("19850615", serial=45)),
        "company": make_customer(name="嘉兴某某有限公司", kind="corporate", id_type="uscc",
                                 id_number=None, segment="key", phone="0573-82345678"),
        "no_phone": make_customer(name="孙七", segment="quality", phone=None,
                                  id_number=resident_id("19700105", serial=57)),
        "standard": make_customer(name="周八", segment="standard",
                                  id_number=resident_id("19801231", serial=69)),
    }
    make_policy(made["company"], start=D(2020, 2, 29))  # anniversary on 28 Feb in common years
    make_policy(made["company"], start=D(2023, 1, 1))  # not the first: no second anniversary
    make_policy(made["new_year"], start=D(2024, 12, 28))
    make_policy(made["new_year_eve"], start=D(2019, 1, 3), insurer="某财险")  # not ours
    make_policy(made["recorded"], start=D(2027, 1, 10))  # starts within the range: not yet
    return made


def listed(items):
    return [(i.name, i.occasion, i.date, i.years) for i in items]


def test_care_list_across_the_year_end_in_a_common_year(people):
    items = care.care_list(Customer.live(), D(2026, 12, 20), D(2027, 3, 1), signature="南湖支公司")
    rows = listed(items)
    persons = ["嘉兴某某有限公司", "孙七", "张三", "李四", "王五", "赵六"]
    spring = [(name, "spring_festival", D(2027, 2, 6), None) for name in sorted(persons)]
    assert rows == [
        ("李四", "anniversary", D(2026, 12, 28), 2),
        ("张三", "birthday", D(2026, 12, 31), None),
        ("李四", "birthday", D(2027, 1, 1), None),
        ("孙七", "birthday", D(2027, 1, 5), None),
        ("赵六", "birthday", D(2027, 1, 15), None),  # the recorded date, not the ID's 15 June
        *spring,
        ("王五", "birthday", D(2027, 2, 28), None),  # born 29 February
        ("嘉兴某某有限公司", "anniversary", D(2027, 2, 28), 7),
    ]
    by_key = {(i.name, i.occasion): i for i in items}
    assert by_key[("张三", "birthday")].message == (
        "尊敬的张三先生：祝您生日快乐，身体健康，万事如意！——南湖支公司")
    assert by_key[("李四", "birthday")].message.startswith("尊敬的李四女士：")
    assert "相伴7年" in by_key[("嘉兴某某有限公司", "anniversary")].message
    assert by_key[("嘉兴某某有限公司", "spring_festival")].message.startswith(
        "尊敬的嘉兴某某有限公司：值此新春佳节")


def test_care_list_in_a_leap_year(people):
    rows = listed(care.care_list(Customer.live(), D(2028, 2, 20), D(2028, 3, 5)))
    assert rows == [("王五", "birthday", D(2028, 2, 29), None),
                    ("嘉兴某某有限公司", "anniversary", D(2028, 2, 29), 8)]
    assert listed(care.care_list(Customer.live(), D(2028, 2, 28), D(2028, 2, 28))) == []


def test_mid_autumn_greetings_go_to_key_and_quality_customers_only(people):
    items = care.care_list(Customer.live(), D(2027, 9, 15), D(2027, 9, 15))
    assert {i.name for i in items} == {"张三", "李四", "王五", "赵六", "嘉兴某某有限公司", "孙七"}
    assert {i.occasion for i in items} == {"mid_autumn"}
    assert "中秋佳节" in items[0].message


def test_an_agent_sees_the_care_list_of_their_own_customers(people):
    agent = make_user(role="agent")
    Customer.update(manager=agent).where(Customer.id == people["leapling"].id).execute()
    town = make_township(manager=agent)
    Customer.update(township=town).where(Customer.id == people["new_year"].id).execute()
    names = {i.name for i in care.care_list(Customer.visible_to(agent), D(2026, 12, 1),
                                            D(2027, 3, 1))}
    assert names == {"王五", "李四"}


def test_the_csv_is_what_an_sms_tool_reads(people):
    items = care.care_list(Customer.live(), D(2026, 12, 30), D(2027, 1, 6))
    data = care.to_csv(items).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == data.count(b"\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["name", "phone", "occasion", "date", "message"]
    assert [r[:4] for r in rows[1:]] == [
        ["张三", people["new_year_eve"].phone, "生日", "2026-12-31"],
        ["李四", people["new_year"].phone, "生日", "2027-01-01"],
    ]  # 孙七's birthday on 5 January has no phone, so it is not in the CSV
    assert rows[1][4].startswith("尊敬的张三先生")


def test_a_name_that_looks_like_a_formula_is_defused():
    item = care.CareItem(1, "=HYPERLINK()", "13800000000", "key", "birthday", D(2027, 1, 1),
                         None, "x")
    assert "'=HYPERLINK()" in care.to_csv([item])


def test_bad_ranges_are_refused(ctx):
    with pytest.raises(Invalid, match="before the start"):
        care.care_list(Customer.live(), D(2027, 1, 2), D(2027, 1, 1))
    with pytest.raises(Invalid, match="at most 366"):
        care.care_list(Customer.live(), D(2027, 1, 1), D(2028, 1, 2))
