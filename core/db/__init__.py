"""The data layer, the only door to PyMySQL (tests/test_layers.py checks it); no tornado below here.

connection.py: Connection, with public methods for every need (query/get/execute/select/stream,
send_query/read_result for pipelined INSERTs, describe_query, execute_raw/execute_script,
local_infile_session); schema.py and catalog.py: catalog reads, each written once; driver.py: the
few driver constants and probes services may use; sql.py: quoting and the statement splitter.
"""

from core.db.connection import Column, Connection, ConnectionParams, ResultSet, Row
from core.db.errors import ConnectionLost, DatabaseError

__all__ = ["Column", "Connection", "ConnectionParams", "ResultSet", "Row", "DatabaseError", "ConnectionLost"]
