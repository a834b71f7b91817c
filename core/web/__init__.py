"""Tornado glue: thin handlers, one module per area."""
