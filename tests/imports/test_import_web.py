"""The import page: upload, progress polling, summary, error report, template downloads."""

import io
import re
import time

import openpyxl

from inscrm.models import Customer
from tests.helpers import login, make_user, post
from tests.importfiles import CUSTOMER_HEADER, customer_rows, write_csv

HX = {"HX-Request": "true"}


def wait_for(client, fragment_html):
    """Poll the job as the page does until it is done; return the last fragment."""
    job_id = re.search(r'data-job="([0-9a-f]+)"', fragment_html).group(1)
    html = fragment_html
    for _ in range(200):
        if 'data-done="yes"' in html:
            return job_id, html
        time.sleep(0.05)
        html = client.get(f"/imports/jobs/{job_id}", headers=HX).get_data(as_text=True)
    raise AssertionError("the import did not finish")


def upload(client, path, htmx=True, **fields):
    data = {"file": (io.BytesIO(path.read_bytes()), path.name), **fields}
    return post(client, "/imports/", data=data, htmx=htmx, content_type="multipart/form-data")


def test_page_full_and_fragment(client):
    login(client)
    full = client.get("/imports/").get_data(as_text=True)
    assert "<html" in full and 'id="import-upload"' in full and "customers.xlsx" in full
    assert full.count('class="export-form"') == 2 and "/exports/renewals.xlsx" in full
    fragment = client.get("/imports/", headers=HX)
    assert "HX-Request" in fragment.headers["Vary"]
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and 'hx-post="/imports/"' in html


def test_upload_with_htmx_polls_then_shows_the_summary(client, app, tmp_path):
    login(client)
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, customer_rows(40))
    response = upload(client, path)
    assert response.status_code == 200
    first = response.get_data(as_text=True)
    assert "<html" not in first and 'id="import-upload"' in first
    job_id, html = wait_for(client, first)
    assert "hx-trigger" not in html  # polling stops once the job is done
    assert re.search(r'<td class="num">40</td>', html)
    with app.app_context():
        assert Customer.select().count() == 40
    assert not list((tmp_path / "data" / "imports").glob("customers*"))  # upload removed
    page = client.get(f"/imports/jobs/{job_id}").get_data(as_text=True)
    assert "<html" in page and "customers.csv" in page


def test_upload_without_htmx_and_the_error_report(client, app, tmp_path):
    login(client)
    rows = customer_rows(3)
    rows[1][1] = "alien"
    path = write_csv(tmp_path / "bad.csv", CUSTOMER_HEADER, rows)
    response = upload(client, path, htmx=False)
    assert response.status_code == 200 and "<html" in response.get_data(as_text=True)
    job_id, html = wait_for(client, response.get_data(as_text=True))
    assert "bad.csv 第 3 行，列 客户类型，值“alien”：未知取值 alien" in html  # all in Chinese
    assert "未导入任何数据" in html
    report = client.get(f"/imports/jobs/{job_id}/report")
    assert report.status_code == 200
    text = report.get_data().decode("utf-8-sig")
    report.close()
    assert text.startswith("文件,行号,列,值,问题\r\n")
    assert ",3,客户类型,alien,未知取值 alien;应为 个人、单位 之一。" in text
    with app.app_context():
        assert Customer.select().count() == 0


def test_a_file_that_is_no_table_shows_one_line(client, tmp_path):
    login(client)
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _, html = wait_for(client, upload(client, path).get_data(as_text=True))
    assert "empty.csv 是空文件。" in html


def test_only_managers_import_and_jobs_are_private(client, app, tmp_path):
    with app.app_context():
        make_user("agent7", "agent", password="agent-pass-7")
    login(client)
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customer_rows(1))
    job_id, _ = wait_for(client, upload(client, path).get_data(as_text=True))
    other = app.test_client()
    login(other, "agent7", "agent-pass-7")
    assert upload(other, path).status_code == 403
    assert other.get(f"/imports/jobs/{job_id}").status_code == 403
    assert other.get("/imports/jobs/0000").status_code == 404
    assert "只有经理或管理员可以导入文件" in other.get("/imports/").get_data(as_text=True)
    missing = post(client, "/imports/", data={}, htmx=True)
    assert missing.status_code == 400 and "请选择要导入的文件" in missing.get_data(as_text=True)


def test_template_downloads_have_headers_example_and_drop_downs(client):
    login(client)
    response = client.get("/imports/template/policies.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    response.close()
    sheet = book["policies"]
    headers = [c.value for c in sheet[1]]
    assert headers[0] == "保单号 policy_no *" and "渠道 channel" in headers
    assert sheet["A2"].value == "P2025000001"
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    channel = "ABCDEFGHIJKLM"[headers.index("渠道 channel")]
    assert lists[f"{channel}2"] == '"直接,代理,经纪,招标"'
    assert "直接 = direct" in [c.value for c in book["说明 help"]["D"]][4]
    assert client.get("/imports/template/cars.xlsx").status_code == 404
