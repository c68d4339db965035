"""The import page in a real browser: upload, the progress fragment polled by htmx, summary."""

from tests.conftest import browser_login
from tests.importfiles import CUSTOMER_HEADER, customer_rows, write_csv


def test_upload_shows_progress_then_the_summary_and_the_report_link(page, tmp_path):
    browser_login(page)
    page.click("text=导入导出")
    rows = customer_rows(500)
    rows[10][1] = "alien"
    path = write_csv(tmp_path / "客户名单.csv", CUSTOMER_HEADER, rows, encoding="gb18030")
    page.set_input_files("input[type=file]", str(path))
    page.check("input[name=skip_invalid]")
    page.click("#import-upload button.primary")
    page.wait_for_selector("[data-done=yes]", timeout=30_000)
    summary = page.locator("table.summary tbody tr td").all_inner_texts()
    assert summary[:2] == ["客户", "499"] and summary[-1] == "1"
    problems = page.locator("ul.problems").inner_text()
    assert "第 12 行，列 客户类型，值“alien”：未知取值 alien" in problems
    link = page.locator("a.report")
    assert link.inner_text() == "下载被拒收行的报告"
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), encoding="utf-8-sig") as f:
        text = f.read()
    assert "列 客户类型，值“alien”：未知取值 alien" in text
    assert text.splitlines()[0].endswith(",原因")
