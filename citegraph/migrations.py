"""Ordered, named schema migrations of the store, recorded in ``schema_migrations``.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

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

#: (version, name, SQL script)
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "initial schema: articles, citations, missing, crawls, crawl_nodes", _INITIAL),
]
