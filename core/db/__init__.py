"""The data layer: PyMySQL only, no tornado anywhere below here."""

from core.db.connection import Column, Connection, ConnectionParams, ResultSet, Row
from core.db.errors import ConnectionLost, DatabaseError

__all__ = ["Column", "Connection", "ConnectionParams", "ResultSet", "Row", "DatabaseError", "ConnectionLost"]
