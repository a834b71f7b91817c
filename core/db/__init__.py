"""The data layer, the only door to PyMySQL (tests/test_layers.py checks it); no tornado below here.

connection.py: Connection, with public methods for every need (query/get/execute/select/stream,
send_query/read_result for pipelined INSERTs, describe_query, execute_raw/execute_script,
local_infile_session); schema.py and catalog.py: catalog reads, each written once; driver.py: the
few driver constants and probes services may use; sql.py: quoting and the statement splitter.

PyMySQL loads with the first use of connection.py's names, not with this package: the first page
(the login form) needs ConnectionParams and the errors only (tests/web/test_startup.py).
"""

from core.db.errors import ConnectionLost, DatabaseError
from core.db.params import ConnectionParams

__all__ = ["Column", "Connection", "ConnectionParams", "ResultSet", "Row", "DatabaseError", "ConnectionLost"]
_IN_CONNECTION = {"Column", "Connection", "ResultSet", "Row"}


def __getattr__(name: str):
    if name in _IN_CONNECTION:
        from core.db import connection

        return getattr(connection, name)
    raise AttributeError(f"module 'core.db' has no attribute {name!r}")
