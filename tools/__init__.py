"""Tools that run beside the tests: the capacity benchmark (``tools.bench``, scripts/bench)."""
