"""The command line from a checkout: ``python cli.py ...`` runs ``citegraph ...``
(the installed console script and ``python -m citegraph`` run the same, citegraph.cli)."""

from citegraph.cli import console_main, main  # noqa: F401

if __name__ == "__main__":
    console_main()
