"""``deploycheck``: see :mod:`deploycheck.cli`."""

from __future__ import annotations

from deploycheck.cli import main

raise SystemExit(main())
