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
