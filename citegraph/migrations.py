"""The store's schema migrations and source bits (:mod:`citegraph.store.migrations`), for callers outside the store."""

from .store.migrations import ARTICLE_META_SYNC, MIGRATIONS, SOURCE_BITS, source_bit_sql

__all__ = ["MIGRATIONS", "ARTICLE_META_SYNC", "SOURCE_BITS", "source_bit_sql"]
