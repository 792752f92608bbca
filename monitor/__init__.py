"""The disclosure monitor: what Mongolian agencies must publish, and whether they did."""

__version__ = "0.1.0"
