"""The SQL editor: statements run as jobs (jobs, model), results spooled to disk (spool)
and exported (export), confirmation of unsafe writes (safe_writes) and EXPLAIN (explain)."""
