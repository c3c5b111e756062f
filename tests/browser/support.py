"""What the browser suite builds on: where Chromium and axe-core are, a watcher that records what a
page's console and content security policy say, axe-core run in the page, and the app served by
gunicorn on a free 127.0.0.1 port.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``) through
``executable_path``: Playwright's own browser download does not work here, and the Chrome
DevTools protocol it speaks is the one Debian's Chromium answers. ``scripts/browser-deps``
installs Chromium and axe-core.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Self
from urllib.parse import urlsplit

import pytest
import requests

from deploycheck.testing.processes import ServerProcess

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Error, Page

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
CHROMIUM_VAR = "CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# scripts/browser-deps installs this version here; bump both together.
AXE_VERSION = "4.14.1"
AXE_SCRIPT = ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"
DEPS_HINT = "run scripts/browser-deps (as root on Debian/Ubuntu)"
# axe-core's two worst impacts: what a person with a screen reader or a keyboard cannot get past.
BLOCKING_IMPACTS = ("serious", "critical")

# Added before any script of each document: the policy's own event, reported to Python through
# a binding that the page's policy cannot block (it is the DevTools protocol's, not a script).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
}, true);
"""


def browser_required(environ: Mapping[str, str] = os.environ) -> bool:
    """In CI (``CI=true``) a missing browser fails the suite, as a missing Docker engine does."""
    return environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(reason: str) -> None:
    """Skip the calling test with ``reason``, or fail it in CI."""
    __tracebackhide__ = True
    if browser_required():
        pytest.fail(f"{reason} (CI=true: a missing browser is a failure)", pytrace=False)
    pytest.skip(reason)


def chromium_executable() -> str:
    """Debian's Chromium (or ``$CHROMIUM``); skips, or fails in CI, when there is none."""
    wanted = os.environ.get(CHROMIUM_VAR) or DEFAULT_CHROMIUM
    found = shutil.which(wanted)
    if found is None:
        missing(f"no Chromium at {wanted}: {DEPS_HINT}, or set {CHROMIUM_VAR}")
    return str(found)


def axe_source() -> str:
    """axe-core's script, as scripts/browser-deps installed it."""
    if not AXE_SCRIPT.is_file():
        missing(f"axe-core is not installed at {AXE_SCRIPT.relative_to(ROOT)}: {DEPS_HINT}")
    source = AXE_SCRIPT.read_text(encoding="utf-8")
    if f"axe v{AXE_VERSION}" not in source[:200]:
        pytest.fail(f"{AXE_SCRIPT} is not axe-core {AXE_VERSION}: {DEPS_HINT}", pytrace=False)
    return source


@dataclass
class PageWatcher:
    """Everything a page said went wrong: console errors, uncaught exceptions and content
    security policy violations, across every document the page loads."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    # Documents whose error status the test expects (a 404 page): Chromium logs their load.
    expected_statuses: set[str] = field(default_factory=set)

    def attach(self) -> Self:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_page_error)
        self.page.expose_function("__cspViolation", self._on_csp_violation)
        self.page.add_init_script(CSP_LISTENER)
        return self

    def _on_console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type != "error" or self._expected_load_failure(url, message.text):
            return
        self.console_errors.append(f"{message.text} ({url}:{message.location.get('lineNumber')})")

    def _expected_load_failure(self, url: str, text: str) -> bool:
        if not text.startswith("Failed to load resource"):
            return False
        # Chromium asks every site for /favicon.ico on its own: a page that names no icon has
        # not failed when that 404s (a browser with a window does not log it).
        return url in self.expected_statuses or urlsplit(url).path == "/favicon.ico"

    def expect_error_status(self, url: str) -> None:
        """The test loads ``url`` for its error status (a 404 page): its load is no problem."""
        self.expected_statuses.add(url)

    def _on_page_error(self, error: Error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}")

    def _on_csp_violation(self, report: dict[str, Any]) -> None:
        self.csp_violations.append(
            f"{report['directive']} blocked {report['blocked'] or 'a script'} "
            f"({report['source']}:{report['line']}) {report['sample']!r}"
        )

    def settle(self) -> None:
        """Let events the page has queued (a violation is reported a task later) arrive."""
        if not self.page.is_closed():
            self.page.evaluate("() => new Promise((done) => setTimeout(done, 50))")

    def problems(self) -> list[str]:
        """What was recorded so far (``settle`` first to include what is still on its way)."""
        return (
            [f"CSP violation: {v}" for v in self.csp_violations]
            + [f"console error: {e}" for e in self.console_errors]
            + [f"uncaught exception: {e}" for e in self.page_errors]
        )

    def assert_clean(self) -> None:
        """Fail with every problem recorded since the last call; each is reported once."""
        __tracebackhide__ = True
        self.settle()
        found = self.problems()
        for recorded in (self.console_errors, self.page_errors, self.csp_violations):
            recorded.clear()
        if found:
            pytest.fail(
                f"the browser reported {len(found)} problem(s) on {self.page.url}:\n  "
                + "\n  ".join(found),
                pytrace=False,
            )


def axe_violations(
    page: Page, source: str, impacts: tuple[str, ...] = BLOCKING_IMPACTS
) -> list[dict[str, Any]]:
    """axe-core's violations of ``impacts`` on the page as it is now.

    Injected through the DevTools protocol (``evaluate``), which the page's content security
    policy does not govern, so checking adds no violation of its own.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source + "\n;undefined")
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in impacts]


def assert_accessible(page: Page, source: str) -> None:
    """No serious or critical axe-core violation on the page."""
    __tracebackhide__ = True
    found = axe_violations(page, source)
    if found:
        lines = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"])
            + f" - {v['helpUrl']}"
            for v in found
        ]
        pytest.fail(
            f"axe-core found {len(found)} serious or critical violation(s) on {page.url}:\n  "
            + "\n  ".join(lines),
            pytrace=False,
        )


def screenshot(page: Page, directory: Path, name: str) -> Path:
    """Save the whole page as ``directory/name.png`` for reviewers."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def flask(env: Mapping[str, str], *args: str, stdin: str | None = None) -> str:
    """Run ``flask --app app ARGS`` as an operator would (``stdin`` typed in); its stdout, or a
    failure with both."""
    __tracebackhide__ = True
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"flask {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}",
            pytrace=False,
        )
    return done.stdout


class AppServer(ServerProcess):
    """The app as production runs it (``gunicorn -c gunicorn.conf.py``), listening on a socket
    this process bound on a free 127.0.0.1 port and hands over as ``fd://`` (no port race).
    Stopping it is Render's: SIGTERM, SIGKILL if it has not left in 30 s."""

    name = "gunicorn"
    hint = "run the same command by hand with the env in the log"

    def __init__(self, env: Mapping[str, str], log_path: Path, ready_timeout: float = 60.0):
        super().__init__(log_path, ready_timeout, stop_timeout=30.0)
        self.env = dict(env)
        self.url = ""

    def _launch(self, log: BinaryIO) -> subprocess.Popen[bytes]:
        with socket.socket() as listener:
            listener.bind((HOST, 0))
            listener.listen(128)
            self.url = f"http://{HOST}:{listener.getsockname()[1]}"
            fd = listener.fileno()
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "gunicorn.conf.py",
                    "--bind",
                    f"fd://{fd}",
                ],
                cwd=ROOT,
                env=self.env,
                pass_fds=(fd,),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _waiting_for(self) -> str | None:
        try:
            response = requests.get(f"{self.url}/health", timeout=5)
        except requests.RequestException as exc:  # not listening yet, or still booting
            return f"{self.url}/health: {exc}"
        if response.status_code == 200:
            return None
        return f"{self.url}/health: {response.status_code} {response.text[:200]}"


@dataclass(frozen=True)
class LiveApp:
    """The running app: its address, its teacher's sign-in and write token, the gunicorn log."""

    url: str
    email: str
    password: str
    token: str
    log: Path


def sign_in(page: Page, live_app: LiveApp) -> None:
    """Sign in through the form with the teacher's email and password, as a person types them."""
    page.goto(f"{live_app.url}/login")
    page.get_by_label("Email").fill(live_app.email)
    page.get_by_label("Password").fill(live_app.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_app.url}/")


class HttpApi:
    """The app's JSON API over HTTP with a bearer token, for setting up what pages show."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base = f"{base_url}/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST and return the created object, failing loudly if it was not created."""
        __tracebackhide__ = True
        response = self.session.post(self.base + path, json=body, timeout=10)
        assert response.status_code == 201, f"POST {path} {body}: {response.text[:300]}"
        return response.json()

    def close(self) -> None:
        self.session.close()


class StaticSite:
    """A throwaway site on a free 127.0.0.1 port: ``pages`` maps a path to its content type and
    body, every answer carries ``policy`` as its Content-Security-Policy, anything else is 404.
    It lets the suite prove its checks fail on a page that is known to be broken."""

    def __init__(self, pages: Mapping[str, tuple[str, str]], policy: str) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                content_type, body = site.pages.get(self.path, ("text/plain", "not found"))
                self.send_response(200 if self.path in site.pages else 404)
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Security-Policy", site.policy)
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Quiet: pytest shows the test's output, not every request."""

        self.pages = dict(pages)
        self.policy = policy
        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _html(title: str, body: str) -> tuple[str, str]:
    return "text/html", (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><main><h1>{title}</h1>{body}</main></body></html>"
    )


# The app's policy for scripts (app/headers.py): its own origin only, no inline script.
PROBE_POLICY = "default-src 'self'"
# One page per thing the suite must catch, and one with none of them.
PROBE_PAGES = {
    "/clean": _html(
        "Clean", '<script src="/ok.js"></script><img src="/dot.svg" alt="A dot" width="8">'
    ),
    "/inline-script": _html("Inline script", '<script>document.title = "ran";</script>'),
    "/console-error": _html("Console error", '<script src="/console-error.js"></script>'),
    "/uncaught": _html("Uncaught", '<script src="/throws.js"></script>'),
    "/unlabelled": _html(
        "Unlabelled", '<img src="/dot.svg" width="8"><form><input type="text" name="q"></form>'
    ),
    "/ok.js": ("text/javascript", 'document.documentElement.dataset.ready = "yes";'),
    "/console-error.js": ("text/javascript", 'console.error("the probe logged an error");'),
    "/throws.js": ("text/javascript", 'throw new Error("the probe threw");'),
    "/dot.svg": (
        "image/svg+xml",
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><circle r="4" cx="4" '
        'cy="4"/></svg>',
    ),
}
