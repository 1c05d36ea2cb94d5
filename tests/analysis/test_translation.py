"""The road to the clinic (citegraph.analysis.translation and the `translation` command).

By hand on a small graph; then through the real entry point on a synthetic crawl and on a
store imported from the real PubMed update file, each checked against milestones and shares
recomputed here with plain Python from the store's rows (years, citation pairs, publication
types, and the lens's cached classification), not through the module under test.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque

import numpy as np
import pytest

from citegraph import cli
from citegraph.analysis.csr import CitationGraph
from citegraph.analysis.lens import load_lens, parse_lens
from citegraph.analysis.load import prepare
from citegraph.analysis.selection import PaperMeta
from citegraph.analysis.translation import MILESTONES, is_clinical_article, translation
from citegraph.errors import InputError
from citegraph.store import Store
from citegraph.testing import Corpus, EutilsServer
from store_copy import copy_store

from .helpers import graph

# -- by hand -----------------------------------------------------------------------------------

LENS = """
name = "test"
[[topic]]
key = "car"
name = "CAR-T"
patterns = ['chimeric antigen receptor']
[[topic]]
key = "il2"
name = "IL-2"
patterns = ['interleukin-2']
"""

# 1 is the seed (1980). Generation 1: 2, 4, 5, 8, 9; generation 2: 3 (cites 2), 6 (cites 4);
# generation 3: 7 (cites 6). 10 cites nothing in the graph: not a descendant.
EDGES = [("2", "1"), ("3", "2"), ("4", "1"), ("5", "1"), ("6", "4"), ("7", "6"), ("8", "1"), ("9", "1")]
YEARS = {"1": 1980, "2": 1990, "3": 1992, "4": 1992, "5": 1992, "6": None, "7": 1999, "8": 2007, "9": 1996,
         "10": 1995}
TYPES = {
    "1": ["Clinical Trial, Phase I"],  # the seed: never counted
    "2": ["Journal Article"],
    "3": ["Clinical Trial, Phase I"],
    "4": ["Clinical Trial, Phase I", "Journal Article"],
    "5": ["Clinical Trial, Phase I"],
    "6": ["Randomized Controlled Trial"],
    "7": ["Meta-Analysis", "Review"],
    "8": ["randomized controlled trial"],  # any case
    "9": ["Observational Study"],
    "10": ["Clinical Trial, Phase II"],
}
TOPICS = {"2": ["car"], "3": ["car"], "4": ["car"], "6": ["car"], "7": ["car"], "10": ["car"]}


def core_of(g) -> CitationGraph:
    ids = sorted(g.nodes, key=int)
    citing, cited = zip(*g.edges) if g.number_of_edges() else ((), ())
    return CitationGraph.from_edges(np.array(citing, dtype=np.int64), np.array(cited, dtype=np.int64),
                                    np.array(ids, dtype=np.int64),
                                    np.array([g.nodes[n]["year"] or 0 for n in ids], dtype=np.int64))


@pytest.fixture
def hand():
    return core_of(graph(EDGES, YEARS))


def _meta(types=TYPES):
    return {p: PaperMeta(tuple(t)) for p, t in types.items()}


def test_milestones_by_hand(hand):
    result = translation(hand, "1", parse_lens(LENS), TOPICS, _meta())
    assert result["seed"] == "1" and result["descendants"] == 8 and result["undated"] == 1
    car, il2 = result["topics"]
    assert (car["key"], car["name"], car["papers"]) == ("car", "CAR-T", 5)
    assert car["first"] == {"pmid": "2", "year": 1990}
    ms = car["milestones"]
    assert list(ms) == list(MILESTONES)
    # 3 and 4 are both 1992: 4 is generation 1, 3 generation 2 (the lower PMID does not decide)
    assert ms["Clinical Trial, Phase I"] == {"pmid": "4", "year": 1992}
    # the only RCT of the topic has no year: a milestone all the same, without one
    assert ms["Randomized Controlled Trial"] == {"pmid": "6", "year": None}
    assert ms["Meta-Analysis"] == {"pmid": "7", "year": 1999}
    assert ms["Clinical Trial, Phase II"] is None  # 10 is in the topic but not a descendant
    assert ms["Clinical Trial, Phase III"] is None and ms["Practice Guideline"] is None
    assert il2 == {"key": "il2", "name": "IL-2", "papers": 0, "first": None,
                   "milestones": dict.fromkeys(MILESTONES)}
    overall = result["overall"]
    assert overall["papers"] == 8
    # 4 and 5: same year, same generation: the lower PMID
    assert overall["milestones"]["Clinical Trial, Phase I"] == {"pmid": "4", "year": 1992}
    # a dated RCT (8, 2007, in lower case) comes before the undated one
    assert overall["milestones"]["Randomized Controlled Trial"] == {"pmid": "8", "year": 2007}


def test_clinical_share_by_hand(hand):
    result = translation(hand, "1", parse_lens(LENS), TOPICS, _meta())
    assert result["clinical_basis"] == "publication types"
    # dated descendants: 1990 (2: no), 1992 (3, 4, 5: yes), 1996 (9: observational, yes),
    # 1999 (7: meta-analysis, no), 2007 (8: yes); 6 is undated; the seed (a trial) not counted
    assert result["clinical_share"] == [
        {"from": 1990, "to": 1994, "papers": 4, "clinical": 3, "share": 0.75},
        {"from": 1995, "to": 1999, "papers": 2, "clinical": 1, "share": 0.5},
        {"from": 2000, "to": 2004, "papers": 0, "clinical": 0, "share": None},
        {"from": 2005, "to": 2009, "papers": 1, "clinical": 1, "share": 1.0},
    ]


def test_icite_flags_decide_where_given(hand):
    # the seam for iCite's is_clinical: a flag overrides the publication types of its paper only
    result = translation(hand, "1", parse_lens(LENS), TOPICS, _meta(), clinical={"2": True, "9": False})
    assert result["clinical_basis"].startswith("iCite")
    assert [(r["papers"], r["clinical"]) for r in result["clinical_share"]] == [(4, 4), (2, 0), (0, 0), (1, 1)]


def test_papers_without_metadata_or_descendants(hand):
    lens = parse_lens(LENS)
    bare = translation(hand, "1", lens, {}, {})
    assert bare["overall"]["first"] == {"pmid": "2", "year": 1990}
    assert all(v is None for v in bare["overall"]["milestones"].values())
    assert all(r["clinical"] == 0 for r in bare["clinical_share"])
    alone = translation(hand, "10", lens, TOPICS, _meta())
    assert alone["descendants"] == 0 and alone["clinical_share"] == [] and alone["overall"]["first"] is None


def test_unknown_seed_is_an_input_error(hand):
    with pytest.raises(InputError):
        translation(hand, "999", parse_lens(LENS), {}, {})


@pytest.mark.parametrize("types, clinical", [
    (["Clinical Trial"], True), (["Journal Article", "Clinical Trial, Phase IV"], True),
    (["clinical study"], True), (["Controlled Clinical Trial"], True), (["Pragmatic Clinical Trial"], True),
    (["Observational Study"], True), (["Equivalence Trial"], True), (["Adaptive Clinical Trial"], True),
    (["Meta-Analysis", "Systematic Review"], False), (["Practice Guideline", "Guideline"], False),
    (["Review"], False), (["Case Reports"], False), (["Clinical Trial Protocol"], False),
    (["Clinical Trial, Veterinary"], False), (["Observational Study, Veterinary"], False), ([], False),
])
def test_what_counts_as_a_clinical_article(types, clinical):
    assert is_clinical_article(types) is clinical


# -- an independent computation from the store's rows ------------------------------------------

#: written out here, not imported: the definition the module documents
CLINICAL = {"clinical study", "observational study", "clinical trial", "clinical trial, phase i",
            "clinical trial, phase ii", "clinical trial, phase iii", "clinical trial, phase iv",
            "controlled clinical trial", "randomized controlled trial", "pragmatic clinical trial",
            "adaptive clinical trial", "equivalence trial"}


class Rows:
    """What the store holds, read once: years, publication types (lower case), the lens's
    cached topics, and who cites whom (stored citing papers; cited papers stored or not)."""

    def __init__(self, store_path) -> None:
        self.lens = load_lens()
        with Store(store_path) as store:
            store.sync_article_meta()  # the publication types of every stored record, up to date
            self.years = {str(p): y or None for p, y in store.article_years()}
            self.types = {p: [t.lower() for t in ts] for p, ts, _, _ in store.article_meta()}
            self.topics = {p: keys.split("\t") for p, keys in store.read_topic_cache(self.lens.digest).items() if keys}
            pairs = store.citation_pairs()
        self.citing_of: dict[str, list[str]] = defaultdict(list)
        for a, b in pairs:
            if str(a) in self.years:
                self.citing_of[str(b)].append(str(a))


def road_from_rows(rows: Rows, seed: str) -> dict:
    """Milestones and clinical shares by breadth-first search over the citation rows (the
    seed may have no record of its own)."""
    years, types = rows.years, rows.types
    gen = {seed: 0}
    queue = deque([seed])
    while queue:
        node = queue.popleft()
        for c in rows.citing_of[node]:
            if c not in gen:
                gen[c] = gen[node] + 1
                queue.append(c)
    del gen[seed]
    ordered = sorted(gen, key=lambda p: (years[p] or 10_000, gen[p], int(p)))

    def road(members):
        at = lambda p: None if p is None else {"pmid": p, "year": years[p]}  # noqa: E731
        return {"papers": len(members), "first": at(members[0] if members else None),
                "milestones": {m: at(next((p for p in members if m.lower() in types.get(p, ())), None))
                               for m in MILESTONES}}

    bins: dict[int, list[int]] = {}
    for p in gen:
        if years[p]:
            tally = bins.setdefault(years[p] // 5 * 5, [0, 0])
            tally[0] += 1
            tally[1] += any(t in CLINICAL for t in types.get(p, ()))
    share = [{"from": b, "to": b + 4, "papers": bins.get(b, [0, 0])[0], "clinical": bins.get(b, [0, 0])[1],
              "share": bins[b][1] / bins[b][0] if b in bins else None}
             for b in range(min(bins), max(bins) + 1, 5)] if bins else []
    return {"descendants": len(gen), "undated": sum(1 for p in gen if not years[p]),
            "overall": road(ordered),
            "topics": [{"key": t.key, "name": t.name, **road([p for p in ordered if t.key in rows.topics.get(p, ())])}
                       for t in rows.lens.topics],
            "clinical_share": share}


def run_translation(capsys, folder, seed: str) -> dict:
    code = cli.main(["--cache-dir", str(folder), "translation", seed, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def assert_same_road(data: dict, expected: dict) -> None:
    for key in ("descendants", "undated", "overall", "topics", "clinical_share"):
        assert data[key] == expected[key], key


ROOT = "90000001"


@pytest.fixture(scope="module")
def synthetic_crawl(tmp_path_factory):
    """The depth-3 crawl of the synthetic root of a 1,500-paper corpus."""
    folder = tmp_path_factory.mktemp("translation-synthetic")
    with EutilsServer(Corpus.synthetic(1500, seed=3), rate_limit=50) as server:
        code = cli.main(["--cache-dir", str(folder), "--eutils-url", server.url, "--rate", "50", "-q",
                         "crawl", ROOT, "--depth", "3", "--json"])
    assert code == 0
    return folder


def test_synthetic_crawl_matches_the_rows(synthetic_crawl, capsys):
    data = run_translation(capsys, synthetic_crawl, ROOT)
    assert data["seed"] == ROOT and data["lens"] == "cell-therapy"
    assert_same_road(data, road_from_rows(Rows(synthetic_crawl / "citegraph.sqlite"), ROOT))
    # the synthetic literature has somewhere to go: every step is reached, in a plausible order
    steps = data["overall"]["milestones"]
    assert all(steps[m] for m in MILESTONES), steps
    first = data["overall"]["first"]["year"]
    assert first < steps["Clinical Trial, Phase I"]["year"] <= steps["Clinical Trial, Phase II"]["year"]
    assert steps["Clinical Trial, Phase I"]["year"] < steps["Meta-Analysis"]["year"]
    assert steps["Clinical Trial, Phase I"]["year"] < steps["Practice Guideline"]["year"]
    assert any(r["clinical"] for r in data["clinical_share"])


def test_synthetic_crawl_renders_in_80_columns(synthetic_crawl, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code = cli.main(["--cache-dir", str(synthetic_crawl), "translation", ROOT, "--no-pager"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Milestones by year" in out and "Phase" in out and "Clinical articles" in out


def test_translation_errors_are_one_line(synthetic_crawl, capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[[topic]]\nkey = 'k'\npatterns = ['(']\n")
    for args in (["translation", "12345"], ["translation", ROOT, "--lens", str(bad)]):
        code = cli.main(["--cache-dir", str(synthetic_crawl), *args])
        _, err = capsys.readouterr()
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 1 and len(lines) == 1 and lines[0].startswith("citegraph: error: "), err


# -- the real PubMed update file ---------------------------------------------------------------

@pytest.fixture(scope="module")
def real_store(imported_update_file, tmp_path_factory):
    """A data folder holding the whole update file (a copy of the run's imported store)."""
    folder = tmp_path_factory.mktemp("translation-real")
    copy_store(imported_update_file[0], folder / "citegraph.sqlite")
    return folder


@pytest.mark.shared
def test_real_update_file_from_its_most_cited_paper(real_store, capsys):
    data = run_translation(capsys, real_store, "11846609")
    expected = road_from_rows(Rows(real_store / "citegraph.sqlite"), "11846609")
    assert expected["descendants"] > 0
    assert_same_road(data, expected)


@pytest.mark.shared
def test_real_update_file_from_every_paper_a_milestone_or_clinical_paper_cites(real_store):
    """The library on the whole imported store, from each seed whose descendants reach a
    milestone or a clinical article (the update file holds few of those: every one counts)."""
    with Store(real_store / "citegraph.sqlite") as store:
        prep = prepare(store, use_lens=True, mesh=True, include_unstored=True)
    rows = Rows(real_store / "citegraph.sqlite")  # after prepare: the lens cache covers every stored paper
    wanted = {m.lower() for m in MILESTONES} | CLINICAL
    marked = [p for p, ts in rows.types.items() if wanted & set(ts)]
    seeds = sorted({cited for cited, citing in rows.citing_of.items() if set(citing) & set(marked)}, key=int)
    assert len(marked) > 20 and len(seeds) > 100
    reached = 0
    for seed in seeds:
        result = translation(prep.graph, seed, prep.lens, prep.topics_of, prep.meta)
        assert_same_road(result, road_from_rows(rows, seed))
        reached += any(result["overall"]["milestones"].values())
    assert reached > 20
