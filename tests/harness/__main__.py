"""``python -m tests.harness``: see :mod:`tests.harness.cli`."""

from __future__ import annotations

from tests.harness.cli import main

raise SystemExit(main())
