"""Every rule has a page: why it matters, a passing and a failing example, how to fix it and
the documentation it rests on; docs/rules.md shows them and SARIF links to them."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from deploycheck.findings import Finding, Level
from deploycheck.registry import RuleInfo, load_all
from deploycheck.reporters import SarifReporter, TextReporter
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
