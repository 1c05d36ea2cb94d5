"""The terminal browser (``citegraph browse``), a Textual application over the store."""

from .app import BrowseApp, parse_filter
from .data import BrowseData

__all__ = ["BrowseApp", "BrowseData", "parse_filter"]
