"""deploycheck: checks that a Dockerfile, a Render Blueprint and the built image are fit to deploy.

Checks are functions that return :class:`~deploycheck.findings.Finding` objects; the pytest
suites, the reviewer report and the command line (``deploycheck``) all use them.
"""
