"""Registering a blueprint on one app, with hooks of that app's own.

``bp.before_request`` would attach a hook to the blueprint object, which every app that
registers it shares, and it is usually called when the module is imported. Here the hooks go
into the app's own registry, keyed by the blueprint's name as Flask keys those of
``bp.before_request``, so they run at the same point of the request (after the app's own hooks)
and two apps in one process never share them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Blueprint, Flask


def register(
    app: Flask,
    bp: Blueprint,
    *,
    before_request: Sequence[Callable[[], Any]] = (),
    after_request: Sequence[Callable[[Any], Any]] = (),
    **options: Any,
) -> None:
    """Register ``bp`` on ``app`` (``options`` as for ``register_blueprint``), then its hooks."""
    app.register_blueprint(bp, **options)
    app.before_request_funcs.setdefault(bp.name, []).extend(before_request)
    app.after_request_funcs.setdefault(bp.name, []).extend(after_request)
