"""A .sql dump as one side of a compare: loaded into a scratch database of its own first.

The scratch database is named eddy_dump_<random>, so it can never be mistaken for (or replace) a
database of the user's; the dump runs there through the script import, which refuses before
running anything a dump that names another database (USE, CREATE DATABASE, db.table).
"""

import secrets
from pathlib import Path

from core.db import Connection
from core.db.sql import quote_identifier
from core.services.jobs import ProgressJob
from core.services.schema.plans import ChangeRefused
from core.services.transfer.sql_import import ScriptNamesOtherDatabases, ScriptOptions, run_script

SCRATCH_PREFIX = "eddy_dump_"


def load_dump(conn: Connection, path: Path, job: ProgressJob | None = None) -> dict:
    """Run the dump in a new scratch database; answer its name. A failure leaves nothing behind."""
    name = SCRATCH_PREFIX + secrets.token_hex(4)
    conn.execute(f"CREATE DATABASE {quote_identifier(name)} CHARACTER SET utf8mb4")
    try:
        result = run_script(conn, path, ScriptOptions(database=name), job)
    except ScriptNamesOtherDatabases as exc:
        drop_scratch(conn, name)
        names = ", ".join(f"`{o['name']}` (line {o['line']}: {o['how']})" for o in exc.others)
        raise ChangeRefused(
            f"This dump names other databases ({names}), so it cannot be loaded for a compare: "
            "make it without --databases (one database, no USE), as Eddy's own database export does."
        ) from exc
    except BaseException:
        drop_scratch(conn, name)
        raise
    return {"database": name, "statements": result["statements"]}


def drop_scratch(conn: Connection, name: str) -> None:
    """Remove a scratch database made by load_dump (and only such a database)."""
    if not isinstance(name, str) or not name.startswith(SCRATCH_PREFIX):
        raise ChangeRefused(f"Only a loaded dump's database ({SCRATCH_PREFIX}…) can be removed here")
    conn.execute(f"DROP DATABASE IF EXISTS {quote_identifier(name)}")
