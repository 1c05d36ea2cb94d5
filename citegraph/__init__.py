"""citegraph: crawl, store and explore PubMed citation graphs."""

__version__ = "0.1.0"
