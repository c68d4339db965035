"""Every answer tells the browser to run no inline or foreign script, never to frame the app,
sniff types or send the address elsewhere, and not to keep pages with personal data; the
buttons that used inline handlers still work under that policy."""

from tests.conftest import browser_login
from tests.helpers import login, make_customer


def test_pages_carry_the_security_headers_and_are_not_stored(client):
    login(client)
    for path in ("/", "/login", "/work/visits", "/no-such-page"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("no-referrer", "same-origin")
        assert headers["Cache-Control"] == "no-store", path


def test_static_files_may_be_cached(client):
    with client.get("/static/app.js") as response:
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_no_template_has_an_inline_handler():
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "inscrm" / "templates"
    found = [f"{p.name}: {m.group(0)}" for p in templates.rglob("*.html")
             for m in re.finditer(r"\son[a-z]+=\"", p.read_text(encoding="utf-8"))]
    assert not found, found


def test_print_and_charts_work_under_the_policy(app, page):
    with app.app_context():
        make_customer(segment="standard", annual_premium="2400.00")  # a chart with something
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script("window.printed = 0; window.print = function () { window.printed++; };")
    browser_login(page)
    page.goto("/work/visits")
    page.click("button[data-print]")
    assert page.evaluate("window.printed") == 1
    page.goto("/reports/")
    page.wait_for_selector("#chart-segments svg, #chart-segments canvas", state="attached")
    assert not violations, violations
