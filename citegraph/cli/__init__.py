"""citegraph's command-line front end: the only package that reads argv, prints and exits.

:func:`main` runs a command line and returns its exit code; :func:`console_main` is the
console script; ``cli`` is the click group holding every command.
"""

from citegraph.cli.app import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, App, cli
from citegraph.cli.entry import console_main, main

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "App", "cli", "console_main", "main"]
