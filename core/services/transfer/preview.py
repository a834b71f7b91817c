"""What the import dialog shows before anything is written: the detected dialect, the first rows,
the proposed column mapping, and for a new table a CREATE TABLE with inferred types (editable)."""

import re
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path

from core.db import Connection
from core.db.sql import qualified, quote_identifier
from core.services.errors import refuses_as_bad_options
from core.services.transfer.csv_import import (
    default_mapping,
    max_packet,
    record_limit,
    table_columns,
    transaction_limit_note,
)
from core.services.transfer.formats import Dialect, RecordReader, detect_dialect

PREVIEW_ROWS = 20
INFER_ROWS = 2000
INFER_CHARACTERS = 64 * 1024 * 1024  # sampled rows held for type inference, at most
SHOWN_CHARACTERS = 1000  # of each previewed field (the dialog only shows; the import reads the file)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.(\d{1,6}))?$")
INT = re.compile(r"[+-]?\d+$")
DEC = re.compile(r"[+-]?(\d*)\.(\d+)$")


@refuses_as_bad_options(ValueError)  # a bad dialect, a record too large, undecodable text: a 400
def preview(
    conn: Connection, path: Path, database: str | None, table: str | None, overrides: dict | None, name: str = ""
) -> dict:
    columns = table_columns(conn, database, table) if table else []
    detected, _sample = detect_dialect(path, [c["name"] for c in columns])
    dialect = Dialect.from_dict({**detected.__dict__, **(overrides or {})})
    limit = record_limit(max_packet(conn), len(columns) or 4)
    with RecordReader(path, dialect, limit=limit) as reader:
        header = reader.read_header()
        rows, held = [], 0
        for _line, fields in islice(reader, INFER_ROWS):
            rows.append(fields)
            held += sum(len(v) for v in fields if v)
            if held > INFER_CHARACTERS:
                break
    width = len(header) if header else max((len(r) for r in rows), default=0)
    result = {
        "dialect": dialect.__dict__,
        "detected": detected.__dict__,
        "header": header,
        "width": width,
        "rows": [[shown(v) for v in r] for r in rows[:PREVIEW_ROWS]],
        "size": Path(path).stat().st_size,
    }
    if table:
        result["columns"] = [{"name": c["name"], "type": c["type"], "nullable": bool(c["nullable"])} for c in columns]
        result["mapping"] = [{"column": t.column, "source": t.source} for t in default_mapping(header, width, columns)]
        engine = conn.get(
            "SELECT ENGINE AS e FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
            database,
            table,
        )
        if engine and engine.e and engine.e.lower() not in ("innodb", "rocksdb"):
            result["warning"] = (
                f"The table's engine is {engine.e}: it cannot roll back, so a failed import leaves rows."
            )
    else:
        result["create_sql"] = infer_create_table(database, Path(name or path).stem, header, rows, width)
    limit_note = transaction_limit_note(conn.flavour(), result["size"], commit_every=0)
    if limit_note:
        result["warning"] = " ".join(filter(None, [result.get("warning"), limit_note]))
    return result


def shown(value):
    """A previewed field, cut for display with its length said (never imported from here)."""
    if value is not None and len(value) > SHOWN_CHARACTERS:
        return f"{value[:SHOWN_CHARACTERS]}… ({len(value):,} characters)"
    return value


def _column_name(name: str, i: int) -> str:
    # MariaDB identifiers cannot hold 4-byte characters (emoji).
    clean = "".join(ch for ch in (name or "").strip() if ord(ch) < 0x10000)[:64].rstrip()
    return clean or f"column_{i + 1}"


def infer_type(values: list) -> str:
    """A column type that holds every sampled value (the user edits it when the sample misleads)."""
    present = [v for v in values if v not in (None, "")]
    if not present:
        return "VARCHAR(255)"
    if all(INT.match(v) for v in present):
        biggest = max(abs(int(v)) for v in present)
        if any(len(v.lstrip("+-")) > 1 and v.lstrip("+-").startswith("0") for v in present):
            return f"VARCHAR({_round_up(max(len(v) for v in present))})"  # leading zeros: codes, not numbers
        return "INT" if biggest < 2**31 else "BIGINT" if biggest < 2**63 else "DECIMAL(65,0)"
    if all(DEC.match(v) or INT.match(v) for v in present):
        try:
            digits = [Decimal(v).as_tuple() for v in present]
        except InvalidOperation:
            digits = []
        if digits:
            scale = max(-d.exponent for d in digits if d.exponent < 0) if any(d.exponent < 0 for d in digits) else 0
            whole = max(len(d.digits) + d.exponent for d in digits)
            precision = min(65, max(whole, 1) + scale + 2)
            return f"DECIMAL({precision},{min(scale, 30)})"
    try:
        [float(v) for v in present]
        return "DOUBLE"
    except ValueError:
        pass
    if all(DATE.match(v) for v in present):
        return "DATE"
    if all(DATETIME.match(v) for v in present):
        fsp = max(len(m.group(2) or "") for m in (DATETIME.match(v) for v in present))
        return f"DATETIME({fsp})" if fsp else "DATETIME"
    longest = max(len(v) for v in present)
    if longest > 2000:
        most_bytes = max(len(v.encode("utf-8", "surrogateescape")) for v in present)
        return "LONGTEXT" if most_bytes > 16_777_215 else "MEDIUMTEXT" if most_bytes > 65_535 else "TEXT"
    return f"VARCHAR({_round_up(longest * 2)})"


def _round_up(n: int) -> int:
    for size in (16, 32, 64, 128, 255, 512, 1024, 2048):
        if n <= size:
            return size
    return n


def infer_create_table(database: str, table: str, header: list[str] | None, rows: list[list], width: int) -> str:
    names = []
    for i in range(width):
        base = _column_name(header[i] if header and i < len(header) else "", i)
        name, n = base, 1
        while name.lower() in (x.lower() for x in names):
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    lines = []
    for i, name in enumerate(names):
        values = [r[i] if i < len(r) else None for r in rows]
        nullable = any(v is None for v in values) or not values
        lines.append(f"  {quote_identifier(name)} {infer_type(values)}{'' if nullable else ' NOT NULL'}")
    table_name = _column_name(table, 0).replace(".", "_")
    return (
        f"CREATE TABLE {qualified(database, table_name)} (\n"
        + ",\n".join(lines)
        + "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    )
