"""The load a project's ``rehearse:`` config describes (:mod:`.settings`): its reads in turn
and, with a write probe, one write in four whose acknowledgement is looked up afterwards.

Templates: ``{setup}`` in a header is the last line the setup command printed (an API token,
say); ``{n}`` and ``{uid}`` in a write's body are the request's number and a random hex string
(unique values across scenarios); ``{ack}`` in the check's path is the acknowledged value.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from deploycheck.rehearse.load import REQUEST_TIMEOUT, Request
from deploycheck.rehearse.settings import Call, RehearseSettings

if TYPE_CHECKING:
    from deploycheck.rehearse.stack import Stack

WRITE_EVERY = 4  # one request in four is a write, when there is a write probe


def fill(template: Any, values: Mapping[str, object]) -> Any:
    """``template`` (a string, or lists and mappings of them) with ``{name}`` filled in."""
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", str(value))
        return template
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill(item, values) for key, item in template.items()}
    return template


def last_line(output: str) -> str:
    """The last non-blank line a setup command printed (its result: an API token, say)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@dataclass
class ConfiguredWorkload:
    """The workload of a ``rehearse:`` section for a service whose health path is
    ``health_path`` (the default reads are GET on it and on ``/``)."""

    settings: RehearseSettings
    health_path: str | None
    setup_output: str = ""
    base_url: str = ""
    reads: tuple[Call, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.reads = self.settings.read_calls(self.health_path)

    @property
    def setup_command(self) -> str | None:
        return self.settings.setup

    @property
    def writes(self) -> bool:
        return self.settings.write is not None

    def prepare(self, base_url: str, setup_output: str) -> None:
        self.setup_output = last_line(setup_output)
        self.base_url = base_url

    def headers(self) -> Mapping[str, str]:
        return fill(dict(self.settings.headers), {"setup": self.setup_output})

    def request(self, number: int, writes: bool) -> Request:
        probe = self.settings.write
        if writes and probe is not None and number % WRITE_EVERY == WRITE_EVERY - 1:
            body = fill(probe.body, {"n": number, "uid": secrets.token_hex(4)})
            return Request("write", probe.request.method, probe.request.path, body)
        read = self.reads[number % len(self.reads)]
        return Request("read", read.method, read.path)

    def slow_request(self) -> Request | None:
        slow = self.settings.slow
        return Request("read", slow.method, slow.path) if slow else None

    def acknowledged(self, request: Request, response: requests.Response) -> Any:
        """The probe's ``ack`` field of a 2xx JSON answer; None for anything else."""
        probe = self.settings.write
        if probe is None or not 200 <= response.status_code < 300:
            return None
        try:
            answer = response.json()
        except ValueError:
            return None
        return answer.get(probe.ack) if isinstance(answer, dict) else None

    def missing(self, stack: Stack | None, acknowledged: Sequence[Any]) -> list[Any]:
        """Acknowledged writes whose check no longer answers 2xx, asked of the service
        (through the URL :meth:`prepare` got): a scenario checks while something serves."""
        probe = self.settings.write
        if probe is None:
            return []
        gone = []
        with requests.Session() as session:
            session.headers.update(self.headers())
            for ack in acknowledged:
                url = self.base_url + fill(probe.check.path, {"ack": ack})
                try:
                    answer = session.request(probe.check.method, url, timeout=REQUEST_TIMEOUT)
                except requests.RequestException as exc:
                    # No answer proves nothing either way: the scenario left nothing serving.
                    raise RuntimeError(f"cannot check write {ack!r} at {url}: {exc}") from exc
                if not 200 <= answer.status_code < 300:
                    gone.append(ack)
        return gone
