"""pcnhub: open-source software for running England's Primary Care Networks."""

__version__ = "0.1.0"
