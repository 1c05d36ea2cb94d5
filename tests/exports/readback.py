"""Read an export back with the format's own library, into comparable rows.

Each reader returns {pmid: {"doi", "title", "families"}} for record formats, or
(nodes, edges, titles) for graph formats. The normalising here is written independently of
citegraph.exports.fields: the bidi formatting characters are dropped, then a run of C0/C1
controls or U+2028/2029 becomes one space, ends trimmed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from pathlib import Path

CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f\u2028\u2029]+")
BIDI = re.compile("[\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c]")


def one_line(text: str | None) -> str:
    return CONTROL.sub(" ", BIDI.sub("", text or "")).strip()


def without_unmatched_braces(text: str) -> str:
    """``text`` less every brace without a partner (what the BibTeX writer drops)."""
    keep = list(text)
    stack = []
    for i, char in enumerate(text):
        if char == "{":
            stack.append(i)
        elif char == "}":
            if stack:
                stack.pop()
            else:
                keep[i] = ""
    for i in stack:
        keep[i] = ""
    return "".join(keep)


def expected_families(article) -> list[str]:
    return [a.collective_name or a.last_name for a in article.authors]


def unformula(value: str) -> str:
    return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@", "\t", "\r") else value


def read_csv(path: Path) -> dict:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["pmid"]: {"doi": r["doi"], "title": unformula(r["title"]), "authors": unformula(r["authors"]),
                        "generation": r["generation"], "path": r["path"], "seeds": r["seeds"]} for r in rows}


def read_xlsx(path: Path) -> dict:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    sheet = book["articles"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    out = {}
    for row in rows[1:]:
        r = dict(zip(header, ["" if v is None else v for v in row]))
        out[r["pmid"]] = {"doi": r["doi"], "title": r["title"], "authors": r["authors"]}
    edges = [tuple(r) for r in book["citations"].iter_rows(min_row=2, values_only=True)]
    book.close()
    return {"records": out, "edges": edges}


def read_ris(path: Path) -> dict:
    import rispy

    with open(path, encoding="utf-8") as f:
        entries = rispy.load(f)
    return {e["accession_number"]: {"doi": e.get("doi", ""), "title": e.get("title", ""),
                                    "families": [a.split(", ")[0] for a in e.get("authors", [])],
                                    "notes": e.get("notes", [])} for e in entries}


def read_bibtex(path: Path) -> dict:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    library = bibtexparser.parse_file(str(path), append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks, library.failed_blocks
    out = {}
    for entry in library.entries:
        fields = {f.key: f.value for f in entry.fields}
        authors = [a.strip() for a in fields.get("author", "").split(" and ")] if fields.get("author") else []
        out[fields["pmid"]] = {"doi": fields.get("doi", ""), "title": fields.get("title", ""),
                               "families": [a.split(", ")[0] for a in authors], "key": entry.key,
                               "generation": fields.get("citegraph_generation"),
                               "path": fields.get("citegraph_path", "")}
    return out


def read_csljson(path: Path) -> dict:
    items = json.loads(path.read_text(encoding="utf-8"))
    return {i["PMID"]: {"doi": i.get("DOI", ""), "title": i["title"],
                        "families": [a.get("family") or a.get("literal") for a in i.get("author", [])],
                        "custom": i.get("custom", {})} for i in items}


def read_medline(path: Path) -> dict:
    from Bio import Medline

    with open(path, encoding="utf-8") as f:
        records = list(Medline.parse(f))
    out = {}
    for r in records:
        doi = r.get("LID", "")
        families = [a.split(", ")[0] for a in r.get("FAU", [])] + list(r.get("CN", []))
        out[r["PMID"]] = {"doi": doi[:-6] if doi.endswith(" [doi]") else doi, "title": r.get("TI", ""),
                          "families": families, "fau": r.get("FAU", []), "cn": r.get("CN", []),
                          "gn": r.get("GN", [])}
    return out


def read_graph(fmt: str, path: Path):
    """(set of nodes, list of (citing, cited) edges, {node: title})."""
    import networkx as nx

    if fmt == "graphml":
        g = nx.read_graphml(path)
    elif fmt == "gexf":
        g = nx.read_gexf(path)
    elif fmt == "pajek":
        g = nx.read_pajek(path)
    elif fmt == "cytoscape":
        g = nx.cytoscape_graph(json.loads(path.read_text(encoding="utf-8")))
    elif fmt == "dot":
        with warnings.catch_warnings():  # pyparsing diagnostics raised while pydot builds its grammar
            warnings.simplefilter("ignore")
            import pydot

            (dot,) = pydot.graph_from_dot_data(path.read_text(encoding="utf-8"))
        nodes = {n.get_name().strip('"') for n in dot.get_nodes()} - {"node", "edge", "graph"}
        edges = [(e.get_source().strip('"'), e.get_destination().strip('"')) for e in dot.get_edges()]
        titles = {}
        for n in dot.get_nodes():
            title = n.get("title")
            if title is not None:
                title = title[1:-1] if title.startswith('"') else title
                titles[n.get_name().strip('"')] = title.replace('\\"', '"').replace("\\\\", "\\")
        return nodes, edges, titles
    else:
        raise ValueError(fmt)
    titles = {n: d.get("title") for n, d in g.nodes(data=True)}
    return set(g.nodes), list(g.edges()), titles


def read_vosviewer(prefix: Path):
    with open(f"{prefix}_map.txt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    with open(f"{prefix}_network.txt", encoding="utf-8", newline="") as f:
        links = [tuple(line) for line in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return rows, links


def read_edges(path: Path) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [(r["citing"], r["cited"], r["source"]) for r in csv.DictReader(f)]


def read_text(path: Path) -> list[str]:
    return [p for p in io.StringIO(path.read_text(encoding="utf-8")).read().split("\n\n") if p.strip()]
