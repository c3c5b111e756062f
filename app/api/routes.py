"""The views every resource has alike, registered on its blueprint as its ``@bp`` views are
(before any app registers it): a page of rows, one row, and for the simple resources a create.
Their endpoint names are those the views would have as functions (``courses.get_course``).
Each sees and makes the current teacher's rows only (``app.ownership``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint

from ..ownership import current_teacher_id, owned
from .common import Field, accepts, filtered, get_or_404, paginated, parse_body
from .writes import created


def read_routes(
    bp: Blueprint, model: type[Any], order_by: Sequence[Any], filters: Mapping[str, Any] = {}
) -> None:
    """``GET ""`` (a page of ``model``'s rows in ``order_by`` order, narrowed by the query
    arguments in ``filters``) and ``GET /<id>`` (one row, or 404) on ``bp``: the views
    ``list_<bp.name>`` and ``get_<row>``, where ``bp`` is named for the rows (``courses``).
    The list view's ``filters`` attribute names its query arguments for app.openapi."""
    row = bp.name.removesuffix("s")

    def list_rows() -> dict[str, Any]:
        return paginated(filtered(owned(model).order_by(*order_by), filters))

    def get_row(**view_args: int) -> dict[str, Any]:
        (object_id,) = view_args.values()
        return get_or_404(model, object_id).to_dict()

    list_rows.filters = tuple(filters)  # type: ignore[attr-defined]
    bp.add_url_rule("", f"list_{bp.name}", list_rows, methods=["GET"])
    bp.add_url_rule(f"/<int:{row}_id>", f"get_{row}", get_row, methods=["GET"])


def create_route(
    bp: Blueprint, model: type[Any], fields: Mapping[str, Field], duplicate_message: str
) -> None:
    """``POST ""`` on ``bp`` (the view ``create_<row>``): a ``model`` row from the body checked
    against ``fields``, of the current teacher, 201, or 409 with ``duplicate_message`` when
    the teacher has it already."""
    row = bp.name.removesuffix("s")

    @accepts(fields)
    def create_row() -> tuple[dict[str, Any], int]:
        row = model(**parse_body(), teacher_id=current_teacher_id())
        return created(row, duplicate_message)

    bp.add_url_rule("", f"create_{row}", create_row, methods=["POST"])
