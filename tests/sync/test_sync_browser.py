"""The sync page in a real browser: HQ uploads a branch's bundle beside a stray file, reads one
line for each, and downloads its bundle back, which the branch then applies."""

import contextlib
import threading

from network import PASSWORD, Network

from inscrm import create_app
from tests.conftest import browser_login


@contextlib.contextmanager
def serving(net, site):
    """The site's app served by waitress on a free local port."""
    from waitress.server import create_server

    app = create_app({"TESTING": True, "DATA_DIR": str(net.dirs[site]), "STARTUP_TASKS": False})
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


def test_hq_uploads_bundles_and_downloads_the_one_for_the_branch(browser, tmp_path):
    net = Network(tmp_path / "net", branches=1)
    net.run("B1", "demo", "--history-months", 0, "--customers", 6)
    bundle = net.export("B1", "HQ", name="B1-to-HQ.bundle")
    stray = tmp_path / "说明.txt"
    stray.write_text("这不是同步包", encoding="utf-8")
    with serving(net, "HQ") as url:
        context = browser.new_context(base_url=url, accept_downloads=True)
        page = context.new_page()
        browser_login(page, password=PASSWORD)
        page.click("nav.mainnav >> text=同步")
        page.set_input_files("#sync-upload input[type=file]", [str(bundle), str(stray)])
        page.click("#sync-upload button.primary")
        page.wait_for_selector(".sync-outcomes")
        lines = page.locator(".sync-outcomes li").all_inner_texts()
        assert lines[0].startswith("B1-to-HQ.bundle: 已导入 B1 的同步包")
        assert lines[1] == "说明.txt: 不是同步包"
        assert page.locator('#sync-branches tr[data-site="B1"] td').nth(4).inner_text() != "0"
        with page.expect_download() as download:
            page.click('#sync-branches tr[data-site="B1"] button[value=changes]')
        assert download.value.suggested_filename.startswith("HQ-to-B1-")
        back = tmp_path / download.value.suggested_filename
        download.value.save_as(back)
        context.close()
    result = net.import_("B1", back)
    assert "applied full bundle from HQ" in result.output  # HQ's first bundle to B1
    assert net.owned("HQ", "B1") == net.owned("B1", "B1")
