"""Any text at all: the Dockerfile checker exits 0, 1 or 2 (one line), never with a traceback.

Hypothesis builds Dockerfile-shaped bytes from instruction names, flags, quotes, heredoc
markers, continuations, CRLF, a BOM and stray Latin-1 or NUL bytes. Derandomized, so CI runs
the same examples every time.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, main
from deploycheck.rules.dockerfile import check
from deploycheck.targets.dockerfile import Dockerfile

KEYWORDS = [
    *("FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "USER", "HEALTHCHECK", "CMD", "ENTRYPOINT"),
    *("EXPOSE", "WORKDIR", "LABEL", "ONBUILD", "SHELL", "from", "Run", "RUNN", "# escape=`"),
]
PIECES = [
    *("python:3.11-slim-bookworm", "AS", "base", "scratch", "${BASE}", "$X", "${Y:-z}"),
    *("--platform=linux/amd64", "--mount=type=cache,target=/root/.cache/pip", "--from=base"),
    *("pip install -r requirements.txt", "&&", "||", ";", "|", "NONE", "CMD", '["a", "b"]'),
    *("[", "]", '"', "'", "\\", "`", "<<EOF", "EOF", "=", "A=1", "KEY", "https://x/y.tgz"),
    *("--interval=5s", "0", "root", "10001:10001", "#", "\t"),
]
word = st.one_of(st.sampled_from(PIECES), st.text(max_size=6))
line = st.builds(
    lambda keyword, words: " ".join([keyword, *words]),
    st.sampled_from(KEYWORDS),
    st.lists(word, max_size=6),
)


@st.composite
def dockerfile_bytes(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(["\n", "\r\n"])).join(draw(st.lists(line, max_size=12)))
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.booleans()):
        data += draw(st.sampled_from([b"\xe9", b"\x00", b"\\", b"\n<<EOF"]))
    return data


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(dockerfile_bytes())
def test_any_text_exits_0_1_or_2_without_a_traceback(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as root:
        path = Path(root) / "Dockerfile"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["dockerfile", str(path), "--root", root], stdout=out, stderr=err)
    assert code in (EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE)
    if code == EXIT_UNUSABLE:
        assert len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
        assert out.getvalue() == ""


@pytest.mark.slow
def test_a_5_mb_dockerfile_is_checked_to_the_end(tmp_path: Path) -> None:
    """Work grows with the file, not faster: 5 MB of ordinary instructions finish with findings."""
    block = (
        "COPY requirements.txt .\n"
        "RUN pip install -r requirements.txt && useradd --uid 10001 app\n"
        "ENV A=1 \\\n    B=2\n"
    )
    text = "FROM python:3.11-slim-bookworm\n" + block * (5_000_000 // len(block))
    path = tmp_path / "Dockerfile"
    path.write_text(text + 'USER 10001\nCMD ["python"]\n', encoding="utf-8")
    found = check(Dockerfile(path))
    assert len(path.read_bytes()) >= 4_900_000
    # One pip-cache finding per RUN, the last one included: every line was reached.
    assert sum(f.rule_id == "DF014" for f in found) == 5_000_000 // len(block)
