"""SQL text helpers: identifier quoting lives here and only here."""


def quote_identifier(name: str) -> str:
    """Quote a MySQL identifier with backticks, doubling any backtick inside it."""
    if not isinstance(name, str) or name == "":
        raise ValueError("An identifier must be a non-empty string")
    if "\x00" in name:
        raise ValueError("An identifier cannot contain a NUL character")
    return "`" + name.replace("`", "``") + "`"


def qualified(*parts: str) -> str:
    """`db`.`table` (or `db`.`table`.`column`), each part quoted."""
    return ".".join(quote_identifier(p) for p in parts)


def quote_literal(value: str, no_backslash_escapes: bool = False) -> str:
    """A SQL string literal for places where parameters cannot go (DDL defaults, comments).

    Mirrors PyMySQL's Connection.escape_string: backslash escaping, unless the session runs
    with NO_BACKSLASH_ESCAPES, where only quotes are doubled. Safe for utf8mb4 (no multi-byte
    sequence of UTF-8 contains an ASCII quote or backslash byte).
    """
    from pymysql.converters import escape_string

    if not isinstance(value, str):
        raise ValueError("A string literal must be built from a string")
    if no_backslash_escapes:
        return "'" + value.replace("'", "''") + "'"
    return "'" + escape_string(value) + "'"
