"""HTTP targets for the security probes: one small base class, two implementations.

:class:`FlaskTarget` wraps a Flask test client, :class:`LiveTarget` a base URL reached with
``requests``; both take requests through :meth:`HttpTarget.request`, so
:mod:`deploycheck.checklist.probes` sends the same requests in-process and to a running container.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests
from flask.testing import FlaskClient

TIMEOUT = 10


@dataclass(frozen=True)
class ProbeResponse:
    """What a probe needs from a response: status, headers, every Set-Cookie line, body."""

    status: int
    headers: Mapping[str, str]
    set_cookies: list[str]
    text: str

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


class HttpTarget(ABC):
    """Something to send requests to; ``where`` names it in findings."""

    where: str

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: object = None,
    ) -> ProbeResponse:
        return self._send(method, path, dict(headers or {}), data, json)

    @abstractmethod
    def _send(
        self, method: str, path: str, headers: dict[str, str], data: object, json: object
    ) -> ProbeResponse: ...

    @abstractmethod
    def forget_cookies(self) -> None: ...


class FlaskTarget(HttpTarget):
    """A Flask test client (it keeps cookies between requests, like a browser)."""

    def __init__(self, client: FlaskClient, where: str = "flask test client") -> None:
        self.client = client
        self.where = where

    def _send(
        self, method: str, path: str, headers: dict[str, str], data: object, json: object
    ) -> ProbeResponse:
        # Closed at once: a static file's response holds the file open until then.
        with self.client.open(
            path, method=method, headers=headers, data=data, json=json
        ) as response:
            return ProbeResponse(
                response.status_code,
                dict(response.headers),
                response.headers.getlist("Set-Cookie"),
                response.get_data(as_text=True),
            )

    def forget_cookies(self) -> None:
        self.client = self.client.application.test_client()


@dataclass
class LiveTarget(HttpTarget):
    """A running server at ``base_url``. Cookies are kept by hand: the app marks them Secure,
    and a cookie jar would never send those back over the plain HTTP of a local port, while a
    browser behind Render's TLS does."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return self.base_url

    def _send(
        self, method: str, path: str, headers: dict[str, str], data: object, json: object
    ) -> ProbeResponse:
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method,
            self.base_url + path,
            headers=headers,
            data=data,
            json=json,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        set_cookies = response.raw.headers.getlist("Set-Cookie")
        for line in set_cookies:
            name, _, rest = line.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return ProbeResponse(
            response.status_code, dict(response.headers), set_cookies, response.text
        )

    def forget_cookies(self) -> None:
        self.cookies.clear()
