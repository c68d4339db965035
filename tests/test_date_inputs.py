"""One date input everywhere: every date field of every page is the browser's date input, sends
YYYY-MM-DD, and the server reads it with one function."""

import datetime as dt
import re
from pathlib import Path

import pytest

from inscrm.forms import Form
from inscrm.validators import Invalid, parse_date

TEMPLATES = Path(__file__).resolve().parent.parent / "inscrm" / "templates"
# the names the forms give their dates
DATE_NAME = re.compile(r"(^|_)(date|day|from|to|until|first|second|last|as_of)$|_on$|_date$")


def _inputs():
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<input\b[^>]*>", text):
            name = re.search(r'\bname="([^"{]+)"', tag)
            if name and DATE_NAME.search(name.group(1)):
                yield path.relative_to(TEMPLATES), name.group(1), tag
        for call in re.findall(r"\{\{\s*input\('([^']+)'[^}]*\}\}", text):
            if DATE_NAME.search(call):
                whole = re.search(r"\{\{\s*input\('" + re.escape(call) + r"'[^}]*\}\}", text)
                yield path.relative_to(TEMPLATES), call, whole.group(0)


def test_every_date_field_in_the_templates_is_a_date_input():
    found = list(_inputs())
    assert len(found) >= 20  # the scan sees the forms (policy, claim, contact, task, reports…)
    kinds = ('type="hidden"', 'type="date"', "type='date'")
    wrong = [(str(path), name) for path, name, tag in found if not any(k in tag for k in kinds)]
    assert not wrong, f"date fields that are not <input type=date>: {wrong}"


def test_the_form_macro_renders_a_date_as_the_browsers_date_input(app):
    with app.test_request_context():
        macros = app.jinja_env.get_template("customers/_macros.html").module
        html = str(macros.input("start_date", "Start", {"start_date": dt.date(2025, 3, 1)}, {},
                                type="date", required=True))
    assert 'type="date"' in html and 'value="2025-03-01"' in html and "required" in html
    assert "placeholder" not in html and 'type="text"' not in html


def test_one_function_reads_what_the_date_input_sends():
    assert parse_date("2025-03-01") == dt.date(2025, 3, 1)
    assert parse_date(" 2025-3-1 ") == dt.date(2025, 3, 1)
    assert parse_date("2025/03/01") == dt.date(2025, 3, 1)  # as import files write it
    for bad in ("2025-02-30", "01/03/2025", "2025年3月1日", "tomorrow", "20250301"):
        with pytest.raises(Invalid) as refused:
            parse_date(bad)
        assert refused.value.message == "Not a date (YYYY-MM-DD)."
    form = Form({"loss_date": "2025-02-30", "report_date": ""})
    assert form.date("loss_date", required=True) is None and form.date("report_date") is None
    assert str(form.errors["loss_date"]) == "Not a date (YYYY-MM-DD)."


def test_dates_shown_read_one_way():
    from inscrm.formatting import date

    assert date(dt.date(2026, 3, 1)) == "2026-03-01"
    assert date(dt.datetime(2026, 3, 1, 9, 30, 15)) == "2026-03-01 09:30"
    assert date("2026-03-01 09:30:15") == "2026-03-01 09:30"  # the cached figures' moment
    assert date("2026-03-01") == "2026-03-01" and date(None) == "" and date("—") == "—"


def test_no_page_prints_a_date_field_without_the_date_filter():
    raw = re.compile(r"\{\{\s*[\w.]+?(_date|_on|_at|\.date)\s*\}\}")
    found = [(str(path.relative_to(TEMPLATES)), m.group(0))
             for path in sorted(TEMPLATES.rglob("*.html"))
             for m in raw.finditer(path.read_text(encoding="utf-8"))]
    assert not found, found
