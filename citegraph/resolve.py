"""Turn user-given identifiers (PMID, DOI, PMCID) into PMIDs.

The store is asked first (no request); the rest goes to E-utilities in batches: one esearch
for many DOIs (``"A"[doi] OR "B"[doi]``), then one efetch of the hits to map each DOI back to
its PMID (the records are kept: the crawl needs them anyway). PMCIDs likewise with ``[pmcid]``.
Nothing is dropped silently: what cannot be resolved is returned as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol, Sequence

from .errors import InputError
from .identifiers import parse_identifier
from .models import Article
from .store import Store

__all__ = ["Resolution", "resolve_identifiers", "resolve_stored"]

_TERMS_PER_SEARCH = 50


class SearchClient(Protocol):
    def esearch(self, term: str, *, retmax: int = ..., partial: bool = ...) -> list[str]: ...
    def efetch(self, pmids: Sequence[str], *, parse: Callable[[bytes], list[Article]]) -> list[Article]: ...


@dataclass
class Resolution:
    pmids: list[str] = field(default_factory=list)
    #: input text -> PMID, for the identifiers that were not PMIDs already
    resolved: dict[str, str] = field(default_factory=dict)
    #: identifiers no PubMed record was found for, each once
    unresolved: list[str] = field(default_factory=list)


def resolve_identifiers(texts: Iterable[str], store: Store, client: SearchClient | None,
                        parse: Callable[[bytes], list[Article]]) -> Resolution:
    """Resolve ``texts`` in order; :class:`InputError` for anything that is no identifier.
    ``pmids`` holds each PMID once, in the order of its first appearance; time and memory
    grow linearly with the number of texts."""
    idents = [parse_identifier(t) for t in texts]
    result = Resolution()
    by_key: dict[tuple[str, str], str] = {}
    for kind in ("doi", "pmcid"):
        wanted = list(dict.fromkeys(i.value for i in idents if i.kind == kind))
        if not wanted:
            continue
        found = _from_store(store, kind, wanted)
        rest = [v for v in wanted if v.lower() not in found]
        if rest and client is not None:
            found.update(_from_eutils(client, store, kind, rest, parse))
        for value in wanted:
            if value.lower() in found:
                by_key[(kind, value)] = found[value.lower()]
    # in order, each once: dicts, so that each look-up is O(1)
    pmids: dict[str, None] = {}
    unresolved: dict[str, None] = {}
    for ident in idents:
        if ident.kind == "pmid":
            pmid = ident.value
        else:
            pmid = by_key.get((ident.kind, ident.value))
            if pmid is None:
                unresolved[ident.value] = None
                continue
            result.resolved[ident.value] = pmid
        pmids[pmid] = None
    result.pmids.extend(pmids)
    result.unresolved.extend(unresolved)
    return result


def _key(article: Article, kind: str) -> str | None:
    value = article.doi if kind == "doi" else article.pmcid
    return value.lower() if value else None


def _from_store(store: Store, kind: str, values: list[str]) -> dict[str, str]:
    return {k.lower(): v for k, v in store.find_by(kind, values).items()}


def _from_eutils(client: SearchClient, store: Store, kind: str, values: list[str],
                 parse: Callable[[bytes], list[Article]]) -> dict[str, str]:
    found: dict[str, str] = {}
    wanted = {v.lower() for v in values}
    for start in range(0, len(values), _TERMS_PER_SEARCH):
        chunk = values[start:start + _TERMS_PER_SEARCH]
        term = " OR ".join(f'"{v}"[{kind}]' for v in chunk)
        # partial: one unknown DOI must not empty the batch (NCBI lists it in ErrorList)
        pmids = client.esearch(term, retmax=len(chunk) * 5, partial=True)
        if not pmids:
            continue
        articles = client.efetch(pmids, parse=parse)
        with store.transaction():
            store.put_articles(articles, source="efetch")
        for article in articles:
            key = _key(article, kind)
            if key in wanted:
                found.setdefault(key, article.pmid)
    return found


def resolve_stored(texts: Iterable[str], store: Store) -> list[str]:
    """One PMID per text, in the order given, without a request: a PMID as it is, a DOI (bare,
    ``doi:``, or a doi.org URL) or a PMCID through the stored record that carries it (case
    does not matter). :class:`InputError` for a text that is no identifier, and for DOIs or
    PMCIDs no stored record carries, naming them all and saying to crawl them first."""
    idents = [parse_identifier(t) for t in texts]
    found: dict[tuple[str, str], str] = {}
    for kind in ("doi", "pmcid"):
        wanted = list(dict.fromkeys(i.value for i in idents if i.kind == kind))
        if wanted:
            stored = _from_store(store, kind, wanted)
            found.update(((kind, v), stored[v.lower()]) for v in wanted if v.lower() in stored)
    unknown = [i.value for i in idents if i.kind != "pmid" and (i.kind, i.value) not in found]
    if unknown:
        names = list(dict.fromkeys(unknown))  # repr: control characters show as escapes
        raise InputError(f"not in the store: {', '.join(map(repr, names))} (no stored record carries "
                         f"{'it' if len(names) == 1 else 'them'}): crawl {'it' if len(names) == 1 else 'them'} "
                         f"first (`citegraph crawl {' '.join(map(repr, names))}`)")
    return [i.value if i.kind == "pmid" else found[(i.kind, i.value)] for i in idents]
