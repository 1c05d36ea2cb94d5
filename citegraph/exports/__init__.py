"""Exports of stored articles and citation edges. Each format is one module."""
