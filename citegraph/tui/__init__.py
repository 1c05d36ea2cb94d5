"""The terminal browser (``citegraph browse``), a Textual application over the store."""

from .app import BrowseApp
from .data import BrowseData
from .filter_box import parse_filter

__all__ = ["BrowseApp", "BrowseData", "parse_filter"]
