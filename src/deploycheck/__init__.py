"""The gradetracker deploy harness: checks for Dockerfile.render, render.yaml and the image.

Checks are functions that return :class:`~deploycheck.findings.Finding` objects; the pytest
suites, the reviewer report and the command line (``deploycheck``) all use them.
"""
