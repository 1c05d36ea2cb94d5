"""The pager of the printing commands (``--pager``, ``--no-pager``, automatic like git) and
their output at 80 columns, through the real entry point over a small hand-made store."""

from __future__ import annotations

import json
import re

import pytest

from citegraph import cli
from citegraph.cli import pager as cli_pager
from citegraph.config import Settings
from citegraph.errors import CitegraphError
from citegraph.crawl import SOURCE_RECORD
from citegraph.models import Article, MeshHeading
from citegraph.store import Store

COLOUR = re.compile(r"\x1b\[[0-9;]*m")
LINK = re.compile(r"\x1b\]8;[^\x1b]*\x1b\\")  # OSC 8 hyperlinks (ours: PubMed, DOI, PMC)

#: every command with a human view, with arguments that make it print something long
COMMANDS = [
    ["show", "1"], ["stats"], ["path", "30", "1"], ["why", "30", "--seed", "1"], ["rank", "1"],
    ["mainpath", "1"], ["related", "3"], ["communities", "--members"], ["topics", "1"], ["timeline", "1"],
]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """Paper 1 cited by 2..39; paper n > 2 also cites n - 1 (a chain 39 -> ... -> 2 -> 1);
    two MeSH groups, long titles."""
    cache = tmp_path_factory.mktemp("pager") / "cg"
    with Store(Settings.from_env(data_dir=cache).store_path) as store, store.transaction():
        articles = [Article(pmid=str(p), year=1980 + p, journal="Journal of Tests",
                            title=f"Paper {p} on lymphokine-activated killer cells and " + "interleukin-2 " * 6,
                            abstract="word " * 100,
                            mesh=[MeshHeading(ui="D007376" if p % 2 else "D016219",
                                              descriptor="Interleukin-2" if p % 2 else "Immunotherapy, Adoptive")])
                    for p in range(1, 40)]
        store.put_articles(articles, source="test")
        store.add_citations([(str(p), "1") for p in range(2, 40)] + [(str(p), str(p - 1)) for p in range(3, 40)],
                            SOURCE_RECORD)
    return cache


@pytest.fixture
def pages(monkeypatch):
    """What went through the pager: [(command, text)]; stdout counts as a 5-line terminal."""
    paged = []
    monkeypatch.setattr(cli_pager, "_run_pager", lambda command, text: paged.append((command, text)))
    monkeypatch.setattr(cli_pager, "_stdout_is_terminal", lambda app: True)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "5")
    monkeypatch.setenv("PAGER", "less")
    monkeypatch.delenv("CITEGRAPH_PAGER", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return paged


def run(stored, capsys, *args):
    code = cli.main(["--cache-dir", str(stored), *args])
    out, err = capsys.readouterr()
    assert code == 0, (args, err)
    return out


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_long_output_is_paged_automatically_at_80_columns(stored, capsys, pages, command):
    out = run(stored, capsys, *command)
    assert out == "" and len(pages) == 1, command
    pager, text = pages[0]
    assert pager == "less"
    assert "\x1b]8;" not in text  # hyperlinks dropped for the pager, as rich's own pager does
    lines = COLOUR.sub("", text).splitlines()
    assert len(lines) >= 5 and COLOUR.search(text)  # taller than the terminal, colours kept for less -R
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]


def test_pager_flags_json_and_environment(stored, capsys, pages, monkeypatch):
    run(stored, capsys, "stats", "--no-pager")  # --no-pager prints
    assert not pages
    assert json.loads(run(stored, capsys, "rank", "1", "--json", "--pager"))["rows"]  # never JSON
    assert not pages
    monkeypatch.setenv("LINES", "500")
    assert "Paper 2 " in run(stored, capsys, "rank", "1")  # fits the terminal: printed
    assert not pages
    assert run(stored, capsys, "rank", "1", "--pager") == ""  # --pager pages even short output
    assert len(pages) == 1 and "Paper 2 " in pages[0][1]
    monkeypatch.setenv("LINES", "5")
    for value in ("never", "cat"):
        monkeypatch.setenv("CITEGRAPH_PAGER", value)
        assert "Paper 2 " in run(stored, capsys, "rank", "1")
    assert len(pages) == 1
    monkeypatch.setenv("CITEGRAPH_PAGER", "most -s")  # CITEGRAPH_PAGER wins over PAGER
    run(stored, capsys, "rank", "1")
    assert pages[-1][0] == "most -s"


def test_printed_output_keeps_its_links(stored, capsys, pages, monkeypatch):
    monkeypatch.setenv("LINES", "500")
    out = run(stored, capsys, "show", "1", "--limit", "2")
    assert not pages and LINK.search(out) and "https://pubmed.ncbi.nlm.nih.gov/1/" in out


def test_not_a_terminal_prints(stored, capsys, monkeypatch):
    """Not even with FORCE_COLOR (colours for a pipe) or --pager."""
    monkeypatch.setattr(cli_pager, "_run_pager", lambda command, text: pytest.fail("paged without a terminal"))
    monkeypatch.setenv("LINES", "5")
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = run(stored, capsys, "rank", "1", "--pager")
    assert "Paper 2 " in out and "\x1b[" in out
    monkeypatch.delenv("FORCE_COLOR")
    out = run(stored, capsys, "rank", "1")
    assert "Paper 2 " in out and "\x1b" not in out


def test_the_pager_command_runs_with_the_text(stored, capsys, monkeypatch, tmp_path):
    """A real pager process (a shell command line, as git runs $PAGER) gets the whole output."""
    target = tmp_path / "paged.txt"
    monkeypatch.setattr(cli_pager, "_stdout_is_terminal", lambda app: True)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setenv("CITEGRAPH_PAGER", f"cat > '{target}'")
    assert run(stored, capsys, "rank", "1", "--limit", "30") == ""
    text = LINK.sub("", target.read_text())
    assert "Paper 2 " in text and "Paper 30 " in text
    assert not re.search(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)", text)  # NO_COLOR: no colours


def test_an_error_after_output_still_shows_the_output(stored, capsys, pages, monkeypatch):
    import citegraph.views.analysis as views

    def broken(*args, **kwargs):
        raise CitegraphError("the view broke")

    monkeypatch.setattr(views, "related_table", broken)
    code = cli.main(["--cache-dir", str(stored), "related", "3"])
    out, err = capsys.readouterr()
    assert code == 1 and "the view broke" in err
    assert "Paper 3 " in out and not pages  # the paper line printed before the error


def test_communities_limit(stored, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    everything = json.loads(run(stored, capsys, "communities", "--json", "--resolution", "5"))["communities"]
    assert len(everything) >= 2
    out = run(stored, capsys, "communities", "--limit", "1", "--resolution", "5")
    assert f"… {len(everything) - 1:,} more communities" in out
    assert len(json.loads(run(stored, capsys, "communities", "--json", "--limit", "1",
                              "--resolution", "5"))["communities"]) == 1
