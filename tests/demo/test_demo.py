"""`inscrm demo`: valid, exact, linked, deterministic data that fills every segment."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from inscrm import create_app
from inscrm.cli import main
from inscrm.demo import generate
from inscrm.demo.identity import vin_check_digit
from inscrm.models import (
    Activity,
    Claim,
    Customer,
    CustomerRef,
    Policy,
    Township,
    User,
    Vehicle,
    db,
    money_sum,
)
from inscrm.sites import initialise
from inscrm.users import authenticate
from inscrm.validators import Invalid, parse_phone, parse_plate, parse_resident_id, parse_uscc
from tests.conftest import Runner
from tests.helpers import login

TODAY = dt.date(2026, 6, 30)
CUSTOMERS = 3_000


def _app(path):
    return create_app({"TESTING": True, "DATA_DIR": str(path), "STARTUP_TASKS": False})


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """One generated branch of 3,000 customers as of TODAY, shared by the read-only tests."""
    app = _app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        initialise("DEMO", "嘉兴演示支公司", "admin", "demo-admin")
        app.demo_counts = generate(CUSTOMERS, seed=7, today=TODAY)
    return app


@pytest.fixture
def demo(demo_app):
    with demo_app.app_context():
        yield demo_app


def rows(sql, *params):
    return db.execute_sql(sql, params).fetchall()


def whole_years(since, until):
    return until.year - since.year - ((until.month, until.day) < (since.month, since.day))


# --- a reference reading of DESIGN §2 (default thresholds), plain SQL and Python --------------


def reference_segments(today):
    """{customer id: segment}, computed from the rows as DESIGN §2 words it."""
    window = today - dt.timedelta(days=365)
    day = dt.date.fromisoformat
    policies = defaultdict(list)
    for customer, start, end, premium, cancelled, channel in rows(
            "SELECT customer_id, start_date, end_date, premium, cancelled, channel FROM policy "
            "WHERE insurer = '' AND NOT deleted ORDER BY start_date"):
        policies[customer].append((day(start), day(end), premium, cancelled, channel))
    losses = defaultdict(list)
    for customer, loss, incurred, counted in rows(
            "SELECT customer_id, loss_date, CASE WHEN status IN ('declined', 'withdrawn') "
            "THEN 0 ELSE paid + reserve END, status NOT IN ('declined', 'withdrawn') "
            "FROM claim WHERE NOT deleted"):
        losses[customer].append((day(loss), incurred, counted))
    channel = dict(rows(
        "SELECT intermediary_id, SUM(premium) FROM policy WHERE insurer = '' AND NOT deleted "
        "AND start_date > ? AND start_date <= ? GROUP BY 1", window, today))
    manual = {r[0] for r in rows("SELECT customer_id FROM blacklist_entry WHERE active")}
    intent = {r[0] for r in rows(
        "SELECT customer_id FROM activity WHERE outcome IN ('interested', 'quoted') "
        "AND date > ? AND date <= ?", window, today)}
    found = {}
    for customer, credit, intermediary, designation in rows(
            "SELECT id, credit, intermediary_type, key_designation FROM customer"):
        mine = policies[customer]
        live = [p for p in mine if not p[3]]
        in_force = any(start <= today <= end for start, end, *_ in live)
        recent = [inc for loss, inc, _ in losses[customer] if window < loss <= today and inc > 0]
        premium_12m = sum(p[2] for p in live if p[0] <= today and p[1] > window)
        annual = sum(p[2] for p in mine if window < p[0] <= today)
        tender = any(p[4] == "tender" and p[2] >= 5_000_000 and p[0] <= today <= p[1]
                     for p in live)
        if customer in manual or (len(recent) >= 3 and sum(recent) > 1.5 * premium_12m):
            found[customer] = "blacklist"
        elif (in_force and (annual >= 5_000_000 or tender or designation)) or (
                intermediary and channel.get(customer, 0) >= 50_000_000):
            found[customer] = "key"
        elif in_force and credit != "bad" and _quality(live, losses[customer], today):
            found[customer] = "quality"
        elif in_force:
            found[customer] = "standard"
        elif any(p[0] <= today for p in mine) or customer in intent:
            found[customer] = "prospect"
        else:
            found[customer] = "floating"
    return found


def _quality(live, losses, today):
    run_start = run_end = None
    for start, end, *_ in live:  # ordered by start
        if start > today:
            break
        if run_end is None or (start - run_end).days > 30:
            run_start = start
        run_end = max(run_end or end, end)
    tenure = whole_years(run_start, today)
    latest = max((loss for loss, _, counted in losses if counted and loss <= today),
                 default=run_start)
    claim_free = whole_years(max(run_start, latest), today)
    loss_ratio = sum(inc for _, inc, _ in losses) / sum(p[2] for p in live)
    return claim_free >= 3 or (tenure >= 3 and loss_ratio <= 0.30)


def test_every_segment_is_populated_in_the_intended_mix(demo):
    segments = reference_segments(TODAY)
    assert len(segments) == CUSTOMERS
    share = {name: sum(1 for s in segments.values() if s == name) / CUSTOMERS
             for name in ("floating", "prospect", "standard", "quality", "key", "blacklist")}
    assert 0.15 <= share["floating"] <= 0.25, share
    assert 0.15 <= share["prospect"] <= 0.25, share
    assert 0.25 <= share["standard"] <= 0.35, share
    assert 0.15 <= share["quality"] <= 0.25, share
    assert 0.01 <= share["key"] <= 0.05, share
    assert 0.005 <= share["blacklist"] <= 0.02, share


def test_the_facts_behind_each_segment_are_there(demo):
    window = TODAY - dt.timedelta(days=365)
    in_force = ("SELECT DISTINCT customer_id FROM policy WHERE insurer = '' AND NOT cancelled "
                "AND start_date <= :d AND end_date >= :d")
    facts = {
        "big annual premium": (
            "SELECT customer_id FROM policy WHERE insurer = '' AND start_date > :w "
            "AND start_date <= :d AND customer_id IN (" + in_force + ") "
            "GROUP BY 1 HAVING SUM(premium) >= 5000000"),
        "big tender policy in force": (
            "SELECT customer_id FROM policy WHERE insurer = '' AND channel = 'tender' "
            "AND NOT cancelled AND premium >= 5000000 AND start_date <= :d AND end_date >= :d"),
        "intermediary with 500,000 channel premium": (
            "SELECT intermediary_id FROM policy WHERE insurer = '' AND start_date > :w "
            "AND start_date <= :d AND intermediary_id IS NOT NULL "
            "GROUP BY 1 HAVING SUM(premium) >= 50000000"),
        "key designation": "SELECT id FROM customer WHERE key_designation IS NOT NULL",
        "3+ losses in 12 months": (
            "SELECT customer_id FROM claim WHERE loss_date > :w AND loss_date <= :d "
            "AND status IN ('open', 'closed') AND paid + reserve > 0 "
            "GROUP BY 1 HAVING COUNT(*) >= 3"),
        "manual blacklist": "SELECT customer_id FROM blacklist_entry WHERE active",
        "lifted blacklist": "SELECT customer_id FROM blacklist_entry WHERE NOT active "
                            "AND lifted_by_id IS NOT NULL",
        "in force": in_force,
        "lapsed": (
            "SELECT DISTINCT customer_id FROM policy WHERE insurer = '' AND end_date < :d "
            "AND customer_id NOT IN (" + in_force + ")"),
        "moved to a competitor": (
            "SELECT DISTINCT c.customer_id FROM policy c WHERE c.insurer <> '' "
            "AND c.start_date <= :d AND c.end_date >= :d AND EXISTS (SELECT 1 FROM policy o "
            "WHERE o.customer_id = c.customer_id AND o.insurer = '' "
            "AND o.end_date < c.start_date)"),
        "cancelled": "SELECT DISTINCT customer_id FROM policy WHERE cancelled",
        "never insured, intent this year": (
            "SELECT DISTINCT customer_id FROM activity WHERE outcome IN ('interested', 'quoted') "
            "AND date > :w AND date <= :d AND customer_id NOT IN "
            "(SELECT customer_id FROM policy WHERE insurer = '')"),
        "never insured": (
            "SELECT id FROM customer WHERE id NOT IN (SELECT customer_id FROM policy "
            "WHERE insurer = '') AND intermediary_type IS NULL"),
    }
    named = {"d": TODAY, "w": window}
    sizes = {name: len(db.execute_sql(sql, named).fetchall()) for name, sql in facts.items()}
    share = {name: size / CUSTOMERS for name, size in sizes.items()}
    assert all(sizes.values()), sizes
    assert 0.003 <= share["3+ losses in 12 months"] <= 0.015, sizes
    assert 0.45 <= share["in force"] <= 0.65, sizes
    assert 0.20 <= share["never insured"] <= 0.35, sizes
    assert 0.10 <= share["lapsed"] <= 0.25, sizes
    assert share["big annual premium"] <= 0.05, sizes


# --- validity, exactness, links ---------------------------------------------------------------


def test_counts_staff_and_towns(demo):
    counts = demo.demo_counts
    assert counts["customer"] == Customer.select().count() == CUSTOMERS
    assert counts["policy"] == Policy.select().count() > CUSTOMERS * 4
    assert counts["claim"] == Claim.select().count() > 0
    assert counts["vehicle"] == Vehicle.select().count() > CUSTOMERS // 2
    assert counts["activity"] == Activity.select().count() > CUSTOMERS // 2
    roles = dict(User.select(User.username, User.role).tuples())
    assert roles["manager"] == "manager" and roles["claims01"] == "claims"
    assert [u for u, r in roles.items() if r == "agent"] == ["agent01", "agent02", "agent03"]
    assert authenticate("agent02", "demo-pass").username == "agent02"
    towns = {(t.district, t.name): t.manager_id for t in Township.select()}
    for place in [("南湖区", "七星街道"), ("秀洲区", "王江泾镇"), ("嘉善县", "西塘镇"),
                  ("平湖市", "独山港镇"), ("海盐县", "澉浦镇"), ("海宁市", "盐官镇"),
                  ("桐乡市", "乌镇镇")]:
        assert towns[place] is not None
    assert len(set(towns.values())) == 3  # every agent has a territory
    managed = Customer.select().where(Customer.manager.is_null(False)).count()
    assert 0.6 * CUSTOMERS < managed < CUSTOMERS  # most assigned, some not
    assert CustomerRef.select().where(CustomerRef.source == "core",
                                      CustomerRef.ref.startswith("C3304")).count() > 0


def test_ids_credit_codes_phones_plates_and_vins_are_valid_and_unique(demo):
    residents = [r[0] for r in rows("SELECT id_number FROM customer WHERE id_type = 'resident_id'")]
    firms = [r[0] for r in rows("SELECT id_number FROM customer WHERE id_type = 'uscc'")]
    assert len(residents) > 0.8 * CUSTOMERS and len(firms) > 0.08 * CUSTOMERS
    for number in residents:
        assert parse_resident_id(number, today=TODAY) == number
        assert 1950 <= int(number[6:10]) <= 2003
    jiaxing = sum(1 for number in residents if number.startswith("3304"))
    assert jiaxing > 0.8 * len(residents)
    for code in firms:
        assert parse_uscc(code) == code
    assert len(set(residents + firms)) == len(residents) + len(firms)
    phones = [r[0] for r in rows("SELECT phone FROM customer")]
    assert all(parse_phone(p) == p for p in phones) and len(set(phones)) == len(phones)
    vehicles = rows("SELECT plate, vin FROM vehicle")
    for plate, vin in vehicles:
        assert parse_plate(plate) == plate and plate.startswith("浙F")
        assert len(vin) == 17 and vin_check_digit(vin) == vin[8]
    assert len({p for p, _ in vehicles}) == len(vehicles)
    assert any(p.startswith("浙FD") for p, _ in vehicles)  # new energy


def test_money_is_exact_and_realistic(demo):
    assert rows("SELECT COUNT(*) FROM policy WHERE typeof(premium) <> 'integer'") == [(0,)]
    premiums = [p.premium for p in Policy.select(Policy.premium)]
    assert all(isinstance(p, Decimal) and p == p.quantize(Decimal("0.01")) for p in premiums)
    total = Policy.select(money_sum(Policy.premium)).scalar()
    assert total == sum(premiums, Decimal(0))
    compulsory = {p for (p,) in Policy.select(Policy.premium)
                  .where(Policy.product == "交强险").tuples()}
    cars = {Decimal(base) * f / 100 for base in (950, 1100) for f in (70, 80, 90, 100, 110)}
    assert cars <= compulsory
    commercial = [p for (p,) in Policy.select(Policy.premium)
                  .where(Policy.product == "商业车险").tuples()]
    assert min(commercial) >= 2_000 and max(commercial) <= 12_000
    products = dict(rows("SELECT product, SUM(premium) FROM policy WHERE insurer = '' "
                         "GROUP BY 1"))
    assert set(products) == {"交强险", "商业车险", "企业财产险", "公众责任险", "意外险", "货运险"}
    assert products["交强险"] + products["商业车险"] > max(products.values())  # motor leads
    channels = {r[0] for r in rows("SELECT DISTINCT channel FROM policy")}
    assert channels == {"direct", "agency", "broker", "tender"}
    claims = rows("SELECT paid + reserve FROM claim WHERE status IN ('open', 'closed')")
    typical = sum(1 for (amount,) in claims if 100_000 <= amount <= 2_000_000)
    assert typical > 0.75 * len(claims) and max(a for (a,) in claims) > 2_000_000
    assert rows("SELECT COUNT(*) FROM claim WHERE status IN ('declined', 'withdrawn') "
                "AND paid + reserve <> 0") == [(0,)]


def test_renewal_chains_link_and_run_one_to_eight_years(demo):
    broken = rows(
        "SELECT COUNT(*) FROM policy p JOIN policy q ON q.id = p.renewal_of_id "
        "WHERE q.customer_id <> p.customer_id OR q.product <> p.product "
        "OR q.vehicle_id IS NOT p.vehicle_id OR q.insurer <> '' OR p.insurer <> '' "
        "OR julianday(p.start_date) - julianday(q.end_date) NOT BETWEEN 1 AND 30")
    assert broken == [(0,)]
    previous = dict(rows("SELECT id, renewal_of_id FROM policy WHERE insurer = ''"))
    renewed = set(previous.values())
    lengths = []
    for last in (p for p in previous if p not in renewed):
        length, current = 1, last
        while previous[current] is not None:
            current, length = previous[current], length + 1
        lengths.append(length)
    assert min(lengths) == 1 and max(lengths) == 8
    assert rows("SELECT COUNT(*) FROM policy WHERE renewal_of_id IS NOT NULL") != [(0,)]
    per_year = rows("SELECT COUNT(*) FROM policy WHERE end_date <> date(start_date, '+1 year', "
                    "'-1 day') AND NOT (strftime('%m-%d', start_date) = '02-29')")
    assert per_year == [(0,)]
    assert rows("SELECT COUNT(*) FROM claim c JOIN policy p ON p.id = c.policy_id "
                "WHERE c.loss_date < p.start_date OR c.loss_date > p.end_date "
                "OR c.loss_date > ? OR c.customer_id <> p.customer_id "
                "OR c.report_date < c.loss_date", TODAY) == [(0,)]


def test_logging_in_with_the_demo_passwords(demo_app):
    client = demo_app.test_client()
    login(client, "agent01", "demo-pass")
    assert client.get("/").status_code == 200


# --- determinism and the command line -----------------------------------------------------------


def _snapshot(path, seed):
    app = _app(path)
    with app.app_context():
        initialise("DEMO", "嘉兴演示支公司", "admin", "demo-admin")
        generate(400, seed=seed, today=TODAY)
        return {
            "customers": rows("SELECT id, name, id_number, phone, address, segment, manager_id "
                              "FROM customer ORDER BY id"),
            "policies": rows("SELECT policy_no, customer_id, premium, start_date, end_date, "
                             "renewal_of_id, insurer, channel FROM policy ORDER BY id"),
            "claims": rows("SELECT claim_no, policy_id, loss_date, paid, reserve, status "
                           "FROM claim ORDER BY id"),
            "vehicles": rows("SELECT plate, vin FROM vehicle ORDER BY id"),
            "activities": rows("SELECT customer_id, kind, outcome, date FROM activity "
                               "ORDER BY id"),
            "uids": rows("SELECT uid FROM customer ORDER BY id"),
        }


def test_same_seed_and_date_give_the_same_data(tmp_path):
    first = _snapshot(tmp_path / "a", seed=3)
    again = _snapshot(tmp_path / "b", seed=3)
    other = _snapshot(tmp_path / "c", seed=4)
    assert first.pop("uids") != again.pop("uids")  # identities are new each time
    assert first == again
    assert first["customers"] != other["customers"]


def test_generate_refuses_a_bad_count_a_new_directory_and_a_filled_database(tmp_path):
    app = _app(tmp_path / "new")
    with app.app_context():
        with pytest.raises(Invalid, match="not initialised"):
            generate(10, seed=1, today=TODAY)
        initialise("DEMO", "演示", "admin", "demo-admin")
        with pytest.raises(Invalid, match="at least 1"):
            generate(0, seed=1, today=TODAY)
        generate(30, seed=1, today=TODAY)
        with pytest.raises(Invalid, match="already has customers"):
            generate(30, seed=1, today=TODAY)
        assert Customer.select().count() == 30


def test_cli_makes_demo_data_and_reports_the_rows(tmp_path):
    run = Runner(tmp_path / "d")
    run("init", "--site", "DEMO", "--site-name", "嘉兴演示支公司", "--admin-password", "demo-admin")
    result = run("demo", "--customers", "200", "--seed", "5", "--today", "2026-06-30")
    assert result.exit_code == 0, result.output
    assert "customer 200" in result.output and " s: " in result.output
    with _app(tmp_path / "d").app_context():
        assert Customer.select().count() == 200
        assert Activity.select().where(Activity.date > TODAY).count() == 0


@pytest.mark.parametrize("argv, status, words", [
    (["demo", "--customers", "0"], 2, "--customers"),
    (["demo", "--customers", "many"], 2, "--customers"),
    (["demo"], 2, "Missing option '--customers'"),
    (["demo", "--customers", "5", "--today", "30/06/2026"], 2, "--today"),
])
def test_cli_refuses_bad_arguments_with_one_line(tmp_path, capsys, argv, status, words):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--data-dir", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert exit_info.value.code == status, err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_cli_refuses_a_new_directory_and_a_second_run_with_one_line(tmp_path, capsys):
    data_dir = str(tmp_path / "d")
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--customers", "5", "--data-dir", data_dir])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and "not initialised" in err and err.count("\n") == 1
    for argv in (["init", "--site", "DEMO", "--site-name", "演示", "--admin-password", "pw-123456"],
                 ["demo", "--customers", "5"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--data-dir", data_dir])
        assert exit_info.value.code == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--customers", "5", "--data-dir", data_dir])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and "already has customers" in err and err.count("\n") == 1
