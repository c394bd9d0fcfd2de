"""lienthong: the national network for official electronic documents."""

__version__ = "0.1.0"
