"""Reading pages the way a browser shows them: parse, find text, find a form's CSRF token."""

from __future__ import annotations

from fastapi.testclient import TestClient
from lxml import html


def page(client: TestClient, url: str, status: int = 200) -> html.HtmlElement:
    """GET a page, check it is HTML with the expected status, and parse it."""
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def text_of(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def form_token(doc: html.HtmlElement, action: str) -> str:
    """The CSRF token of the form that posts to ``action``, as a browser would submit it."""
    (value,) = doc.xpath(f'//form[@action="{action}"]//input[@name="csrf_token"]/@value')
    assert value
    return str(value)
