"""Neutralise untrusted text before it reaches a terminal.

Titles and abstracts come from the network. They may hold rich markup (``[bold]``,
``[link=...]``), ANSI/OSC escape sequences (colours, OSC 8 links, OSC 52 clipboard writes),
C1 controls and bidi overrides. We never interpret any of it: markup is avoided by building
:class:`rich.text.Text` objects (which do not parse markup), and control characters are
replaced by visible stand-ins so a reader can see that something odd was there.
"""

from __future__ import annotations

import re

from rich.text import Text

__all__ = ["clean", "text", "one_line"]

# C0 (but tab/newline), DEL, C1, and the Unicode bidi embeddings/overrides/isolates
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # control pictures: ESC -> U+241B '␛'
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def clean(value: object, *, single_line: bool = True) -> str:
    """``value`` as text with every control and bidi character made visible and inert."""
    if value is None:
        return ""
    result = _UNSAFE.sub(_visible, str(value))
    if single_line:
        result = " ".join(result.split())
    return result


def text(value: object, style: str = "", *, single_line: bool = True) -> Text:
    """A :class:`Text` holding ``value`` literally (markup is not parsed)."""
    return Text(clean(value, single_line=single_line), style=style)


def one_line(value: Text) -> Text:
    """``value`` kept to one line whatever the width, cut with an ellipsis (a list or a tree
    stays one row per paper)."""
    value.no_wrap, value.overflow = True, "ellipsis"
    return value
