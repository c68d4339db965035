"""The Chinese user guide's pictures, taken in the real browser from the pages it describes.

Each picture is one page a person opens in the guide's order; the test checks the page is the
Chinese one the guide names. With INSCRM_SCREENSHOTS=1 the pictures are written to
docs/user-guide/img/ (how the guide's screenshots are made: `INSCRM_SCREENSHOTS=1 make test`).
"""

import os
from pathlib import Path

import pytest

from inscrm.models import Task
from tests.conftest import browser_login
from tests.helpers import make_customer, make_policy

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "user-guide" / "img"

PAGES = [  # (picture, path, words the Chinese page shows)
    ("home", "/", "客户细分"),
    ("customers", "/customers", "客户"),
    ("customer", "CUSTOMER", "张建国"),
    ("work", "/work/", "我的工作"),
    ("renewals", "/reports/renewals", "续保"),
    ("import", "/imports/", "导入"),
]


@pytest.fixture
def office(app):
    """A customer with a policy and a task, so the pictured pages are not empty."""
    with app.app_context():
        customer = make_customer(name="张建国", phone="13905730001")
        make_policy(customer)
        Task.create(customer=customer, kind="follow_up", title="回访张建国",
                    due_date=customer.created_at.date())
        return customer.id


def test_the_guides_pages_render_in_chinese(page, office):
    browser_login(page)
    for name, path, words in PAGES:
        page.goto(f"/customers/{office}" if path == "CUSTOMER" else path)
        page.wait_for_load_state("networkidle")
        assert words in page.inner_text("body"), (name, path)
        if os.environ.get("INSCRM_SCREENSHOTS"):
            IMAGES.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(IMAGES / f"{name}.png"))
