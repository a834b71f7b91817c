"""The product's verbs in plain Python: no tornado request objects here.

One package per area: connections/, grid/ (the table grid), query/ (the SQL editor), schema/,
sandbox/, transfer/ (import/export), compare/. What several areas share stays at the top: jobs
(background jobs with progress and cancel), errors (ServiceError, the refusals the web layer maps
to HTTP statuses) and about."""
