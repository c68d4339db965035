from tests.helpers import login


def test_not_found_is_a_friendly_page_in_chinese(client):
    login(client)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "不存在" in text and "Traceback" not in text


def test_htmx_gets_the_error_fragment_only(client):
    login(client)
    response = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.get_data(as_text=True)


def test_an_unexpected_error_shows_no_traceback(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    login(client)
    response = client.get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text
