"""Driver constants and small driver-level operations for code outside core/db.

Services never import PyMySQL: what they need from it (field type codes, literal escaping, a bare
probe of a local server they started themselves) is named here, so a driver upgrade is checked in
one package.
"""

import pymysql
from pymysql.constants import FIELD_TYPE
from pymysql.converters import escape_string

__all__ = ["FIELD_TYPE", "escape_text", "server_answers", "send_shutdown"]


def escape_text(value: str) -> str:
    """`value` escaped for a single-quoted SQL literal with backslash escapes (no session needed)."""
    return escape_string(value)


def server_answers(where: dict, user: str, password: str, timeout: float = 1) -> bool | None:
    """Probe a server we started ourselves (sandbox): True when it accepts or refuses the login
    (1045 means it is up, a password is set), None while it does not answer yet."""
    try:
        pymysql.connect(**where, user=user, password=password, connect_timeout=timeout).close()
        return True
    except pymysql.err.OperationalError as exc:
        if exc.args and exc.args[0] == 1045:
            return True
        return None


def send_shutdown(host: str, port: int, user: str, password: str, timeout: float = 5) -> bool:
    """Ask a server we started ourselves to SHUTDOWN; False when it could not be asked."""
    try:
        conn = pymysql.connect(host=host, port=port, user=user, password=password, connect_timeout=timeout)
        with conn.cursor() as cursor:
            cursor.execute("SHUTDOWN")
        conn.close()
        return True
    except pymysql.err.MySQLError:
        return False
