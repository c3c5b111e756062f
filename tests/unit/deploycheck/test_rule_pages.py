"""Every rule has a page: why it matters, a passing and a failing example, how to fix it and
the documentation it rests on; docs/rules.md shows them and SARIF links to them."""

from __future__ import annotations

import io
import json
import re
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from deploycheck.cli import main
from deploycheck.findings import Finding, Level
from deploycheck.registry import RuleInfo, load_all
from deploycheck.reporters import SarifReporter, TextReporter
from deploycheck.reporters.base import packaged_docs_url
from deploycheck.rule_pages import PAGES

RULES = list(load_all())
# Sources are the platforms' and the peer tools' own documentation.
SOURCE_HOSTS = {
    "render.com",
    "docs.docker.com",
    "docs.github.com",
    "github.com",
    "yamllint.readthedocs.io",
    "pypi.org",
}


@pytest.mark.parametrize("info", RULES, ids=lambda info: info.id)
def test_every_rule_has_why_fix_source_and_examples(info: RuleInfo) -> None:
    assert info.page is not None, f"{info.id} has no entry in deploycheck/rule_pages.py"
    assert info.page.why.strip().endswith("."), info.id
    assert info.page.fix.strip().endswith("."), info.id
    source = urlsplit(info.page.source)
    assert (source.scheme, source.netloc in SOURCE_HOSTS) == ("https", True), info.page.source
    doc = info.doc.lower()
    assert re.search(r"\bpass(es)?:", doc), f"{info.id}: no passing example"
    assert re.search(r"\bfails?:", doc), f"{info.id}: no failing example"


def test_the_table_has_no_page_for_an_unknown_rule() -> None:
    assert sorted(set(PAGES) - {info.id for info in RULES}) == []


def test_the_generated_docs_show_each_page() -> None:
    from deploycheck import catalogue

    text = catalogue.render("markdown")
    for info in RULES:
        section = text.split(f"\n### {info.id}\n", 1)[1].split("\n### ", 1)[0]
        assert f"Why it matters: {info.page.why}" in section, info.id
        assert f"How to fix: {info.page.fix}" in section, info.id
        assert f"Source: <{info.page.source}>" in section, info.id


def test_sarif_and_text_point_to_the_page() -> None:
    infos = load_all().infos()
    found = [Finding("Dockerfile", 3, "DF004", "runs as root", Level.ERROR)]
    base = "https://github.com/OWNER/REPO/blob/main/"
    sarif = json.loads(SarifReporter(docs_url=base).render(found, infos))
    (df004,) = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "DF004"]
    assert df004["helpUri"] == base + "docs/rules.md#df004"
    assert "How to fix: " in df004["help"]["text"]
    assert PAGES["DF004"].source in df004["help"]["text"]
    text = TextReporter(show_docs=True, docs_url=base).render(found, infos)
    assert text.splitlines()[0].endswith("(DF004) " + base + "docs/rules.md#df004")


def _dockerfile_as_root(tmp_path: Path) -> Path:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM python:3.12-slim\nEXPOSE 8000\nCMD ["python", "-m", "app"]\n')
    (tmp_path / ".dockerignore").write_text(".git\n")
    return dockerfile


def _check(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return (
        main(["dockerfile", *argv, "--no-config", "--rule", "DL3006=off"], out, err),
        (out.getvalue()),
        err.getvalue(),
    )


def test_the_installed_package_says_where_its_rule_pages_are() -> None:
    rules_url = next(
        url.split(",", 1)[1].strip()
        for url in metadata.metadata("deploycheck").get_all("Project-URL")
        if url.lower().startswith("rules,")
    )
    assert packaged_docs_url() + "docs/rules.md" == rules_url
    assert packaged_docs_url("no-such-distribution-x") is None


def test_sarif_and_text_link_the_page_without_being_told_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEPLOYCHECK_DOCS_URL", raising=False)
    dockerfile = _dockerfile_as_root(tmp_path)
    page = f"{packaged_docs_url()}docs/rules.md#df004"

    code, out, err = _check(str(dockerfile), "--root", str(tmp_path), "--format", "sarif")
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"]: r.get("helpUri") for r in rules}["DF004"] == page
    assert all(urlsplit(r["helpUri"]).scheme == "https" for r in rules)

    code, out, err = _check(str(dockerfile), "--root", str(tmp_path))
    *rows, verdict, pages = out.splitlines()
    assert (code, err) == (1, "")
    assert all(row.startswith(f"{dockerfile}:") and "rule pages" not in row for row in rows)
    assert verdict.startswith("failed: 1 error(s), ")
    assert pages == f"rule pages: DF004 {page}"


def test_the_docs_url_setting_wins_over_the_packaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOYCHECK_DOCS_URL", "https://docs.example.org/deploycheck/")
    dockerfile = _dockerfile_as_root(tmp_path)
    _, out, _ = _check(str(dockerfile), "--root", str(tmp_path))
    assert "DF004 https://docs.example.org/deploycheck/docs/rules.md#df004" in out.splitlines()[-1]
    _, out, _ = _check(str(dockerfile), "--root", str(tmp_path), "--docs-url", "https://x.test/")
    assert "DF004 https://x.test/docs/rules.md#df004" in out.splitlines()[-1]
