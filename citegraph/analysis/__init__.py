"""Influence analysis: pure functions over the citation graph (edge = citing -> cited).

One module per question: :mod:`.neighbourhood` (the walk from seeds), :mod:`.selection` (which
papers, by :class:`citegraph.filters.Filters`), :mod:`.influence` (generations,
citation counts, PageRank, betweenness), :mod:`.paths` (citation chains), :mod:`.mainpath`
(search path count main paths), :mod:`.related` (co-citation, bibliographic coupling),
:mod:`.communities` (Leiden, labelled by MeSH), :mod:`.lens` (topic lenses), :mod:`.timeline`
(papers per year) and :mod:`.retraction` (retracted papers and what descends through them).
:mod:`.load` is the one module that reads the store. Functions take the citation graph
(:class:`.csr.CitationGraph`: numpy CSR arrays, loaded by :func:`.load.load_graph`) and plain
data, return plain data, and raise :class:`citegraph.errors.InputError` when asked about a paper
that is not in the graph or given a malformed lens. The tests check the answers against plain
networkx implementations of the same methods.
"""
