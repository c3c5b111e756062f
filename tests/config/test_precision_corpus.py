"""The precision measurement (scripts/precision.py, docs/precision.md): the corpus manifest and
the labels are well formed, and the runner joins findings with verdicts and counts them right."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("precision", ROOT / "scripts" / "precision.py")
precision = importlib.util.module_from_spec(_spec)
sys.modules["precision"] = precision
_spec.loader.exec_module(precision)

ENTRIES = precision.load(precision.MANIFEST, "entries")
LABELS = precision.load(precision.LABELS, "labels")


def test_corpus_holds_at_least_100_files_of_both_kinds_at_pinned_commits() -> None:
    kinds = [e["kind"] for e in ENTRIES]
    assert len(ENTRIES) >= 100
    assert kinds.count("dockerfile") >= 40
    assert kinds.count("blueprint") >= 40
    for entry in ENTRIES:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", entry["repo"]), entry
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), entry
        assert entry["kind"] in precision.KINDS, entry
        assert entry["path"], entry
        assert entry["ecosystem"], entry
        assert entry["kind"] == "blueprint" or "context" in entry, entry
    assert len({(e["repo"], e["path"]) for e in ENTRIES}) == len(ENTRIES)


def test_every_label_names_a_corpus_file_and_gives_a_verdict_with_a_reason() -> None:
    files = {(e["repo"], e["path"]) for e in ENTRIES}
    for label in LABELS:
        assert (label["repo"], label["path"]) in files, label
        assert isinstance(label["verdict"], bool), label
        assert label["rule"], label
        assert label["subject"], label
        assert label["reason"].strip(), label
    keys = [(lb["repo"], lb["path"], lb["rule"], lb["subject"]) for lb in LABELS]
    assert len(set(keys)) == len(keys)


def _result(rule: str, message: str, path: str = "Dockerfile") -> precision.Result:
    entry = {"repo": "o/r", "path": path, "kind": "dockerfile", "context": "."}
    return precision.Result(entry, [{"rule": rule, "level": "error", "message": message}])


def _label(rule: str, subject: str, verdict: bool) -> dict:
    return {"repo": "o/r", "path": "Dockerfile", "rule": rule, "subject": subject,
            "verdict": verdict, "reason": "why"}  # fmt: skip


def test_a_label_matches_by_file_rule_and_subject_within_the_message() -> None:
    results = [_result("DF004", "runs as root"), _result("DF004", "other"), _result("DF001", "x")]
    joined, stale = precision.join(results, [_label("DF004", "as root", True)])
    assert [label is not None for _, _, label in joined] == [True, False, False]
    assert stale == []


def test_page_counts_precision_lists_unlabelled_and_true_problems_gone_quiet() -> None:
    results = [_result("DF004", f"root {n}") for n in range(4)] + [_result("DI002", "x.pem")]
    labels = [_label("DF004", f"root {n}", n < 3) for n in range(4)]
    labels.append(_label("DF011", "curl", True))
    joined, stale = precision.join(results, labels)
    text = precision.page(results, joined, stale, "abc1234")
    assert "| DF004 | 4 | 3 | 1 | 0 | 75.0% (below 90%) |" in text
    assert "o/r `Dockerfile` DI002: x.pem" in text
    assert "o/r `Dockerfile` DF011: why" in text
    assert "at `abc1234`" in text


def test_a_missing_checkout_is_reported_not_a_crash(tmp_path: Path) -> None:
    result = precision.check(ENTRIES[0], tmp_path, "deploycheck")
    assert "not in" in result.problem
    assert result.findings == []


def test_runs_deploycheck_in_the_build_context_and_keeps_its_error_findings(
    tmp_path: Path,
) -> None:
    deploycheck = shutil.which("deploycheck", path=str(Path(sys.executable).parent))
    assert deploycheck, "deploycheck is installed beside this interpreter"
    checkout = tmp_path / "o+r"
    (checkout / "app").mkdir(parents=True)
    (checkout / "app" / "Dockerfile").write_text(
        # A root server (EXPOSE) is DF004's error; a root one-shot command is only a warning.
        "FROM python:3.12-slim\nCOPY notes.txt /srv/\nEXPOSE 8000\n"
        'CMD ["python", "-m", "http.server"]\n',
        encoding="utf-8",
    )
    (checkout / "app" / "notes.txt").write_text("kept out\n", encoding="utf-8")
    (checkout / "app" / ".dockerignore").write_text("notes.txt\n", encoding="utf-8")
    entry = {"repo": "o/r", "path": "app/Dockerfile", "kind": "dockerfile", "context": "app"}
    result = precision.check(entry, tmp_path, deploycheck)
    assert result.problem == ""
    assert result.exit_code == 1
    assert {f["rule"] for f in result.findings} >= {"DF004", "DI003"}
    assert all(f["level"] == "error" for f in result.findings)


@pytest.mark.parametrize(("true", "false", "shown"), [(0, 0, "n/a"), (19, 1, "95.0%")])
def test_percent(true: int, false: int, shown: str) -> None:
    assert precision.percent(true, false) == shown
