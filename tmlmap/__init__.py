"""tmlmap: an interpretable graph-based map of trustworthy-ML research."""

__version__ = "0.1.0"
