"""The export formats by name, and :func:`export`, which writes one to a file or stdout.

Targets follow the rules of :mod:`.atomic`: regular files are written atomically (a failure
leaves no partial file; vosviewer's two files appear together or not at all), devices and
FIFOs are written through, the store's own files and read-only files are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from ..errors import InputError
from .atomic import check_target, open_binary_output, open_output, open_outputs

if TYPE_CHECKING:  # the CLI imports this module for the format names: keep networkx out
    from .selection import Selection

__all__ = ["RECORD_FORMATS", "GRAPH_FORMATS", "FORMATS", "ExportResult", "export", "check_output", "vosviewer_paths"]

RECORD_FORMATS = ("jsonl", "csv", "xlsx", "ris", "bibtex", "csljson", "medline", "text")
GRAPH_FORMATS = ("graphml", "gexf", "pajek", "cytoscape", "vosviewer", "dot", "edges")
FORMATS = RECORD_FORMATS + GRAPH_FORMATS
_BINARY = {"xlsx", "graphml", "gexf", "pajek"}


@dataclass
class ExportResult:
    format: str
    records: int
    nodes: int
    edges: int
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"format": self.format, "records": self.records, "nodes": self.nodes, "edges": self.edges,
                "files": self.files}


def vosviewer_paths(output: str) -> tuple[Path, Path]:
    """``out`` or ``out.txt`` -> (``out_map.txt``, ``out_network.txt``)."""
    if output == "-":
        raise InputError("vosviewer writes two files (map and network): give -o PREFIX, not standard output")
    stem = output[:-4] if output.lower().endswith(".txt") else output
    return Path(stem + "_map.txt"), Path(stem + "_network.txt")


def check_output(fmt: str, output: str, protected: Iterable[str | Path] = ()) -> None:
    """Raise before any work if ``fmt`` may not be written to ``output`` (see :mod:`.atomic`)."""
    for target in vosviewer_paths(output) if fmt == "vosviewer" else [output]:
        check_target(target, protected)


def export(selection: Selection, fmt: str, output: str = "-", *, style: str = "vancouver",
           bom: bool = False, protected: Iterable[str | Path] = (),
           progress: Callable[[int, int], None] | None = None) -> ExportResult:
    """Write ``selection`` as ``fmt`` to ``output`` (``-`` is standard output), never over one
    of the ``protected`` paths. ``progress(done, total)`` is called as the slow formats
    (``text``) advance."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    if bom and fmt not in ("csv", "edges"):
        raise InputError("--bom applies to csv and edges only")
    protected = list(protected)
    nodes = len(selection.nodes())
    edges = len(selection.distinct_edges())
    files = [] if output == "-" else [output]
    if fmt == "vosviewer":
        from .vosviewer import write_vosviewer

        map_path, network_path = vosviewer_paths(output)
        with open_outputs([map_path, network_path], protected=protected) as (map_stream, network_stream):
            write_vosviewer(selection, map_stream, network_stream)
        return ExportResult(fmt, len(selection), nodes, edges, [str(map_path), str(network_path)])
    if fmt in _BINARY:
        with open_binary_output(output, protected=protected) as stream:
            _writer(fmt)(selection, stream)
        return ExportResult(fmt, len(selection), nodes, edges, files)
    # csv wants no newline translation (it writes CRLF itself)
    newline = "" if fmt in ("csv", "edges") else "\n"
    with open_output(output, newline=newline, protected=protected) as stream:
        if fmt in ("csv", "edges"):
            _writer(fmt)(selection, stream, bom=bom)
        elif fmt == "text":
            _writer(fmt)(selection, stream, style=style, progress=progress)
        else:
            _writer(fmt)(selection, stream)
    return ExportResult(fmt, len(selection), nodes, edges, files)


def _writer(fmt: str):
    if fmt == "jsonl":
        from .jsonl import write_jsonl

        return lambda selection, stream: write_jsonl(
            selection.articles, stream, contexts=selection.contexts_of if selection.contexts is not None else None)
    if fmt == "csv":
        from .csvfile import write_csv
        return write_csv
    if fmt == "edges":
        from .csvfile import write_edges_csv
        return write_edges_csv
    if fmt == "xlsx":
        from .xlsx import write_xlsx
        return write_xlsx
    if fmt == "ris":
        from .ris import write_ris
        return write_ris
    if fmt == "bibtex":
        from .bibtex import write_bibtex
        return write_bibtex
    if fmt == "csljson":
        from .csljson import write_csljson
        return write_csljson
    if fmt == "medline":
        from .medline import write_medline
        return write_medline
    if fmt == "text":
        from .text import write_text
        return write_text
    from . import graphs

    return {"graphml": graphs.write_graphml, "gexf": graphs.write_gexf, "pajek": graphs.write_pajek,
            "cytoscape": graphs.write_cytoscape, "dot": graphs.write_dot}[fmt]
