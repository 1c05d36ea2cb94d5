"""The synthetic corpus generator: reproducible, real-shaped, and deep enough to crawl."""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter

import pytest
from lxml import etree

from citegraph.pubmed import iter_articles, parse_articles
from citegraph.testing.synthetic import FIRST_PMID, SyntheticCorpus, doi_for

from xmlshape import shape


def _digest(synth: SyntheticCorpus) -> str:
    h = hashlib.sha256()
    for rec in synth.iter_records():
        h.update(rec)
    return h.hexdigest()


def test_same_seed_gives_byte_identical_corpus():
    assert _digest(SyntheticCorpus(300, 5)) == _digest(SyntheticCorpus(300, 5))


def test_other_seed_gives_other_corpus():
    assert _digest(SyntheticCorpus(300, 5)) != _digest(SyntheticCorpus(300, 6))


def test_pmids_years_and_the_root(synth):
    pmids = list(synth.pmids())
    assert pmids[0] == FIRST_PMID == 90000001 and pmids[-1] == FIRST_PMID + synth.n - 1
    years = [synth.year(i) for i in range(synth.n)]
    assert years == sorted(years) and years[0] == 1987 and years[-1] == 2024
    in_degree = Counter(p for i in range(synth.n) for p in synth.reference_pmids(i))
    (most_cited, _count), = in_degree.most_common(1)
    assert most_cited == FIRST_PMID


def test_references_point_back_in_time_and_outside_the_corpus(synth):
    outside = inside = 0
    for i in range(synth.n):
        refs = synth.reference_pmids(i)
        for p in refs:
            if p >= FIRST_PMID:
                assert p < FIRST_PMID + i, "a paper cites only older papers"
                inside += 1
            else:
                assert synth.index(p) is None
                outside += 1
        if i > 50 and synth._kinds[i] == 0:  # research articles
            assert 8 <= len(refs) <= 40
    assert 0.1 < outside / (inside + outside) < 0.45  # small corpora cite more outside work


@pytest.mark.parametrize("n", [1500, 6000])
def test_cited_by_graph_is_several_generations_deep(n, capsys):
    synth = SyntheticCorpus(n, 11)
    generations = synth.generations()
    counts = Counter(generations.values())
    share = {g: counts[g] / n for g in sorted(counts)}
    with capsys.disabled():
        print(f"\n  generations of SyntheticCorpus({n}, 11): "
              + ", ".join(f"{g}: {100 * s:.1f}%" for g, s in share.items()))
    assert len(generations) > 0.99 * n  # nearly everything descends from the root
    assert 0.05 <= share[1] <= 0.15  # generation 1 is a minority
    assert share[2] > 0.15 and share[3] > 0.15
    assert sum(s for g, s in share.items() if g >= 4) > 0.08
    assert max(share) >= 5


def test_records_are_well_formed_and_marked_synthetic():
    synth = SyntheticCorpus(500, 3)
    root = etree.fromstring(synth.to_bytes())
    assert root.tag == "PubmedArticleSet" and len(root) == synth.n
    titles = {t.text for t in root.iter("Title")}
    assert titles and all("(citegraph test data)" in t for t in titles)


def test_parser_reads_back_what_the_generator_built(synth):
    articles = parse_articles(synth.to_bytes())
    assert len(articles) == synth.n
    for i, art in enumerate(articles):
        assert art.pmid == str(synth.pmid(i))
        assert art.doi == doi_for(art.pmid)
        assert art.year == synth.year(i)
        assert art.reference_pmids == list(dict.fromkeys(str(p) for p in synth.reference_pmids(i)))
    kinds = Counter(t for a in articles for t in a.publication_types)
    assert kinds["Journal Article"] and kinds["Review"] and kinds["Clinical Trial"] or kinds["Randomized Controlled Trial"]
    assert any(a.mesh and a.mesh[0].ui.startswith("D") for a in articles)
    assert any(a.is_retracted for a in articles), "some records are retracted, with a notice"


def test_write_gz_round_trip(tmp_path):
    synth = SyntheticCorpus(300, 2)
    path = tmp_path / "synthetic.xml.gz"
    synth.write(path)
    with gzip.open(path, "rb") as fh:
        assert fh.read() == synth.to_bytes()
    assert sum(1 for _ in iter_articles(path)) == synth.n


def test_synthetic_records_use_only_real_elements_and_attributes(ncbi_fixtures, synth):
    """Every element path and attribute of a synthetic record occurs in a real record."""
    real_paths: set[str] = set()
    real_attrs: dict[str, set[str]] = {}
    for name in ("metapub/pmid_28731372.xml", "metapub/32051057.xml", "metapub/39382274.xml",
                 "biopython/pubmed1.xml", "biopython/pubmed4.xml", "biopython/pubmed5.xml", "biopython/pubmed7.xml",
                 "metapub/34843274.xml"):
        s = shape((ncbi_fixtures / name).read_bytes())
        real_paths |= s.paths
        for path, names in s.attributes.items():
            real_attrs.setdefault(path, set()).update(names)
    ours = shape(synth.to_bytes())
    assert ours.paths - real_paths == set()
    for path, names in ours.attributes.items():
        assert names <= real_attrs[path], path
