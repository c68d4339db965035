"""The 360 page's sections read their rows' people in the same query, however many rows."""

import pytest

from inscrm.models import Activity, BlacklistEntry, Task, db
from tests.helpers import login, make_customer, make_user


def _statements(client, path):
    """How many SELECTs the app runs to answer a GET (the request reuses this thread's
    connection, which traces its statements)."""
    seen = []
    db.connect(reuse_if_open=True)
    db.connection().set_trace_callback(seen.append)
    response = client.get(path, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])


def _customer_with(rows, app):
    with app.app_context():
        customer = make_customer(id_number=None)
        for n in range(rows):
            worker = make_user()
            Activity.create(customer=customer, user=worker, date="2026-01-01", notes=f"第{n}次")
            Task.create(customer=customer, assignee=worker, due_date="2026-01-01", title=f"任务{n}")
            BlacklistEntry.create(customer=customer, reason="other", unit="南湖",
                                  reported_on="2026-01-01")
        db.close()
        return customer.id


@pytest.mark.sqlite_only
def test_section_queries_do_not_grow_with_rows(app, client):
    login(client)
    few, many = _customer_with(1, app), _customer_with(8, app)
    for section in ("activities", "tasks", "segments"):
        one = _statements(client, f"/customers/{few}/{section}")
        eight = _statements(client, f"/customers/{many}/{section}")
        assert eight == one, (section, one, eight)
