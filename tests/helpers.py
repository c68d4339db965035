"""Small factories and request helpers shared by the tests."""

import datetime as dt
import os
import re
import subprocess
import sys
from decimal import Decimal

from inscrm.models import Claim, Customer, Policy, Township, db
from inscrm.users import create_user
from inscrm.validators import resident_id_check_digit

_counter = {"n": 0}


def _next():
    _counter["n"] += 1
    return _counter["n"]


def resident_id(birth="19800101", serial=None):
    """A valid resident ID number born on `birth` (YYYYMMDD)."""
    first17 = f"330402{birth}{(serial if serial is not None else _next()) % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


def make_user(username=None, role="agent", password="password-1", **kw):
    return create_user(username or f"user{_next()}", password, role, **kw)


def make_township(name=None, manager=None, district="南湖区"):
    return Township.create(district=district, name=name or f"镇{_next()}", manager=manager)


def make_customer(**overrides):
    n = _next()
    fields = {
        "kind": "individual",
        "name": f"客户{n}",
        "id_type": "resident_id",
        "id_number": resident_id(serial=n),
        "phone": f"138{n:08d}",
        "source": "walk_in",
    }
    fields.update(overrides)
    return Customer.create(**fields)


def make_policy(customer, start=dt.date(2025, 1, 1), days=364, premium="1000.00", **overrides):
    fields = {
        "policy_no": f"P{_next():010d}",
        "customer": customer,
        "product": "商业车险",
        "premium": Decimal(premium),
        "start_date": start,
        "end_date": start + dt.timedelta(days=days),
    }
    fields.update(overrides)
    return Policy.create(**fields)


def make_claim(policy, loss_date=None, paid="0.00", reserve="0.00", **overrides):
    fields = {
        "claim_no": f"C{_next():010d}",
        "policy": policy,
        "customer": policy.customer,
        "loss_date": loss_date or policy.start_date,
        "paid": Decimal(paid),
        "reserve": Decimal(reserve),
        "status": "closed",
    }
    fields.update(overrides)
    return Claim.create(**fields)


def csrf_token(client, path="/login"):
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def login(client, username="admin", password="admin-pass-1"):
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return token


def post(client, path, data=None, htmx=False, **kw):
    """A POST with the CSRF token taken from the start page, as a form or as htmx sends it."""
    token = csrf_token(client, "/")
    headers = {"X-CSRFToken": token}
    if htmx:
        headers["HX-Request"] = "true"
    return client.post(path, data=data or {}, headers=headers, **kw)


def trigger_names():
    """The names of the open database's triggers (either engine)."""
    from inscrm.db import engines

    if engines.is_postgres():
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return {name for (name,) in db.execute_sql(sql)}


def import_dies(script, path, data_dir):
    """`inscrm import path` in a process of its own that runs `script` (which patches the
    import to end the process midway) first; asserts that it died with exit code 9."""
    died = subprocess.run(
        [sys.executable, "-c", script, "import", str(path), "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert died.returncode == 9, died.stdout + died.stderr
