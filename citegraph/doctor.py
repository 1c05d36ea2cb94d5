"""``citegraph doctor``'s checks and repair (:mod:`citegraph.store.doctor`), for callers outside the store."""

from .store.doctor import LATEST_SCHEMA, Diagnosis, diagnose, repair

__all__ = ["Diagnosis", "LATEST_SCHEMA", "diagnose", "repair"]
