"""One graph engine: the analysis package reads the CSR arrays only (no networkx, no import
cycle, small modules), and `show` answers without networkx."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from citegraph.config import Settings
from citegraph.models import Article
from citegraph.store import Store

REPO = Path(__file__).resolve().parents[2]
ANALYSIS = REPO / "citegraph" / "analysis"


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(sibling modules of the analysis package, other top-level modules) that ``path`` imports."""
    siblings, others = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            siblings.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            others.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            others.update(alias.name.split(".")[0] for alias in node.names)
    return siblings, others


def test_analysis_imports_no_networkx_has_no_cycle_and_no_long_module():
    modules = {p.stem: p for p in ANALYSIS.glob("*.py")}
    graph = {}
    for name, path in modules.items():
        siblings, others = _imports(path)
        assert "networkx" not in others, name
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 500, name
        graph[name] = siblings & modules.keys()

    def reaches(start: str) -> set[str]:
        seen, todo = set(), list(graph[start])
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(graph[name])
        return seen

    assert [name for name in graph if name in reaches(name)] == []


def test_show_answers_without_networkx(tmp_path):
    path = Settings.from_env(data_dir=tmp_path).store_path
    with Store(path) as store, store.transaction():
        store.put_articles([Article(pmid=str(p), title=f"paper {p}", year=1990 + p, raw_xml=b"<x/>")
                            for p in (1, 2, 3)])
        store.add_citations([("2", "1"), ("3", "2")], "pubmed:references")
    code = ("import sys, cli\n"
            f"code = cli.main(['--cache-dir', {str(tmp_path)!r}, 'show', '1', '--json'])\n"
            "assert code == 0, code\n"
            "assert 'networkx' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["citing_by_generation"] == {"1": ["2"], "2": ["3"]}


def test_show_a_paper_without_a_record_cited_only_by_papers_without_one(tmp_path, capsys):
    from citegraph import cli

    path = Settings.from_env(data_dir=tmp_path).store_path
    with Store(path) as store, store.transaction():
        store.put_articles([Article(pmid="1", title="paper 1", year=1990, raw_xml=b"<x/>")])
        store.add_citations([("1", "5"), ("8", "7")], "pubmed:references")
    assert cli.main(["--cache-dir", str(tmp_path), "show", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["article"] is None and data["cited_by"] == 1 and data["citing_by_generation"] == {"1": ["1"]}
    assert cli.main(["--cache-dir", str(tmp_path), "show", "7"]) == 0  # cited, but by no stored paper
    assert "no stored record (cited by 0 stored papers)" in capsys.readouterr().out
    assert cli.main(["--cache-dir", str(tmp_path), "show", "9"]) == 1
    assert "PMID 9 is not in the store" in capsys.readouterr().err
