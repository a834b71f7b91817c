"""The data layer's own exceptions, carrying MySQL's error code and message."""

import re

# Client-side codes that mean the connection is gone (CR_SERVER_GONE_ERROR, CR_SERVER_LOST, ...).
CONNECTION_LOST_CODES = {2006, 2013, 2055}


class DatabaseError(Exception):
    """A server or client error, with MySQL's numeric code (0 when there is none)."""

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"({self.code}) {self.message}" if self.code else self.message


class ConnectionLost(DatabaseError):
    """The server dropped the connection; it has been (or will be) re-established."""


class ConnectFailed(DatabaseError):
    """Connecting failed; message is a sentence a user can act on."""


def _without_errno(raw: str) -> str:
    """ "Can't connect ... ([Errno 113] No route to host)" -> "no route to host"."""
    match = re.search(r"\[Errno -?\d+\] ([^)]*)", raw)
    return match.group(1).strip().rstrip(".").lower() if match else raw


def _describe_connect_error(code: int, raw: str, host: str, port: int) -> str:
    low = raw.lower()
    no_answer = f"No answer from {host}:{port} — is the host up and the port open?"
    closed = (
        f"{host}:{port} closed the connection without answering — is it a MySQL/MariaDB server, "
        "and does it accept connections from this computer?"
    )
    if code == 1045:
        return f"Access denied: wrong user name or password. Server said: {raw}"
    if code == 1049:
        return f"Unknown database. Server said: {raw}"
    if "certificate verify failed" in low or "[ssl" in low or "ssl is required" in low:
        return f"TLS with {host}:{port} failed: {raw}"
    if code in (2003, 2002):
        if "refused" in low:
            return f"Connection refused: nothing is listening on {host}:{port}."
        if "timed out" in low or "timeout" in low:
            return no_answer
        if "reset" in low:
            return closed
        if "name or service not known" in low or "nodename nor servname" in low or "getaddrinfo" in low:
            return f"Unknown host: '{host}' could not be resolved."
        return f"Cannot reach {host}:{port}: {_without_errno(raw)}."
    if code in CONNECTION_LOST_CODES or code == 0:
        # Lost during the handshake: the port answered TCP but not as a MySQL/MariaDB server does.
        if "timed out" in low or "timeout" in low:
            return no_answer
        if "reset" in low or "errno 104" in low or "broken pipe" in low or "lost connection" in low:
            return closed
    if code == 2005:
        return f"Unknown host: '{host}' could not be resolved."
    return raw


def translate(exc: BaseException) -> DatabaseError:
    """Turn a PyMySQL exception into one of ours (code + message)."""
    if isinstance(exc, DatabaseError):
        return exc
    import pymysql  # here: whoever has a PyMySQL error has loaded it (the first page loads no driver)

    code, message = 0, str(exc)
    if isinstance(exc, pymysql.err.MySQLError) and len(exc.args) >= 2 and isinstance(exc.args[0], int):
        code, message = exc.args[0], str(exc.args[1])
    if code in CONNECTION_LOST_CODES or isinstance(exc, (pymysql.err.InterfaceError, ConnectionError, BrokenPipeError)):
        return ConnectionLost(message or "Lost connection to the server", code)
    return DatabaseError(message, code)


def translate_connect(exc: BaseException, host: str, port: int) -> ConnectFailed:
    err = translate(exc)
    return ConnectFailed(_describe_connect_error(err.code, err.message, host, port), err.code)
