"""A small structural comparator for XML responses.

``shape(data)`` reduces a document to what "the same shape" means for E-utilities responses:
the bytes before the root element (XML declaration and DOCTYPE lines), the bytes after it,
the set of element paths (``eLinkResult/LinkSet/IdList/Id``), and for each path the
whitespace seen before its start tag and before its end tag. Text content and element counts
are ignored, so a response with other ids and more records still has the same shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

_ROOT_START = re.compile(rb"<(?![?!])")


@dataclass
class Shape:
    prolog: bytes
    trailer: bytes
    paths: set[str] = field(default_factory=set)
    #: path -> whitespace strings found before the element's start tag
    before: dict[str, set[str]] = field(default_factory=dict)
    #: path -> whitespace strings found before the element's end tag (elements with children)
    closing: dict[str, set[str]] = field(default_factory=dict)
    #: path -> attribute names seen
    attributes: dict[str, set[str]] = field(default_factory=dict)


def _ws(text: str | None) -> str:
    text = text or ""
    return text if not text.strip() else "<text>"


def shape(data: bytes, *, max_depth: int | None = None) -> Shape:
    """The shape of ``data`` (elements deeper than ``max_depth`` below the root are ignored)."""
    # the prolog: everything before the first element start tag, comments included
    pos = 0
    while True:
        m = _ROOT_START.search(data, pos)
        assert m, "no root element"
        if data[m.start():m.start() + 4] == b"<!--":
            pos = data.index(b"-->", m.start()) + 3
            continue
        break
    prolog = data[: m.start()]
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    end_tag = f"</{root.tag}>".encode()
    end = data.rfind(end_tag)
    trailer = data[end + len(end_tag):] if end >= 0 else b""
    result = Shape(prolog=prolog, trailer=trailer)

    def walk(elem, path: str, depth: int) -> None:
        result.paths.add(path)
        result.attributes.setdefault(path, set()).update(elem.attrib.keys())
        children = [c for c in elem if isinstance(c.tag, str)]
        if max_depth is not None and depth >= max_depth:
            return
        prev_tail = elem.text
        for child in children:
            child_path = f"{path}/{child.tag}"
            result.before.setdefault(child_path, set()).add(_ws(prev_tail))
            walk(child, child_path, depth + 1)
            prev_tail = child.tail
        if children:
            result.closing.setdefault(path, set()).add(_ws(prev_tail))

    walk(root, root.tag, 0)
    return result


def assert_same_shape(ours: bytes, real: bytes, *, max_depth: int | None = None, exact_paths: bool = False) -> None:
    """Ours must have the real document's prolog and trailer, only paths the real one has
    (all of them with ``exact_paths``), and the same whitespace around each element."""
    a, b = shape(ours, max_depth=max_depth), shape(real, max_depth=max_depth)
    assert a.prolog == b.prolog, f"prolog differs:\n ours {a.prolog!r}\n real {b.prolog!r}"
    assert a.trailer == b.trailer, f"trailer differs: ours {a.trailer!r}, real {b.trailer!r}"
    extra = a.paths - b.paths
    assert not extra, f"elements the real response never has: {sorted(extra)}"
    if exact_paths:
        missing = b.paths - a.paths
        assert not missing, f"elements the real response has and ours lacks: {sorted(missing)}"
    for path in a.paths:
        if path in a.before:
            assert a.before[path] <= b.before[path], (
                f"whitespace before <{path}>: ours {sorted(a.before[path])!r}, real {sorted(b.before[path])!r}")
        if path in a.closing:
            assert path in b.closing and a.closing[path] <= b.closing[path], (
                f"whitespace before </{path}>: ours {sorted(a.closing[path])!r}, "
                f"real {sorted(b.closing.get(path, set()))!r}")
