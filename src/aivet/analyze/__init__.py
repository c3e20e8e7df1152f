"""Analyzers: pure functions from stored evidence (and intel) to findings.

No network, no browser: every analyzer can run again on stored evidence.
"""
