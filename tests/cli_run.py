"""Running a command in the test's own process: ``run(capsys, *args)`` gives the exit code
and what it wrote to stdout and stderr."""

from __future__ import annotations

from citegraph import cli


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
