"""/api/docs/ in Chromium with every request to another host refused: Swagger UI still draws."""

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_works_offline(browser: Any, live_server: Any) -> None:
    # given: a browser that can reach nothing but this server
    own_host = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []

    def only_our_server(route: Any) -> None:
        if urlsplit(route.request.url).netloc == own_host:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context = browser.new_context()
    context.route("**/*", only_our_server)
    page = context.new_page()
    try:
        # when: the interactive API docs are opened
        page.goto(f"{live_server.url}/api/docs/")

        # then: Swagger UI renders the schema's title and the capture endpoint from our files
        page.wait_for_selector(".swagger-ui .info .title", timeout=10_000)
        assert "cxmonitor API" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector("text=/api/v1/responses/")
        assert elsewhere == []
    finally:
        context.close()


def test_docs_page_names_no_other_host(client: Any) -> None:
    html = client.get("/api/docs/").content.decode()
    assert "cdn" not in html.lower()
    assert "https://" not in html and "http://" not in html.replace("http://testserver", "")
