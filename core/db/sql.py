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


def render_sql(sql: str, params=None) -> str:
    """The statement with its parameters inlined as literals: for showing, never for running.

    `sql` is in PyMySQL's format: %s placeholders, %% for a literal percent sign."""
    import pymysql.converters

    return sql % tuple(pymysql.converters.escape_item(p, "utf8mb4") for p in (params or ()))


def quote_for_format(name: str) -> str:
    """quote_identifier, with % doubled: for statements run with %s parameters."""
    return quote_identifier(name).replace("%", "%%")
