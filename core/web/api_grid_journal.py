"""The crash journal of a table's pending grid edits (ui/static/js/edit_journal.js): kept in the
per-user store as they are made, cleared on Apply or Discard, offered back when the table opens."""

from core.web.base import ApiHandler, UserError

MAX_CHANGES = 10_000


class JournalHandler(ApiHandler):
    def key(self, db: str, table: str) -> tuple[str, str, str]:
        return (self.db_session.params.label(), db, table)

    async def get(self, db, table):
        entry = await self.run_blocking(self.application.store.grid_journal, *self.key(db, table))
        self.write_json({"journal": entry})

    async def put(self, db, table):
        changes = self.read_json().get("changes", [])
        if len(changes) > MAX_CHANGES:
            raise UserError(400, f"At most {MAX_CHANGES:,} pending changes are journaled.")
        count = sum(1 for c in changes if c.get("op") in ("insert", "update", "delete"))
        await self.run_blocking(self.application.store.save_grid_journal, *self.key(db, table), changes, count)
        self.write_json({"count": count})


class JournalsHandler(ApiHandler):
    """The tables of this connection's server with edits journaled and never applied: the
    workspace offers them at start (each table's page then offers its own edits back)."""

    async def get(self):
        label = self.db_session.params.label()
        self.write_json({"journals": await self.run_blocking(self.application.store.grid_journals, label)})


ROUTES = [
    (r"/api/db/(?P<db>[^/]+)/table/(?P<table>[^/]+)/journal", JournalHandler),
    (r"/api/grid/journals", JournalsHandler),
]
