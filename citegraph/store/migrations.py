"""Ordered, named schema migrations of the store, recorded in ``schema_migrations``.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "ARTICLE_META_SYNC", "SOURCE_BITS", "source_bit_sql"]

_INITIAL = """
CREATE TABLE articles (
    pmid          INTEGER PRIMARY KEY,
    version       INTEGER NOT NULL DEFAULT 1,
    title         TEXT NOT NULL DEFAULT '',
    year          INTEGER,
    journal       TEXT NOT NULL DEFAULT '',
    doi           TEXT,
    pmcid         TEXT,
    date_revised  TEXT NOT NULL DEFAULT '',
    -- the parsed record as JSON (Article.to_dict), so reading needs no XML parse
    data          TEXT NOT NULL,
    -- the record exactly as received, zlib-compressed: the store can be re-parsed offline
    raw_xml       BLOB NOT NULL,
    source        TEXT NOT NULL,
    fetched_at    REAL NOT NULL
);
CREATE INDEX articles_doi ON articles(doi);
CREATE INDEX articles_pmcid ON articles(pmcid);
CREATE INDEX articles_year ON articles(year);

-- one row per (citing, cited, source): the same edge told by elink and by a ReferenceList
-- is kept twice, so provenance is never lost
CREATE TABLE citations (
    citing   INTEGER NOT NULL,
    cited    INTEGER NOT NULL,
    source   TEXT NOT NULL,
    seen_at  REAL NOT NULL,
    PRIMARY KEY (citing, cited, source)
) WITHOUT ROWID;
CREATE INDEX citations_cited ON citations(cited, citing);

-- PMIDs NCBI does not know (asked for, never returned) and deletions from update files
CREATE TABLE missing (
    pmid      INTEGER PRIMARY KEY,
    reason    TEXT NOT NULL,
    seen_at   REAL NOT NULL
);

CREATE TABLE crawls (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL,
    seeds        TEXT NOT NULL,
    params       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'done')),
    started_at   REAL NOT NULL,
    finished_at  REAL,
    requests     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX crawls_key ON crawls(key, status);

-- the crawl's members and its resume state: which node still needs its record fetched,
-- which still needs linking, which failed (and why), which was left out by a filter
CREATE TABLE crawl_nodes (
    crawl_id    INTEGER NOT NULL REFERENCES crawls(id) ON DELETE CASCADE,
    pmid        INTEGER NOT NULL,
    generation  INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('fetch', 'link', 'done', 'missing', 'excluded', 'failed')),
    detail      TEXT,
    PRIMARY KEY (crawl_id, pmid)
) WITHOUT ROWID;
CREATE INDEX crawl_nodes_state ON crawl_nodes(crawl_id, state, generation);
"""


def _meta_select(row: str) -> str:
    """SELECT of one ``article_meta`` row from the ``data`` JSON of ``row`` (NEW or a table alias)."""
    return f"""SELECT {row}.pmid,
        COALESCE(json_extract({row}.data, '$.publication_types'), '[]'),
        (SELECT json_group_array(json_array(json_extract(m.value, '$.ui'), json_extract(m.value, '$.descriptor')))
           FROM json_each({row}.data, '$.mesh') AS m),
        EXISTS (SELECT 1 FROM json_each({row}.data, '$.publication_types') AS p
                 WHERE p.value = 'Retracted Publication')
        OR EXISTS (SELECT 1 FROM json_each({row}.data, '$.comments_corrections') AS c
                    WHERE json_extract(c.value, '$.ref_type') = 'RetractionIn')"""


# What the analysis layer filters and labels by, extracted from ``articles.data`` so that
# loading it decodes no JSON record in Python.
# Triggers keep it in step with every insert, update and delete of ``articles``.
_ARTICLE_META = f"""
CREATE TABLE article_meta (
    pmid               INTEGER PRIMARY KEY,
    -- JSON array of publication type names
    publication_types  TEXT NOT NULL DEFAULT '[]',
    -- JSON array of [descriptor UI, descriptor name]
    mesh               TEXT NOT NULL DEFAULT '[]',
    -- 1 when the record is a Retracted Publication or has a RetractionIn correction
    retracted          INTEGER NOT NULL DEFAULT 0
);
INSERT INTO article_meta (pmid, publication_types, mesh, retracted) {_meta_select("a")} FROM articles AS a;
CREATE TRIGGER article_meta_insert AFTER INSERT ON articles BEGIN
    DELETE FROM article_meta WHERE pmid = NEW.pmid;
    INSERT INTO article_meta (pmid, publication_types, mesh, retracted) {_meta_select("NEW")};
END;
CREATE TRIGGER article_meta_update AFTER UPDATE OF data ON articles BEGIN
    DELETE FROM article_meta WHERE pmid = NEW.pmid;
    INSERT INTO article_meta (pmid, publication_types, mesh, retracted) {_meta_select("NEW")};
END;
CREATE TRIGGER article_meta_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_meta WHERE pmid = OLD.pmid;
END;
"""

# A cited-by crawl without a year window links a paper as soon as it is discovered, while its
# record is still being fetched: `linked` remembers that for papers still in state 'fetch'
# (1 linked, -1 linking failed; 0 otherwise).
_EAGER_LINKING = """
ALTER TABLE crawl_nodes ADD COLUMN linked INTEGER NOT NULL DEFAULT 0;
"""

# The graph's node attributes (pmid, year, title, journal) read from a small covering index
# instead of the wide article rows.
_ARTICLES_LEAN = """
CREATE INDEX articles_lean ON articles(year, journal, title);
"""

# Drops migration 2's article_meta triggers, which parse each record's JSON three more times
# in every crawl commit (the hot path): the analysis commands bring the table up to date
# instead (Store.sync_article_meta), comparing fetched_at.
_META_ON_DEMAND = """
DROP TRIGGER IF EXISTS article_meta_insert;
DROP TRIGGER IF EXISTS article_meta_update;
DROP TRIGGER IF EXISTS article_meta_delete;
ALTER TABLE article_meta ADD COLUMN fetched_at REAL;
UPDATE article_meta SET fetched_at = (SELECT a.fetched_at FROM articles AS a WHERE a.pmid = article_meta.pmid);
-- the covering index of migration 4 slowed crawl commits (random-order text keys); a
-- fetched_at index grows in order and is all the sync needs
DROP INDEX IF EXISTS articles_lean;
CREATE INDEX articles_fetched ON articles(fetched_at);
"""

#: brings ``article_meta`` in step with ``articles``: deleted records out, records fetched after
#: the newest one it holds in (``fetched_at`` only grows: it is the time of writing)
ARTICLE_META_SYNC = f"""
DELETE FROM article_meta WHERE pmid NOT IN (SELECT pmid FROM articles);
INSERT OR REPLACE INTO article_meta (pmid, publication_types, mesh, retracted, fetched_at)
    {_meta_select("a")}, a.fetched_at
    FROM articles AS a
    WHERE a.fetched_at > (SELECT COALESCE(MAX(fetched_at), -1e300) FROM article_meta);
"""

# When each crawl member's citing papers (elink) were last asked for, so that
# `citegraph crawl --refresh` re-links only papers whose links are older than --max-age.
# NULL: linked before this migration (the crawl's finish time stands in) or never linked.
_LINKED_AT = """
ALTER TABLE crawl_nodes ADD COLUMN linked_at REAL;
"""

# The topic-lens classification of each paper (title, abstract and MeSH against a lens's
# topics), by lens digest: reading a classification back costs far less than classifying
# again. A row is valid while the article's fetched_at is unchanged.
_TOPIC_CACHE = """
CREATE TABLE topic_cache (
    lens        TEXT NOT NULL,
    pmid        INTEGER NOT NULL,
    fetched_at  REAL NOT NULL,
    -- topic keys separated by tabs (empty: in no topic)
    topics      TEXT NOT NULL,
    PRIMARY KEY (lens, pmid)
) WITHOUT ROWID;
"""

#: the bit of each kind of edge provenance in ``citations.sources`` (migration 8); every edge a
#: file import gives (sources named ``file:<file name>``) shares one bit, the file being the
#: citing record's ``articles.source``
SOURCE_BITS = {
    "elink:pubmed_pubmed_citedin": 1,
    "elink:pubmed_pubmed_refs": 2,
    "pubmed:references": 4,
    "file:": 8,
    "other": 16,
    "icite": 32,
    "europepmc": 64,
    "opencitations": 128,
}


def source_bit_sql(column: str) -> str:
    """SQL giving the ``SOURCE_BITS`` bit of a source name held in ``column``."""
    cases = " ".join(f"WHEN {_quote(name)} THEN {bit}" for name, bit in SOURCE_BITS.items() if name not in ("file:", "other"))
    return (f"(CASE {column} {cases} ELSE CASE WHEN {column} LIKE 'file:%' THEN {SOURCE_BITS['file:']} "
            f"ELSE {SOURCE_BITS['other']} END END)")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# One row per citation edge instead of one per (edge, source), the sources a bit mask (see
# SOURCE_BITS): a crawl learns most edges twice (the cited paper's elink and the citing record's
# reference list), and with a row per source each edge cost two random inserts into both
# B-trees, with a text source repeated in each. With a bit mask the second telling only sets
# a bit in the row, and the index on `cited` holds two integers per edge. seen_at: when any
# source first told the edge.
_CITATION_BITS = f"""
CREATE TABLE citation_edges (
    citing   INTEGER NOT NULL,
    cited    INTEGER NOT NULL,
    -- bitwise OR of the bits (SOURCE_BITS in citegraph/migrations.py) of the sources that told it
    sources  INTEGER NOT NULL,
    seen_at  REAL NOT NULL,
    PRIMARY KEY (citing, cited)
) WITHOUT ROWID;
-- each source has one bit, so the sum of the distinct bits of an edge is their OR
INSERT INTO citation_edges (citing, cited, sources, seen_at)
    SELECT citing, cited, SUM(DISTINCT {source_bit_sql("source")}), MIN(seen_at)
    FROM citations GROUP BY citing, cited;
DROP TABLE citations;
ALTER TABLE citation_edges RENAME TO citations;
CREATE INDEX citations_cited ON citations(cited);
"""

# crawls: four states, one word each where the store, stats, doctor and crawl --json meet:
# 'running' (a process holds the crawl's lock, see citegraph/store/crawl_lock.py), 'interrupted',
# 'failed' (ended on an error) and 'complete' (this migration renames 'done' to it). The CHECK
# needs a new table; Connection._migrate runs migrations with foreign keys off, so crawl_nodes
# keeps its rows.
_CRAWL_STATES = """
CREATE TABLE crawls_new (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL,
    seeds        TEXT NOT NULL,
    params       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'interrupted', 'failed', 'complete')),
    started_at   REAL NOT NULL,
    finished_at  REAL,
    requests     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO crawls_new (id, key, seeds, params, status, started_at, finished_at, requests)
    SELECT id, key, seeds, params, CASE status WHEN 'done' THEN 'complete' ELSE status END,
           started_at, finished_at, requests FROM crawls;
DROP TABLE crawls;
ALTER TABLE crawls_new RENAME TO crawls;
CREATE INDEX crawls_key ON crawls(key, status);
"""

# PMC full text (see citegraph/fulltext.py). `fulltext`: one row per paper asked for, so nothing
# is asked twice: state 'fetched' (a body came; its raw JATS kept zstandard-compressed, as
# articles.raw_xml), 'not_open_access' (front matter only) or 'not_available' (PMC answered an
# error for the id). `citation_contexts`: one row per in-text citation of a fetched paper, in
# reading order (seq); `cited` is NULL when the reference has no PMID (its DOI is kept).
_FULLTEXT = """
CREATE TABLE fulltext (
    pmid        INTEGER PRIMARY KEY,
    pmcid       TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('fetched', 'not_open_access', 'not_available')),
    message     TEXT NOT NULL DEFAULT '',
    raw_jats    BLOB,
    source      TEXT NOT NULL,
    fetched_at  REAL NOT NULL
);
CREATE TABLE citation_contexts (
    citing         INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    cited          INTEGER,
    cited_doi      TEXT NOT NULL DEFAULT '',
    ref_id         TEXT NOT NULL,
    section        TEXT NOT NULL,
    section_title  TEXT NOT NULL,
    paragraph      INTEGER NOT NULL,
    sentence       TEXT NOT NULL,
    cite_start     INTEGER NOT NULL,
    cite_end       INTEGER NOT NULL,
    in_caption     INTEGER NOT NULL,
    in_table       INTEGER NOT NULL,
    PRIMARY KEY (citing, seq)
) WITHOUT ROWID;
CREATE INDEX citation_contexts_cited ON citation_contexts(cited, citing);
"""

# iCite's numbers per paper, as fetched (fetched_at: when). One row per paper, replaced by
# the next fetch; a NULL is a number iCite did not give. cited_by_clin: the PMIDs of the
# clinical articles citing the paper, as a JSON list.
_ICITE_METRICS = """
CREATE TABLE icite_metrics (
    pmid                 INTEGER PRIMARY KEY,
    fetched_at           REAL NOT NULL,
    citation_count       INTEGER,
    rcr                  REAL,
    nih_percentile       REAL,
    apt                  REAL,
    is_clinical          INTEGER,
    cited_by_clin        TEXT,
    human                REAL,
    animal               REAL,
    molecular_cellular   REAL,
    provisional          INTEGER
);
-- papers outside PubMed (preprints, DOI-only records) that a citation source named, as it
-- named them (key: "doi:<lower-case DOI>" or the source's id), and their citations with
-- PubMed papers (a PubMed paper named by its PMID, as text); sources as in citations
CREATE TABLE external_papers (
    key        TEXT PRIMARY KEY,
    doi        TEXT,
    title      TEXT,
    year       INTEGER,
    source_id  TEXT,
    seen_at    REAL NOT NULL
);
CREATE TABLE external_citations (
    citing   TEXT NOT NULL,
    cited    TEXT NOT NULL,
    sources  INTEGER NOT NULL,
    seen_at  REAL NOT NULL,
    PRIMARY KEY (citing, cited)
) WITHOUT ROWID;
CREATE INDEX external_citations_cited ON external_citations(cited);
"""

# Arrays derived from the articles and citations (the graph's CSR arrays, the MeSH index), kept
# so that a reading command does not rebuild them: valid while ``derived_state.changed`` is 0
# and their token is the state's. The triggers mark the store changed on every write that can
# change what the arrays are made of, whoever writes (see citegraph/store/snapshots.py); when
# it is marked already they only read the one row.
_SNAPSHOTS = """
CREATE TABLE derived_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    changed  INTEGER NOT NULL,
    token    INTEGER NOT NULL
);
INSERT INTO derived_state (id, changed, token) VALUES (1, 1, 0);
CREATE TABLE derived_snapshots (
    name   TEXT NOT NULL,
    part   TEXT NOT NULL,
    token  INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (name, part)
);
""" + "".join(
    f"CREATE TRIGGER derived_{name} AFTER {event} ON {table} BEGIN\n"
    "    UPDATE derived_state SET changed = 1 WHERE changed = 0;\nEND;\n"
    for name, event, table in [
        ("citation_insert", "INSERT", "citations"), ("citation_delete", "DELETE", "citations"),
        ("citation_update", "UPDATE OF citing, cited", "citations"),
        ("article_insert", "INSERT", "articles"), ("article_delete", "DELETE", "articles"),
        ("article_update", "UPDATE OF pmid, year, data", "articles")])

#: (version, name, SQL script)
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "initial schema: articles, citations, missing, crawls, crawl_nodes", _INITIAL),
    (2, "article_meta: publication types, MeSH and retraction flag for analysis (kept by triggers)", _ARTICLE_META),
    (3, "crawl_nodes.linked: link papers before their records arrive", _EAGER_LINKING),
    (4, "articles_lean: covering index for loading the graph's nodes without reading records", _ARTICLES_LEAN),
    (5, "article_meta filled on demand (Store.sync_article_meta), not by triggers", _META_ON_DEMAND),
    (6, "crawl_nodes.linked_at: when a member's links were last fetched (crawl --refresh)", _LINKED_AT),
    (7, "topic_cache: lens classification of each paper, kept until its record changes", _TOPIC_CACHE),
    (8, "citations: one row per edge, its sources a bit mask", _CITATION_BITS),
    (9, "crawls.status: running, interrupted, failed or complete", _CRAWL_STATES),
    (10, "fulltext and citation_contexts: PMC full text and the sentences citing each paper", _FULLTEXT),
    (11, "icite_metrics (iCite's numbers per paper, when fetched); external_papers and external_citations "
         "(papers outside PubMed that a citation source named)",
     _ICITE_METRICS),
    (12, "derived_state and derived_snapshots: the graph's arrays and the MeSH index, kept until an "
         "article or citation is written", _SNAPSHOTS),
]
