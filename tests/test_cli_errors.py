"""How errors reach the user: one line, and a hint where one helps."""

from __future__ import annotations

import pytest

from citegraph import cli
from citegraph.errors import NetworkError


@pytest.mark.parametrize("host,hinted", [("eutils.ncbi.nlm.nih.gov", True), ("127.0.0.1:8999", False)])
def test_an_unreachable_ncbi_points_to_the_offline_demo(monkeypatch, capsys, host, hinted):
    def unreachable(*args, **kwargs):
        raise NetworkError(f"elink: cannot connect to {host} (Name or service not known) (gave up after 6 attempts)")

    monkeypatch.setattr(cli.cli, "main", unreachable)
    assert cli.main(["crawl", "3493432"]) == cli.EXIT_ERROR
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("citegraph: error: elink: cannot connect to " + host)
    assert ("citegraph demo" in lines[0]) is hinted
