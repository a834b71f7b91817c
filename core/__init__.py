"""Eddy: a MySQL/MariaDB workbench served by Tornado on loopback and shown in a native window."""

__version__ = "0.1.0"
