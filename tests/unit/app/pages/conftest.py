"""The page tests' helper: a signed-in client that submits forms as a browser does (with the
CSRF token of the page the form is on) and reads the problem shown next to a field."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from werkzeug.test import TestResponse

from tests.app_helpers import ApiClient, csrf_token


class Pages:
    """Forms of the pages, submitted by a browser signed in with a write token."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.client = api.client

    def submit(self, path: str, data: dict[str, Any], form_page: str | None = None) -> TestResponse:
        """POST ``data`` to ``path`` with the CSRF token of ``form_page`` (``path`` itself when
        the form posts back to its page)."""
        token = csrf_token(self.client, form_page or path)
        return self.client.post(path, data={**data, "csrf_token": token})

    def delete_confirmed(self, path: str, says: list[str], then: str) -> None:
        """Open the delete's confirmation page at ``path``, which must say each of ``says``,
        confirm, and expect to be sent to ``then``."""
        __tracebackhide__ = True
        page = self.client.get(path).text
        for line in says:
            assert line in page
        response = self.submit(path, {})
        assert response.status_code == 302
        assert response.headers["Location"] == then


def field_error(page: str, field_id: str) -> str:
    """The problem shown next to the field ``field_id``, which must point to it for screen
    readers (``aria-describedby``); fails when there is none."""
    __tracebackhide__ = True
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    assert match, f"no problem shown by {field_id!r}"
    assert f'aria-describedby="{field_id}-error"' in page, f"{field_id!r} does not point to it"
    return html.unescape(match.group(1))


@pytest.fixture
def pages(web: ApiClient) -> Pages:
    """Forms submitted by a client signed in to the pages with a write token."""
    return Pages(web)
