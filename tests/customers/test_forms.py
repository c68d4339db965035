"""Create and edit with server-side checks: each error beside its field, nothing saved."""

import datetime as dt

import pytest

from inscrm.models import Activity, Claim, Customer, Policy, User, Vehicle
from inscrm.validators import uscc_check_char
from tests.helpers import login, make_customer, make_policy, make_user, post, resident_id

HX = {"HX-Request": "true"}


def good_customer(**overrides):
    data = {"kind": "individual", "name": "冯小刚", "id_type": "resident_id",
            "id_number": resident_id("19850315", 7), "phone": "13967301234",
            "source": "walk_in", "credit": "unknown", "plate": "浙F12345"}
    data.update(overrides)
    return data


def field_error(body, name):
    """The error text shown beside one field (empty when there is none)."""
    marker = f'id="error-{name}"'
    if marker not in body:
        return ""
    start = body.index(marker)
    return body[start:body.index("</span>", start)]


@pytest.fixture
def logged_in(client):
    login(client)
    return client


def test_new_customer_form_as_page_and_fragment(logged_in):
    page = logged_in.get("/customers/new")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    fragment = logged_in.get("/customers/new", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'name="id_number"' in fragment


def test_a_good_customer_is_saved_with_birth_date_and_vehicle(app, logged_in):
    response = post(logged_in, "/customers/new", good_customer())
    assert response.status_code == 303
    with app.app_context():
        customer = Customer.get(Customer.name == "冯小刚")
        assert response.headers["Location"].endswith(f"/customers/{customer.id}")
        assert customer.birth_date == dt.date(1985, 3, 15)
        assert Vehicle.get(Vehicle.customer == customer).plate == "浙F12345"


def test_htmx_save_answers_with_hx_redirect(app, logged_in):
    response = post(logged_in, "/customers/new", good_customer(), htmx=True)
    assert response.status_code == 303 and response.headers["HX-Redirect"].startswith("/customers/")


@pytest.mark.parametrize("field, value, words", [
    ("id_number", resident_id("19850315", 7)[:-1] + "0", "check digit"),
    ("id_number", "330402198502301234", "birth date"),
    ("id_number", "3304021985", "17 digits"),
    ("phone", "12345", "mobile"),
    ("phone", "139673012345", "mobile"),
    ("plate", "浙I12345", "licence plate"),
    ("plate", "F12345", "licence plate"),
    ("name", "", "Required"),
    ("email", "not-an-address", "e-mail"),
])
def test_each_bad_field_is_named_and_nothing_saved(app, logged_in, field, value, words):
    with app.app_context():
        User.update(language="en").where(User.username == "admin").execute()
    response = post(logged_in, "/customers/new", good_customer(**{field: value}))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert words in field_error(body, field), body
    assert f'value="{value}"' in body or field == "name"  # what was typed stays
    with app.app_context():
        assert Customer.select().count() == 0 and Vehicle.select().count() == 0


def test_errors_in_english_and_chinese(app, client):
    login(client)
    with app.app_context():
        User.update(language="en").where(User.username == "admin").execute()
    body = post(client, "/customers/new", good_customer(plate="浙I12345")).get_data(as_text=True)
    assert "Not a licence plate" in field_error(body, "plate")
    with app.app_context():
        User.update(language="zh").where(User.username == "admin").execute()
    body = post(client, "/customers/new", good_customer(plate="浙I12345")).get_data(as_text=True)
    assert "车牌" in field_error(body, "plate")


def test_corporate_credit_code_check_character(app, logged_in):
    first17 = "91330400MA29F0LX3"
    good = first17 + uscc_check_char(first17)
    bad = first17 + ("0" if good[-1] != "0" else "1")
    data = good_customer(kind="corporate", name="嘉兴某某有限公司", id_type="uscc", plate="",
                         phone="0573-82345678")
    response = post(logged_in, "/customers/new", {**data, "id_number": bad})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "id_number")
    assert post(logged_in, "/customers/new", {**data, "id_number": good}).status_code == 303


def test_new_energy_plates_pass(app, logged_in):
    assert post(logged_in, "/customers/new", good_customer(plate="浙FD12345")).status_code == 303


def test_duplicates_are_pointed_out_with_a_link(app, logged_in):
    with app.app_context():
        existing = make_customer(name="原有客户", phone="13967301234",
                                 id_number=resident_id("19850315", 7))
        Vehicle.create(customer=existing, plate="浙F12345")
    response = post(logged_in, "/customers/new", good_customer())
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    link = f'href="/customers/{existing.id}"'
    for field in ("id_number", "phone", "plate"):
        assert link in field_error(body, field), field
    with app.app_context():
        assert Customer.select().count() == 1


def test_edit_customer_page_fragment_and_validation(app, logged_in):
    with app.app_context():
        customer = make_customer(name="陈旧名")
        other = make_customer(name="另一个")
    path = f"/customers/{customer.id}/edit"
    assert "陈旧名" in logged_in.get(path).get_data(as_text=True)
    assert "<html" not in logged_in.get(path, headers=HX).get_data(as_text=True)
    data = {"kind": "individual", "name": "陈新名", "id_type": "resident_id",
            "id_number": customer.id_number, "phone": other.phone}
    response = post(logged_in, path, data)
    assert response.status_code == 400 and f'/customers/{other.id}"' in response.get_data(
        as_text=True)
    data["phone"] = "13800000000"
    assert post(logged_in, path, data).status_code == 303
    with app.app_context():
        assert Customer.get_by_id(customer.id).name == "陈新名"


def policy_data(**overrides):
    data = {"policy_no": "PDAA2025001", "product": "交强险", "channel": "direct",
            "premium": "12,345.60", "start_date": "2025-01-01", "end_date": "2025-12-31"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("field, value", [
    ("end_date", "2024-12-31"),  # end before start
    ("premium", "-1"),
    ("premium", "1.234"),
    ("premium", "abc"),
    ("premium", "1e400"),  # no amount overflows the decimal arithmetic into a 500
    ("premium", "1" * 27),
    ("premium", "Infinity"),
    ("sum_insured", "9" * 40 + ".99"),
    ("start_date", "2025-02-30"),
    ("start_date", "1399-01-01"),  # policy dates within what an insurer writes
    ("end_date", "9999-12-31"),
    ("policy_no", ""),
])
def test_bad_policies_are_refused(app, logged_in, field, value):
    with app.app_context():
        customer = make_customer()
    response = post(logged_in, f"/customers/{customer.id}/policy/new",
                    policy_data(**{field: value}))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field)
    with app.app_context():
        assert Policy.select().count() == 0


def test_policy_create_edit_and_duplicate_number(app, logged_in):
    with app.app_context():
        customer = make_customer()
    path = f"/customers/{customer.id}/policy/new"
    assert "<html" not in logged_in.get(path, headers=HX).get_data(as_text=True)
    assert post(logged_in, path, policy_data(insurer="人保")).status_code == 303
    with app.app_context():
        policy = Policy.get(Policy.policy_no == "PDAA2025001")
        assert policy.premium == __import__("decimal").Decimal("12345.60")
        assert policy.insurer == "人保" and policy.customer_id == customer.id
    response = post(logged_in, path, policy_data())
    assert response.status_code == 400 and field_error(response.get_data(as_text=True),
                                                       "policy_no")
    edit = f"/policy/{policy.id}/edit"
    assert "PDAA2025001" in logged_in.get(edit).get_data(as_text=True)
    assert "<html" not in logged_in.get(edit, headers=HX).get_data(as_text=True)
    assert post(logged_in, edit, policy_data(premium="100")).status_code == 303
    with app.app_context():
        assert Policy.get_by_id(policy.id).premium == 100


def test_claims_check_dates_and_money(app, logged_in):
    with app.app_context():
        customer = make_customer()
        policy = make_policy(customer)
    path = f"/customers/{customer.id}/claim/new"
    assert "<html" not in logged_in.get(path, headers=HX).get_data(as_text=True)
    data = {"claim_no": "CL1", "policy": str(policy.id), "loss_date": "2025-03-01",
            "report_date": "2025-02-01", "paid": "10.00", "reserve": "0", "status": "open"}
    response = post(logged_in, path, data)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "report_date")
    response = post(logged_in, path, {**data, "report_date": "2025-03-02", "paid": "-5"})
    assert field_error(response.get_data(as_text=True), "paid")
    for amount in ("1e400", "1" * 27):
        response = post(logged_in, path, {**data, "report_date": "2025-03-02", "reserve": amount})
        assert response.status_code == 400
        assert field_error(response.get_data(as_text=True), "reserve")
    with app.app_context():
        assert Claim.select().count() == 0
    assert post(logged_in, path, {**data, "report_date": "2025-03-02"}).status_code == 303
    with app.app_context():
        claim = Claim.get()
        assert claim.customer_id == customer.id and claim.paid == 10
    assert "CL1" in logged_in.get(f"/claim/{claim.id}/edit").get_data(as_text=True)


def test_vehicles_check_plate_and_vin(app, logged_in):
    with app.app_context():
        customer = make_customer()
        other = make_customer(name="车主")
        Vehicle.create(customer=other, plate="浙F99999")
    path = f"/customers/{customer.id}/vehicle/new"
    assert "<html" in logged_in.get(path).get_data(as_text=True)
    body = post(logged_in, path, {"plate": "浙F99999"}).get_data(as_text=True)
    assert f'/customers/{other.id}"' in field_error(body, "plate")
    body = post(logged_in, path, {"plate": "浙F1234"}).get_data(as_text=True)
    assert field_error(body, "plate")
    body = post(logged_in, path, {"plate": "浙FD12345", "vin": "IIII"}).get_data(as_text=True)
    assert field_error(body, "vin")
    assert post(logged_in, path, {"plate": "浙fd12345"}).status_code == 303
    with app.app_context():
        assert Vehicle.get(Vehicle.customer == customer).plate == "浙FD12345"


def test_log_a_contact_updates_the_timeline_and_last_contact(app, logged_in):
    with app.app_context():
        customer = make_customer()
    path = f"/customers/{customer.id}/activities"
    bad = post(logged_in, path, {"kind": "visit", "date": "2025-05-02",
                                 "next_action_date": "2025-05-01"}, htmx=True)
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and field_error(body, "next_action_date")
    assert 'id="section-activities"' in body
    ok = post(logged_in, path, {"kind": "visit", "outcome": "interested", "date": "2025-05-02",
                                "next_action_date": "2025-05-09", "notes": "上门拜访"},
              htmx=True)
    body = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "上门拜访" in body and "<html" not in body
    full = post(logged_in, path, {"kind": "call", "date": "2025-04-01"})
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)
    with app.app_context():
        assert Customer.get_by_id(customer.id).last_contact_date == dt.date(2025, 5, 2)
        activity = Activity.get(Activity.notes == "上门拜访")
        assert activity.user.username == "admin"
    edit = f"/activities/{activity.id}/edit"
    assert "上门拜访" in logged_in.get(edit, headers=HX).get_data(as_text=True)
    assert post(logged_in, edit, {"kind": "visit", "outcome": "won", "date": "2025-06-01"}
                ).status_code == 303
    with app.app_context():
        assert Customer.get_by_id(customer.id).last_contact_date == dt.date(2025, 6, 1)


def test_an_agents_new_customer_is_their_own(app, client):
    with app.app_context():
        make_user("agent7", role="agent")
    login(client, "agent7", "password-1")
    assert post(client, "/customers/new", good_customer()).status_code == 303
    with app.app_context():
        assert Customer.get().manager.username == "agent7"


def test_every_form_as_page_and_as_fragment(app, logged_in):
    with app.app_context():
        customer = make_customer()
        policy = make_policy(customer)
        claim = Claim.create(claim_no="CL-9", policy=policy, customer=customer,
                             loss_date=dt.date(2025, 2, 1))
        vehicle = Vehicle.create(customer=customer, plate="浙F10001")
        activity = Activity.create(customer=customer, kind="call", date=dt.date(2025, 2, 2))
    paths = [
        "/customers/new", f"/customers/{customer.id}/edit",
        f"/customers/{customer.id}/policy/new", f"/policy/{policy.id}/edit",
        f"/customers/{customer.id}/claim/new", f"/claim/{claim.id}/edit",
        f"/customers/{customer.id}/vehicle/new", f"/vehicle/{vehicle.id}/edit",
        f"/activities/{activity.id}/edit",
    ]
    for path in paths:
        page = logged_in.get(path)
        fragment = logged_in.get(path, headers=HX)
        assert page.status_code == fragment.status_code == 200, path
        assert "<html" in page.get_data(as_text=True), path
        body = fragment.get_data(as_text=True)
        assert "<html" not in body and 'class="card form-card"' in body, path
        assert 'name="csrf_token"' in body, path
    assert logged_in.get("/policy/99999/edit").status_code == 404
