"""deploycheck: checks that a Dockerfile, a Render Blueprint and the image built from them are
fit to deploy, before they are deployed.

Rules are functions registered in :mod:`deploycheck.registry` that return
:class:`~deploycheck.findings.Finding` objects (rule id, message, file:line, level); the
command line (``deploycheck``: :mod:`deploycheck.cli` dispatches to a module of
:mod:`deploycheck.commands` per command), its reporters and the pytest plugin
(:mod:`deploycheck.testing`) all use them. What is particular to one project (its base image,
its user, opt-in conventions) comes from that project's ``.deploycheck.yaml``, never from the
package.

Beside the checks: :mod:`deploycheck.baseline` (adopt a project with known findings),
:mod:`deploycheck.init` (a starter config), :mod:`deploycheck.cost` (the Blueprint's monthly
price) and :mod:`deploycheck.rehearse` (Render's deploy replayed on real containers).
"""

# The one place the version is written: pyproject.toml reads it (setuptools' dynamic version),
# `deploycheck --version` and SARIF's driver version print it, and the registry compares
# release numbers against it (``since=``, ``rules-version:``).
__version__ = "0.2.0"
