"""JSON for the schema tree, the command palette and autocomplete's on-demand names (thin handlers)."""

from core.services.schema import tree
from core.web.base import ApiHandler, UserError, as_int

MAX_NAME = 256  # longer than any identifier the server allows
MAX_REFS = 64


def _name(value, field: str, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise UserError(400, f"'{field}' is required")
        return ""
    if not isinstance(value, str) or len(value) > MAX_NAME:
        raise UserError(400, f"'{field}' must be a name of at most {MAX_NAME} characters")
    return value


def _int(value: str, field: str, default: int) -> int:
    if value in (None, ""):
        return default
    return as_int(value, field)


class TreeApiHandler(ApiHandler):
    async def answer(self, fn, *args):
        data = await self.with_connection(fn, *args)  # a schema.tree.BadRequest answers 400
        self.write_json(data, ensure_ascii=False)


class TreeHandler(TreeApiHandler):
    """GET /api/tree[?db=&group=&offset=&limit=&filter=|?db=&table=]: one node's children."""

    async def get(self):
        arg = self.get_query_argument
        db = _name(arg("db", ""), "db", required=False)
        if not db:
            return await self.answer(tree.databases)
        table = _name(arg("table", ""), "table", required=False)
        if table:
            return await self.answer(tree.table_children, db, table)
        locate = _name(arg("locate", ""), "locate", required=False)
        if locate:
            return await self.answer(tree.locate_table, db, locate)
        group = _name(arg("group", ""), "group", required=False)
        if not group:  # refresh=1: the tree's Refresh (F5) reads the names again
            return await self.answer(tree.database_groups, db, arg("refresh", "") == "1")
        offset = _int(arg("offset", ""), "offset", 0)
        limit = _int(arg("limit", ""), "limit", 500)
        text = _name(arg("filter", ""), "filter", required=False)
        await self.answer(tree.group_items, db, group, offset, limit, text)


class SearchHandler(TreeApiHandler):
    """GET /api/tree/search?q=[&db=][&limit=]: objects of any database by fuzzy name."""

    async def get(self):
        q = _name(self.get_query_argument("q", ""), "q", required=False)
        db = _name(self.get_query_argument("db", ""), "db", required=False) or None
        limit = _int(self.get_query_argument("limit", ""), "limit", 50)
        await self.answer(tree.search, q, db, limit)


class CompletionTablesHandler(TreeApiHandler):
    """GET /api/editor/tables?db=&prefix=: table names of one database for `db.` completion."""

    async def get(self):
        db = _name(self.get_query_argument("db", ""), "db")
        prefix = _name(self.get_query_argument("prefix", ""), "prefix", required=False)
        await self.answer(tree.completion_tables, db, prefix)


class CompletionColumnsHandler(TreeApiHandler):
    """POST /api/editor/columns {"tables": [[db, table], ...]}: columns of the tables a statement names."""

    async def post(self):
        refs = self.read_json().get("tables")
        if not isinstance(refs, list) or len(refs) > MAX_REFS:
            raise UserError(400, f"'tables' must be a list of at most {MAX_REFS} [database, table] pairs")
        pairs = []
        for ref in refs:
            if not (isinstance(ref, list) and len(ref) == 2):
                raise UserError(400, "'tables' must hold [database, table] pairs")
            pairs.append((_name(ref[0], "tables[].database"), _name(ref[1], "tables[].table")))
        data = await self.with_connection(tree.completion_columns, pairs)
        self.write_json({"tables": data}, ensure_ascii=False)


ROUTES = [
    (r"/api/tree", TreeHandler),
    (r"/api/tree/search", SearchHandler),
    (r"/api/editor/tables", CompletionTablesHandler),
    (r"/api/editor/columns", CompletionColumnsHandler),
]
