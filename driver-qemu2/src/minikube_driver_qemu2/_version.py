"""The one place that states this driver's version."""

__version__ = "0.1.0"
