"""Who enforces a read-only profile: the server (the account can only read) or Eddy alone."""

import re

from core.db.connection import Connection
from core.db.errors import DatabaseError

# Privileges that cannot change data, schema, files or server settings.
READING_PRIVILEGES = {"SELECT", "SHOW VIEW", "USAGE", "SHOW DATABASES", "PROCESS", "REPLICATION CLIENT",
                      "BINLOG MONITOR", "SLAVE MONITOR", "REPLICA MONITOR", "SHOW_ROUTINE"}  # fmt: skip
_GRANT = re.compile(r"^GRANT\s+(.*?)\s+ON\s+.*?\s+TO\s+", re.IGNORECASE | re.DOTALL)


def read_only_enforcement(conn: Connection) -> str:
    """'server' when every grant of the account only reads (SHOW GRANTS), else 'eddy'.

    A role granted to the account, PROXY, WITH GRANT OPTION or anything unreadable counts as
    'eddy': only what is provably read-only is called enforced by the server."""
    try:
        rows = conn.select("SHOW GRANTS").rows
    except DatabaseError:
        return "eddy"
    for (line,) in rows:
        if "WITH GRANT OPTION" in line.upper():
            return "eddy"
        match = _GRANT.match(line)
        if not match:
            return "eddy"
        privileges = match.group(1)
        if privileges.upper().startswith("PROXY") or "`" in privileges or "'" in privileges:
            return "eddy"  # PROXY, or a role (GRANT `role` TO user): its privileges are not shown here
        names = {re.sub(r"\s*\(.*?\)", "", p).strip().upper() for p in privileges.split(",")}
        if not names <= READING_PRIVILEGES:
            return "eddy"
    return "server"
