"""The authorization matrix: every route of the URL map × every role × an agent's own customer and
another agent's, with CSRF on (each client posts the real token of its own session).

One line per endpoint and method says who may use it; a route added without a line fails
`test_every_route_has_an_expectation`. What the lines mean:

- allowed: the answer is 2xx or 3xx (a POST may also answer 400, a form refused for what it
  holds, never for its token: the body is checked not to be the CSRF refusal);
- forbidden: 403, also for an agent reaching another agent's customer, its records or tasks
  (`get_customer` answers 403 for a record outside one's scope, consistently);
- not logged in: a redirect to the login page (PUBLIC routes excepted).
"""

import datetime as dt
import re

import pytest

from inscrm import create_app
from inscrm.models import (
    Activity,
    BlacklistEntry,
    Customer,
    Policy,
    RuleDraft,
    Task,
    Township,
    Vehicle,
)
from inscrm.sync.registry import initialise_hq, register_branch
from inscrm.views.hq import AT_HQ, HQ_AREAS, HQ_PAGES
from tests.conftest import ADMIN_PASSWORD
from tests.helpers import (
    csrf_token,
    login,
    make_claim,
    make_customer,
    make_policy,
    make_township,
    make_user,
)

A, M, G, N, C = "admin", "manager", "agent", "analyst", "claims"
ROLES = (A, M, G, N, C)
ANYONE = ROLES
PUBLIC = ()  # no login needed
WRITERS = (A, M, G)  # customers, policies, vehicles, contacts
CLAIMS = (A, C, M)
READERS = (A, M, N)  # reports, territories, flows
BLACKLIST = (A, C, M, N)
OWN = True  # the path names a customer (or its record or task): an agent reaches only their own
# statuses an allowed request may also answer, for a reason of the test's data (never 401/403)
NO_SERVER = (404,)  # Quit needs InsCRM's own server; the test client has none
NO_JOB = (404,)  # no import job of that id
WRONG_LOGIN = (401,)  # the login form's answer to a wrong password
PERIOD = "from=2025-01-01&to=2025-12-31"
POOL = "town={town}&source=walk_in"

# method, endpoint, path, who may, scoped, extra allowed statuses
MATRIX = [
    ("GET", "static", "/static/app.css", PUBLIC, False, ()),
    ("GET", "auth.login", "/login", PUBLIC, False, ()),
    ("POST", "auth.login", "/login", PUBLIC, False, WRONG_LOGIN),
    ("GET", "auth.setup", "/setup", PUBLIC, False, ()),
    ("POST", "auth.setup", "/setup", PUBLIC, False, ()),
    ("POST", "auth.language", "/language", PUBLIC, False, ()),
    ("GET", "auth.password", "/account/password", ANYONE, False, ()),
    ("POST", "auth.password", "/account/password", ANYONE, False, ()),
    ("GET", "home.index", "/", ANYONE, False, ()),
    ("GET", "customers.index", "/customers", ANYONE, False, ()),
    ("GET", "customers.new", "/customers/new", WRITERS, False, ()),
    ("POST", "customers.new", "/customers/new", WRITERS, False, ()),
    ("GET", "customers.show", "/customers/{customer}", ANYONE, OWN, ()),
    ("GET", "customers.section", "/customers/{customer}/policies", ANYONE, OWN, ()),
    ("GET", "customers.edit", "/customers/{customer}/edit", WRITERS, OWN, ()),
    ("POST", "customers.edit", "/customers/{customer}/edit", WRITERS, OWN, ()),
    ("POST", "customers.full_id", "/customers/{customer}/id-number", (A, C, M), OWN, ()),
    ("GET", "customers.merge", "/customers/merge", (A, M), False, ()),
    ("POST", "customers.merge", "/customers/merge", (A, M), False, ()),
    ("GET", "records.new", "/customers/{customer}/policy/new", WRITERS, OWN, ()),
    ("POST", "records.new", "/customers/{customer}/vehicle/new", WRITERS, OWN, ()),
    ("POST", "records.new", "/customers/{customer}/claim/new", CLAIMS, OWN, ()),
    ("GET", "records.edit", "/claim/{claim}/edit", CLAIMS, OWN, ()),
    ("POST", "records.edit", "/policy/{policy}/edit", WRITERS, OWN, ()),
    ("POST", "records.edit", "/vehicle/{vehicle}/edit", WRITERS, OWN, ()),
    ("POST", "records.log_contact", "/customers/{customer}/activities", WRITERS, OWN, ()),
    ("GET", "records.edit_activity", "/activities/{activity}/edit", WRITERS, OWN, ()),
    ("POST", "records.edit_activity", "/activities/{activity}/edit", WRITERS, OWN, ()),
    ("GET", "quote.index", "/quote?q={plate}", ANYONE, False, ()),
    ("GET", "segments.key", "/segments/customer/{customer}/key", (A, M), False, ()),
    ("POST", "segments.key", "/segments/customer/{customer}/key", (A, M), False, ()),
    ("GET", "segments.exempt", "/segments/customer/{customer}/exempt", (A, M), False, ()),
    ("POST", "segments.exempt", "/segments/customer/{customer}/exempt", (A, M), False, ()),
    ("GET", "segments.flows", "/segments/flows", READERS, False, ()),
    ("GET", "segments.rule_settings", "/settings/rules", (A, N), False, ()),
    ("POST", "segments.rule_settings", "/settings/rules", (A,), False, ()),  # analyst reads
    ("GET", "segments.blacklist_list", "/blacklist/", BLACKLIST, False, ()),
    ("GET", "segments.quota", "/blacklist/quota", BLACKLIST, False, ()),
    ("GET", "segments.report", "/blacklist/report", CLAIMS, False, ()),
    ("POST", "segments.report", "/blacklist/report", CLAIMS, False, ()),
    ("GET", "segments.lift", "/blacklist/{entry}/lift", (A, M), False, ()),
    ("POST", "segments.lift", "/blacklist/{entry}/lift", (A, M), False, ()),
    ("GET", "care.index", "/care", ANYONE, False, ()),
    ("POST", "care.download", "/care.csv", ANYONE, False, ()),
    ("POST", "exports.customers", "/exports/customers.csv", ANYONE, False, ()),
    ("POST", "exports.customer_list", "/exports/customer-list.csv?q=客户", ANYONE, False, ()),
    ("POST", "exports.renewals", "/exports/renewals.csv?" + PERIOD, ANYONE, False, ()),
    ("POST", "exports.migration", "/exports/migration.csv?" + PERIOD, READERS, False, ()),
    ("GET", "imports.index", "/imports/", ANYONE, False, ()),
    ("POST", "imports.upload", "/imports/", (A, M), False, ()),
    ("GET", "imports.job", "/imports/jobs/none", ANYONE, False, NO_JOB),
    ("GET", "imports.report", "/imports/jobs/none/report", ANYONE, False, NO_JOB),
    ("GET", "imports.template", "/imports/template/customers.xlsx", ANYONE, False, ()),
    ("GET", "reports.dashboard", "/reports/", READERS, False, ()),
    ("POST", "reports.refresh", "/reports/refresh", READERS, False, ()),
    ("GET", "reports.renewals", "/reports/renewals", ANYONE, False, ()),
    ("POST", "reports.renewals_export", "/reports/renewals.csv", ANYONE, False, ()),
    ("GET", "reports.scorecards", "/reports/scorecards", READERS, False, ()),
    ("GET", "service.report", "/reports/service", (A, M), False, ()),
    ("GET", "service.settings", "/settings/service", (A,), False, ()),
    ("POST", "service.settings", "/settings/service", (A,), False, ()),
    ("GET", "sync.index", "/sync/", (A, M), False, ()),
    ("POST", "sync.export", "/sync/export", (A, M), False, ()),
    ("POST", "sync.upload", "/sync/import", (A, M), False, ()),
    ("GET", "territories.index", "/territories/", READERS, False, ()),
    ("POST", "territories.add", "/territories/", (A, M), False, ()),
    ("POST", "territories.assign", "/territories/{town}/manager", (A, M), False, ()),
    ("POST", "territories.rename", "/territories/{town}/name", (A, M), False, ()),
    ("GET", "territories.pool", "/territories/pool", READERS, False, ()),
    ("GET", "territories.pool_list", "/territories/pool/list?" + POOL, READERS, False, ()),
    ("GET", "work.mine", "/work/", ANYONE, False, ()),
    ("GET", "work.more", "/work/section/today", ANYONE, False, ()),
    ("GET", "work.visits", "/work/visits", ANYONE, False, ()),
    ("POST", "work.bulk", "/work/bulk", ANYONE, False, ()),
    ("POST", "work.done", "/work/task/{task}/done", (A, M, G), OWN, ()),
    ("POST", "work.reopen", "/work/task/{task}/reopen", (A, M, G), OWN, ()),
    ("POST", "work.reschedule", "/work/task/{task}/reschedule", (A, M, G), OWN, ()),
    ("POST", "work.contact", "/work/task/{task}/contact", (A, M, G), OWN, ()),
    ("GET", "work.team", "/work/team", (A, M), False, ()),
    ("POST", "work.reassign", "/work/task/{task}/reassign", (A, M), False, ()),
    ("POST", "work.reassign_many", "/work/team/reassign", (A, M), False, ()),
    ("GET", "accounts.index", "/admin/users", (A,), False, ()),
    ("POST", "accounts.add", "/admin/users", (A,), False, ()),
    ("POST", "accounts.change", "/admin/users/{user}", (A,), False, ()),
    ("POST", "accounts.password", "/admin/users/{user}/password", (A,), False, ()),
    ("POST", "accounts.unlock", "/admin/users/{user}/unlock", (A,), False, ()),
    ("POST", "accounts.active", "/admin/users/{user}/active", (A,), False, ()),
    ("POST", "system.quit", "/system/quit", (A,), False, NO_SERVER),
    ("POST", "auth.logout", "/logout", ANYONE, False, ()),  # last: it ends the session
]

# Headquarters: its own pages and its sync pages, for the analyst (reads) and the administrator
# (who alone sees full ID numbers, shares blacklist entries, imports, writes bundles and
# registers branches); branch staff get 403. The paths name the rows of a registered branch
# (JX01), so every answer is the page's own. The pages it shares with a branch are the
# branch's above; the rest of a branch's pages are not served at HQ (see
# test_no_branch_page_reaches_a_branch_s_rows_at_hq).
HQ = (A, N)
NO_DRAFT_TO_DISCARD = (404,)  # the draft is already decided
HQ_MATRIX = [
    ("GET", "hq.overview", "/hq/", HQ, ()),
    ("GET", "hq.customers", "/hq/customers", HQ, ()),
    ("GET", "hq.customer", "/hq/customers/{customer}", HQ, ()),
    ("POST", "hq.full_id", "/hq/customers/{customer}/id-number", (A,), ()),
    ("GET", "hq.persons_page", "/hq/persons", HQ, ()),
    ("GET", "hq.person", "/hq/persons/{customer}", HQ, ()),
    ("GET", "hq.network_flags", "/hq/flags", HQ, ()),
    ("GET", "hq.branches", "/hq/branches", HQ, ()),
    ("GET", "hq.branch", "/hq/branches/JX01", HQ, ()),
    ("POST", "hq.download", "/hq/exports/customers.csv", HQ, ()),
    ("GET", "hq.rules_page", "/hq/rules", HQ, ()),
    ("POST", "hq.new_draft", "/hq/rules/drafts", HQ, ()),
    ("GET", "hq.draft", "/hq/rules/drafts/{draft}", HQ, ()),
    ("POST", "hq.decide_draft", "/hq/rules/drafts/{draft}/discard", HQ, NO_DRAFT_TO_DISCARD),
    ("GET", "hq.blacklist", "/hq/blacklist", HQ, ()),
    ("POST", "hq.share", "/hq/blacklist/{entry}/share", (A,), ()),
    ("GET", "hq.hits", "/hq/blacklist/hits", HQ, ()),
    ("GET", "sync.index", "/sync/", HQ, ()),
    ("GET", "sync.branch", "/sync/branches/JX01", HQ, ()),
    ("POST", "sync.upload", "/sync/import", (A,), ()),
    ("POST", "sync.hq_export", "/sync/export/JX01", (A,), ()),
    ("POST", "sync.register", "/sync/branches", (A,), ()),
    ("POST", "sync.lag", "/sync/lag", (A,), ()),
]

CSRF_REFUSAL = "表单已过期或并非来自本系统"


def _routes(app):
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_an_expectation(app):
    listed = {(endpoint, method) for method, endpoint, *_rest in MATRIX}
    assert _routes(app) - listed == set(), "routes without a line in MATRIX"
    assert listed - _routes(app) == set(), "lines of MATRIX for routes that are gone"


@pytest.fixture
def hq_site(tmp_path, database_url):
    """A headquarters installation with a user of every role and a registered branch, JX01,
    whose customer (policy, claim, vehicle, contact, task, blacklist entry) HQ holds, and a rule
    draft: (app, the paths' ids)."""
    config = {"TESTING": True, "DATA_DIR": str(tmp_path / "hq"), "STARTUP_TASKS": False}
    with create_app(config).app_context():
        initialise_hq("HQ", "总公司", "admin", ADMIN_PASSWORD, tmp_path / "hq")
        register_branch("JX01", "嘉兴支公司", tmp_path / "jx01.json")
        for role in (M, G, N, C):
            make_user(role, role=role)
        customer = make_customer(origin="JX01")
        policy = make_policy(customer, origin="JX01")
        ids = {"customer": customer.id, "policy": policy.id,
               "claim": make_claim(policy, origin="JX01").id,
               "vehicle": Vehicle.create(customer=customer, plate="浙F54320", origin="JX01").id,
               "activity": Activity.create(customer=customer, kind="call", origin="JX01",
                                           date=dt.date.today()).id,
               "task": Task.create(customer=customer, kind="other", title="回访", origin="JX01",
                                   due_date=dt.date.today()).id,
               "entry": BlacklistEntry.create(customer=customer, reason="fraud", origin="JX01",
                                              reported_on=dt.date.today()).id,
               "draft": RuleDraft.create(changes={"key_premium": "60000"}).id,
               "town": Township.create(district="南湖区", name="七星", origin="JX01").id,
               "plate": "浙F54320", "user": 1}
        assert Customer.get_by_id(customer.id).origin == "JX01"
    return create_app(config), ids  # its blueprints are HQ's from the start


@pytest.fixture
def hq_app(hq_site):
    return hq_site[0]


def test_every_hq_route_has_an_expectation(hq_app):
    branch = {(endpoint, method) for method, endpoint, *_rest in MATRIX}
    hq = {(endpoint, method) for method, endpoint, *_rest in HQ_MATRIX}
    missing = {r for r in _routes(hq_app) - hq - branch if r[0].split(".")[0] in ("hq", "sync")}
    assert missing == set(), "HQ routes without a line in HQ_MATRIX"
    assert hq - _routes(hq_app) == set(), "lines of HQ_MATRIX for routes that are gone"
    shared = {r for r in _routes(hq_app) - hq if r[0].split(".")[0] not in ("hq", "sync")}
    assert shared <= branch, "HQ routes that are neither HQ's nor a branch's"


def test_every_hq_route_for_every_role(hq_site):
    app, ids = hq_site
    wrong = []
    for role in (None, *ROLES):
        client, token = _client(app, role)
        for method, _endpoint, path, who, extra in HQ_MATRIX:
            expected = "login" if role is None else "allowed" if role in who else "forbidden"
            response = _answer(client, token, method, path.format(**ids))
            problem = _verdict(response, method, expected, extra)
            response.close()
            if problem:
                wrong.append(f"{role or 'anonymous':9} {method:4} {path}: expected {expected}, "
                             f"got {problem}")
    assert not wrong, "\n".join(wrong)


def _served_at_hq(endpoint):
    return (endpoint in AT_HQ or endpoint in HQ_PAGES
            or endpoint.split(".")[0] in HQ_AREAS)


def test_no_branch_page_reaches_a_branch_s_rows_at_hq(hq_site):
    """The branch's side of the matrix at HQ: every page a branch works in, on a branch's
    customer and its records, is not served to any role, and the rows stay as they were."""
    app, ids = hq_site
    with app.app_context():
        before = [list(model.select().order_by(model.id).tuples())
                  for model in (Customer, Policy, Activity, Task, BlacklistEntry)]
    branch_only = [line for line in MATRIX if not _served_at_hq(line[1])]
    assert len(branch_only) > 40
    wrong = []
    for role in ROLES:
        client, token = _client(app, role)
        for method, _endpoint, path, *_rest in branch_only:
            url = path.format(**ids)
            response = _answer(client, token, method, url)
            if response.status_code != 404:
                wrong.append(f"{role:9} {method:4} {url}: expected 404, got "
                             f"{response.status_code}")
            response.close()
    assert not wrong, "\n".join(wrong)
    with app.app_context():
        assert before == [list(model.select().order_by(model.id).tuples())
                          for model in (Customer, Policy, Activity, Task, BlacklistEntry)]


@pytest.fixture
def world(app):
    """Two account managers with a customer each (policy, claim, vehicle, contact, open task),
    a user of every other role, a town, a blacklist entry and a user for the admin routes."""
    with app.app_context():
        for role in (M, N, C):
            make_user(role, role=role)
        agents = {"own": make_user("agent", role=G), "other": make_user("colleague", role=G)}
        sides = {}
        for n, (side, agent) in enumerate(agents.items()):
            customer = make_customer(manager=agent)
            policy = make_policy(customer)
            sides[side] = {
                "customer": customer.id, "policy": policy.id,
                "claim": make_claim(policy).id,
                "vehicle": Vehicle.create(customer=customer, plate=f"浙F5432{n}").id,
                "activity": Activity.create(customer=customer, user=agent, kind="call",
                                            date=dt.date.today()).id,
                "task": Task.create(customer=customer, assignee=agent, kind="other",
                                    title="回访", due_date=dt.date.today()).id,
                "plate": f"浙F5432{n}",
            }
        shared = {"town": make_township().id, "user": make_user("victim", role=G).id,
                  "entry": BlacklistEntry.create(customer=sides["own"]["customer"],
                                                 reason="fraud", reported_on=dt.date.today()).id}
        for side in sides.values():
            side.update(shared)
    return sides


def _client(app, role):
    client = app.test_client()
    if role is None:
        return client, csrf_token(client, "/login")
    if role == A:
        login(client)
    else:
        login(client, role, "password-1")
    return client, csrf_token(client, "/")


def _answer(client, token, method, path):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={}, headers={"X-CSRFToken": token})


def _verdict(response, method, expected, extra):
    """None when the answer is what `expected` ("allowed", "forbidden", "login") wants, else
    what it was."""
    status = response.status_code
    body = response.get_data(as_text=True) if status == 400 else ""
    if CSRF_REFUSAL in body:
        return "refused for its CSRF token"
    if expected == "login":
        ok = status == 302 and "/login" in response.headers.get("Location", "")
    elif expected == "forbidden":
        ok = status == 403
    else:
        ok = 200 <= status < 400 or status in extra or (method == "POST" and status == 400)
    return None if ok else str(status)


def test_every_route_for_every_role_and_side(app, world):
    wrong = []
    for role in (None, *ROLES):
        client, token = _client(app, role)
        for method, _endpoint, path, who, scoped, extra in MATRIX:
            if role is not None and who is PUBLIC:
                continue  # the public pages are checked without a login
            for side in ("own", "other") if scoped and role == G else ("own",):
                if who is PUBLIC:
                    expected = "allowed"
                elif role is None:
                    expected = "login"
                elif role not in who or side == "other":
                    expected = "forbidden"
                else:
                    expected = "allowed"
                url = path.format(**world[side])
                response = _answer(client, token, method, url)
                problem = _verdict(response, method, expected, extra)
                response.close()
                if problem:
                    wrong.append(f"{role or 'anonymous':9} {side:5} {method:4} {url}: "
                                 f"expected {expected}, got {problem}")
    assert not wrong, "\n".join(wrong)


def test_csrf_is_on_for_every_post(app, world):
    """A POST without its token is refused before any role check (the matrix is not passing
    because CSRF is off)."""
    client, _token = _client(app, A)
    for method, _endpoint, path, _who, _scoped, _extra in MATRIX:
        if method == "POST":
            response = client.post(path.format(**world["own"]), data={})
            assert response.status_code == 400, path
            assert CSRF_REFUSAL in response.get_data(as_text=True), path


def test_the_matrix_table_reads_one_line_per_route():
    assert all(re.fullmatch(r"GET|POST", line[0]) for line in MATRIX)
    assert MATRIX[-1][1] == "auth.logout"
