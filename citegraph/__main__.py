"""``python -m citegraph``: the command line (see citegraph.cli)."""

from citegraph.cli import console_main

console_main()
