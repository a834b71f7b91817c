"""Objects in a database: table structure and DDL, views/routines/triggers/events (objects), the
schema tree and object search (tree), ERD layout, preview-then-run plans, browsing, server admin."""
