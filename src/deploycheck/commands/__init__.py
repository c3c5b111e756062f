"""The subcommands of ``deploycheck``, one module per command or group of commands;
:mod:`deploycheck.cli` parses the command line and dispatches to them."""
