"""Export a query job's result from its spool: CSV (RFC 4180), JSON, or SQL INSERT statements.

NULL stays distinct everywhere: in CSV a NULL is an empty unquoted field while an empty string is
`""` (and the text "NULL" is just text); in JSON it is null; in SQL it is NULL.
"""

import json
from collections.abc import Iterator

from core.db.driver import escape_text
from core.db.sql import quote_identifier

FORMATS = {"csv": "text/csv", "json": "application/json", "sql": "application/sql"}
NUMERIC_TYPES = {"tiny", "short", "long", "longlong", "int24", "decimal", "newdecimal", "float", "double", "year"}


def _csv_field(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # binary
        return "0x" + value["binary"]
    text = value if isinstance(value, str) else json.dumps(value)
    if text == "" or any(ch in text for ch in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _sql_value(value, numeric: bool) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, dict):
        return "X'" + value["binary"] + "'" if value["binary"] else "''"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if numeric and value.replace(".", "", 1).replace("-", "", 1).isdigit():
        return value
    return "'" + escape_text(value) + "'"


def export_chunks(columns: list[dict], blocks, fmt: str, table: str = "result") -> Iterator[str]:
    """Text chunks of the whole result, written block by block (never all in memory)."""
    names = [c["name"] for c in columns]
    if fmt == "csv":
        yield ",".join(_csv_field(n) for n in names) + "\r\n"
        for rows in blocks:
            yield "".join(",".join(_csv_field(v) for v in row) + "\r\n" for row in rows)
    elif fmt == "json":
        yield "["
        first = True
        for rows in blocks:
            parts = []
            for row in rows:
                parts.append(("" if first else ",") + "\n" + json.dumps(dict(zip(names, row)), ensure_ascii=False))
                first = False
            yield "".join(parts)
        yield "\n]\n"
    elif fmt == "sql":
        numeric = [c.get("numeric", c["type"] in NUMERIC_TYPES) for c in columns]
        head = f"INSERT INTO {quote_identifier(table)} ({', '.join(quote_identifier(n) for n in names)}) VALUES\n"
        for rows in blocks:
            if not rows:
                continue
            values = ",\n".join("(" + ", ".join(_sql_value(v, n) for v, n in zip(row, numeric)) + ")" for row in rows)
            yield head + values + ";\n"
    else:
        raise ValueError(f"Unknown export format '{fmt}': use csv, json or sql")
