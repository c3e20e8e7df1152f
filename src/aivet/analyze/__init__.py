"""Analyzers: pure functions from stored evidence (and intel) to findings; no network, no browser."""
