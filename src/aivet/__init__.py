"""aivet: audit AI services with evidence anyone can re-check."""

__version__ = "0.1.0"
