"""Schema compare and sync: two databases (on one connection or two) compared object by object,
and the ordered script that makes the target like the source, run statement by statement.

catalog reads: core.db.schema_snapshot; parts of a table: tables; differences: diff; script: script.
"""
