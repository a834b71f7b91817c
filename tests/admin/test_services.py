"""Structure services straight on a connection: literals follow the session's sql_mode."""

import pytest

from core.db import Connection
from core.services.schema import structure
from core.services.schema.plans import run_plan
from tests.admin.conftest import ADMIN_DB

TRICKY = 'a\\b\'c\n"d" 值'


@pytest.mark.parametrize("mode", ["", "NO_BACKSLASH_ESCAPES"])
def test_literal_defaults_and_comments_round_trip_in_both_escape_modes(mariadb, shop_db, mode):
    conn = Connection(mariadb.admin)
    try:
        conn.execute("SET SESSION sql_mode = %s", mode)
        form = {
            "name": f"literal_{mode or 'default'}",
            "columns": [
                {
                    "name": "v",
                    "type": "VARCHAR(40)",
                    "nullable": True,
                    "default_kind": "literal",
                    "default": TRICKY,
                    "comment": TRICKY,
                }
            ],  # fmt: skip
            "options": {"comment": TRICKY},
        }
        run_plan(conn, structure.plan_create_table(conn, ADMIN_DB, form))
        (col,) = structure.read_columns(conn, ADMIN_DB, form["name"])
        assert col["default"] == TRICKY and col["comment"] == TRICKY
        assert structure.read_options(conn, ADMIN_DB, form["name"])["comment"] == TRICKY
        # Read back, the same form is "no change": nothing was lost in escaping.
        current = structure.table_structure(conn, ADMIN_DB, form["name"])
        with pytest.raises(Exception, match="Nothing to change"):
            structure.plan_alter_table(conn, ADMIN_DB, form["name"], current)
    finally:
        conn.close()


def test_an_emoji_comment_is_refused_before_any_sql(mariadb, shop_db):
    """MariaDB keeps comments in utf8mb3 and would silently store '?' instead."""
    conn = Connection(mariadb.admin)
    try:
        column = {"name": "v", "type": "VARCHAR(10)", "nullable": True}
        with pytest.raises(Exception, match="emoji"):
            structure.plan_create_table(conn, ADMIN_DB, {"name": "e2", "columns": [{**column, "comment": "🙂"}]})
    finally:
        conn.close()
