"""Forms that help: the ID document follows the customer kind, so a wrong check digit is found
on the first try; every error at once; the policy form offers the product lines and a year of
cover; "已保存" after every save."""

import datetime as dt

import pytest

from inscrm.customers.records import product_lines, year_of_cover
from inscrm.models import Customer, Policy
from inscrm.validators import uscc_check_char
from tests.conftest import browser_login
from tests.customers.test_forms import field_error, good_customer, policy_data
from tests.helpers import login, make_customer, make_policy, post, resident_id

D = dt.date


@pytest.fixture
def logged_in(client):
    login(client)
    return client


def wrong_digit(number):
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def test_a_number_typed_without_choosing_the_document_is_checked_as_the_kinds(app, logged_in):
    person = post(logged_in, "/customers/new", good_customer(
        id_type="", id_number=wrong_digit(resident_id("19850315", 7))))
    assert person.status_code == 400
    assert "身份证号码校验位错误" in field_error(person.get_data(as_text=True), "id_number")
    first17 = "91330402MA2B1234"
    code = first17 + "5" + uscc_check_char(first17 + "5")
    company = post(logged_in, "/customers/new", good_customer(
        kind="corporate", name="嘉兴某公司", id_type="", id_number=wrong_digit(code),
        plate=""))
    assert "统一社会信用代码校验位错误" in field_error(company.get_data(as_text=True),
                                                        "id_number")
    good = post(logged_in, "/customers/new", good_customer(
        kind="corporate", name="嘉兴某公司", id_type="", id_number=code, plate=""))
    assert good.status_code == 303
    with app.app_context():
        assert Customer.get(Customer.name == "嘉兴某公司").id_type == "uscc"


def test_the_new_customer_form_starts_with_the_kinds_document(logged_in):
    person = logged_in.get("/customers/new").get_data(as_text=True)
    company = logged_in.get("/customers/new?kind=corporate").get_data(as_text=True)
    assert '<option value="resident_id" selected>' in person
    assert '<option value="uscc" selected>' in company


def test_every_error_at_once(logged_in):
    response = post(logged_in, "/customers/new", good_customer(
        name="", id_number=wrong_digit(resident_id("19850315", 7)), id_type="",
        phone="12", email="not-mail"))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert all(field_error(body, name) for name in ("name", "id_number", "phone", "email"))


def test_a_year_of_cover():
    assert year_of_cover(D(2025, 1, 1)) == D(2025, 12, 31)
    assert year_of_cover(D(2025, 3, 1)) == D(2026, 2, 28)
    assert year_of_cover(D(2024, 2, 29)) == D(2025, 2, 28)


def test_the_policy_form_offers_product_lines_and_fills_the_end_date(app, logged_in):
    with app.app_context():
        customer = make_customer()
        make_policy(customer, product="雇主责任险")
        assert product_lines()[:2] == ["商业车险", "交强险"]
        assert "雇主责任险" in product_lines()
    page = logged_in.get(f"/customers/{customer.id}/policy/new").get_data(as_text=True)
    assert '<datalist id="product-lines">' in page and '<option value="雇主责任险">' in page
    saved = post(logged_in, f"/customers/{customer.id}/policy/new",
                 policy_data(start_date="2025-06-15", end_date=""))
    assert saved.status_code == 303
    with app.app_context():
        policy = Policy.get(Policy.policy_no == "PDAA2025001")
        assert policy.end_date == D(2026, 6, 14)


def test_saved_after_every_save(app, logged_in):
    created = post(logged_in, "/customers/new", good_customer())
    page = logged_in.get(created.location).get_data(as_text=True)
    assert 'role="status">已保存' in page
    assert "已保存" not in logged_in.get(created.location).get_data(as_text=True)  # once
    with app.app_context():
        customer = Customer.get(Customer.name == "冯小刚")
    post(logged_in, f"/customers/{customer.id}/policy/new", policy_data())
    assert "已保存" in logged_in.get(f"/customers/{customer.id}").get_data(as_text=True)
    logged = post(logged_in, f"/customers/{customer.id}/activities",
                  {"kind": "call", "outcome": "none", "notes": "问候"}, htmx=True)
    assert 'role="status">已保存' in logged.get_data(as_text=True)


def test_forms_help_in_the_browser(app, page):
    browser_login(page)
    page.goto("/customers/new")
    id_type = page.locator("select[name=id_type]")
    assert id_type.input_value() == "resident_id"
    page.select_option("select[name=kind]", "corporate")
    assert id_type.input_value() == "uscc"
    page.select_option("select[name=id_type]", "other")  # chosen by hand: it stays
    page.select_option("select[name=kind]", "individual")
    assert id_type.input_value() == "other"
    page.select_option("select[name=id_type]", "resident_id")
    page.fill("input[name=name]", "郑一鸣")
    page.fill("input[name=id_number]", wrong_digit(resident_id("19850315", 8)))
    page.fill("input[name=phone]", "12")
    page.click("#customer-form button.primary")
    page.wait_for_selector("#error-id_number")
    assert page.locator(".field-error").count() >= 2  # the number and the phone at once
    page.fill("input[name=id_number]", resident_id("19850315", 8))
    page.fill("input[name=phone]", "13967309999")
    page.click("#customer-form button.primary")
    page.wait_for_selector(".flashes >> text=已保存")
    page.click("text=添加保单")
    page.fill("input[name=policy_no]", "PDZZ2025009")
    page.fill("input[name=premium]", "3200")
    page.fill("input[name=start_date]", "2025-03-01")  # the date input, picked or typed
    assert page.locator("input[name=end_date]").input_value() == "2026-02-28"
    options = page.eval_on_selector_all("#product-lines option", "els => els.map(e => e.value)")
    assert "交强险" in options
    page.fill("input[name=product]", "交强险")
    page.click("#policy-form button.primary")
    page.wait_for_selector(".flashes >> text=已保存")
    with app.app_context():
        policy = Policy.get(Policy.policy_no == "PDZZ2025009")
        assert (policy.end_date, policy.product) == (D(2026, 2, 28), "交强险")
