"""Exceptions raised by the harness. Library code raises these; only CLIs turn them into exits."""

from __future__ import annotations


class HarnessError(Exception):
    """Base class: a check could not run (not: a check found a problem, that is a Finding)."""


class ImageBuildError(HarnessError):
    """``docker build`` failed; the message ends with the tail of the build log."""


class ContainerNotReadyError(HarnessError):
    """A container did not become ready in time; names it, its status and last log lines."""


class ConfigFileError(HarnessError):
    """A config file to check is missing or unreadable, so no check can run on it."""


class ConfigError(HarnessError):
    """deploycheck's own config (``.deploycheck.yaml``, ``[tool.deploycheck]``, an override env
    var) is malformed or names an unknown rule or option; the message starts with file:line."""


class ToolUnavailableError(HarnessError):
    """An external checker (hadolint) is missing or broke; the message ends with a Hint."""


class ImageUnavailableError(HarnessError):
    """An image is neither present locally nor pullable; the hint says how to provision it."""


class CommandFailedError(HarnessError):
    """A one-off command in a container (a pre-deploy migration) exited non-zero; the message
    holds its exit code and output."""


class RegistryError(HarnessError):
    """The local registry did not start, or a push to it failed; the message says which and
    ends with the registry's last log lines or a Hint."""
