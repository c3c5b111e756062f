"""If-Match on PATCH and DELETE (issue 22, item 2): a stale ETag is a 412 that changes
nothing; the current one, ``*`` or no header at all go ahead."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app_helpers import ApiClient

# (what, path of the row, a PATCH body or None for DELETE)
WRITES = [
    ("grade", "/grades/{grade}", {"score": 15}),
    ("course", "/courses/{course}", {"name": "Calculus II"}),
    ("student", "/students/{ada}", {"name": "Ada L."}),
    ("assignment", "/assignments/{hw1}", {"title": "Homework 1"}),
    ("delete grade", "/grades/{grade}", None),
    ("delete enrollment", "/enrollments/{enrollment}", None),
    ("delete assignment", "/assignments/{hw1}", None),
    ("delete student", "/students/{ada}", None),
    ("delete course", "/courses/{course}", None),
]
IDS = [what for what, _, _ in WRITES]


@pytest.fixture
def paths(api: ApiClient, seed: dict[str, Any]) -> dict[str, int]:
    """Ids of seeded rows by the names WRITES uses."""
    ada = seed["ada"]["id"]
    grade = api.read(f"/grades?student_id={ada}&assignment_id={seed['hw1']['id']}")["items"][0]
    enrollment = api.read(f"/enrollments?student_id={ada}")["items"][0]
    return {
        "grade": grade["id"],
        "course": seed["course"]["id"],
        "ada": ada,
        "hw1": seed["hw1"]["id"],
        "enrollment": enrollment["id"],
    }


def _write(api: ApiClient, path: str, body: Any, if_match: str | None) -> Any:
    headers = {} if if_match is None else {"If-Match": if_match}
    if body is None:
        return api.delete(path, headers=headers)
    return api.patch(path, body, headers=headers)


@pytest.mark.parametrize(("what", "template", "body"), WRITES, ids=IDS)
@pytest.mark.parametrize("stale", ['"stale"', 'W/"{etag}"', '"other", W/"{etag}"'])
def test_stale_or_weak_etag_is_412_and_changes_nothing(
    api: ApiClient, paths: dict[str, int], what: str, template: str, body: Any, stale: str
) -> None:
    path = template.format(**paths)
    before = api.get(path)
    # If-Match compares strongly: the current ETag sent as weak does not match either.
    if_match = stale.format(etag=before.headers["ETag"].strip('"'))

    response = _write(api, path, body, if_match)

    assert response.status_code == 412, f"{what}: {response.get_json()}"
    assert response.get_json()["error"]["code"] == "precondition_failed"
    assert api.get(path).get_json() == before.get_json()


@pytest.mark.parametrize(("what", "template", "body"), WRITES, ids=IDS)
@pytest.mark.parametrize("current", ["{etag}", '"other", {etag}', "*", None])
def test_current_etag_star_or_no_header_goes_ahead(
    api: ApiClient, paths: dict[str, int], what: str, template: str, body: Any, current: Any
) -> None:
    path = template.format(**paths)
    etag = api.get(path).headers["ETag"]
    if_match = None if current is None else current.format(etag=etag)

    response = _write(api, path, body, if_match)

    assert response.status_code == (204 if body is None else 200), f"{what}: {response.text}"


def test_an_etag_is_stale_once_the_row_changed(api: ApiClient, paths: dict[str, int]) -> None:
    path = f"/grades/{paths['grade']}"
    etag = api.get(path).headers["ETag"]
    assert api.patch(path, {"score": 15}, headers={"If-Match": etag}).status_code == 200

    again = api.patch(path, {"score": 16}, headers={"If-Match": etag})

    assert again.status_code == 412
    assert api.read(path)["score"] == 15


def test_star_on_a_missing_row_is_404(api: ApiClient) -> None:
    # RFC 9110 13.2.1: without the header the answer would be 404, so the condition is moot.
    response = api.patch("/grades/999", {"score": 1}, headers={"If-Match": "*"})
    assert response.status_code == 404


def test_a_stale_etag_is_checked_before_the_body(api: ApiClient, paths: dict[str, int]) -> None:
    response = api.patch(
        f"/grades/{paths['grade']}", {"score": "lots"}, headers={"If-Match": '"stale"'}
    )
    assert response.status_code == 412
