"""Grid filters compiled to SQL: per-column conditions (values always parameters) plus a raw WHERE.

A filter is plain data, as the browser sends it:
    {"match": "and" | "or",
     "conditions": [{"column": "name", "op": "=", "value": ..., "value2": ..., "values": [...]}],
     "raw": "user SQL, ANDed with the conditions"}
Compiled SQL uses PyMySQL's format (%s placeholders, %% for a literal percent sign).
"""

from dataclasses import dataclass, field

from core.db.sql import quote_for_format
from core.services.errors import ServiceError

# op -> (SQL template, how many values). {c} is the quoted column.
OPERATORS = {
    "=": ("{c} = %s", 1),
    "!=": ("{c} <> %s", 1),
    "<": ("{c} < %s", 1),
    "<=": ("{c} <= %s", 1),
    ">": ("{c} > %s", 1),
    ">=": ("{c} >= %s", 1),
    "like": ("{c} LIKE %s", 1),
    "not like": ("{c} NOT LIKE %s", 1),
    "in": (None, "list"),
    "not in": (None, "list"),
    "is null": ("{c} IS NULL", 0),
    "is not null": ("{c} IS NOT NULL", 0),
    "between": ("{c} BETWEEN %s AND %s", 2),
}


class FilterError(ServiceError, ValueError):
    """The filter cannot be compiled (unknown column or operator, missing value): a 400."""


@dataclass
class CompiledFilter:
    where: str = ""  # without the WHERE keyword; "" for none
    params: list = field(default_factory=list)

    def clause(self) -> str:
        return f" WHERE {self.where}" if self.where else ""


def decode_value(value):
    """A JSON value from the browser as a parameter: {"binary": hex} becomes bytes."""
    if isinstance(value, dict) and "binary" in value:
        try:
            return bytes.fromhex(value["binary"])
        except (TypeError, ValueError) as exc:
            raise FilterError(f"Not valid hex: {value['binary']!r}") from exc
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dict, list)):
        raise FilterError("A value must be text, a number or null")
    return value


def compile_condition(cond: dict, columns: set[str]) -> tuple[str, list]:
    column = cond.get("column")
    if column not in columns:
        raise FilterError(f"Unknown column: {column!r}")
    op = str(cond.get("op", "=")).lower()
    if op not in OPERATORS:
        raise FilterError(f"Unknown operator: {op!r}")
    template, arity = OPERATORS[op]
    c = quote_for_format(column)
    if arity == "list":
        values = cond.get("values")
        if values is None and isinstance(cond.get("value"), str):
            values = [v.strip() for v in cond["value"].split(",")]
        if not isinstance(values, list) or not values:
            raise FilterError(f"{op.upper()} on {column} needs at least one value")
        marks = ", ".join(["%s"] * len(values))
        keyword = "IN" if op == "in" else "NOT IN"
        return f"{c} {keyword} ({marks})", [decode_value(v) for v in values]
    if arity == 0:
        return template.format(c=c), []
    if "value" not in cond:
        raise FilterError(f"{op.upper()} on {column} needs a value")
    params = [decode_value(cond.get("value"))]
    if arity == 2:
        if "value2" not in cond:
            raise FilterError(f"BETWEEN on {column} needs two values")
        params.append(decode_value(cond.get("value2")))
    if None in params and op not in ("=", "!="):
        raise FilterError(f"{op.upper()} on {column} with NULL matches nothing: use IS NULL")
    if params == [None]:
        return (f"{c} IS NULL" if op == "=" else f"{c} IS NOT NULL"), []
    return template.format(c=c), params


def compile_filter(spec: dict | None, columns: list[str]) -> CompiledFilter:
    """The WHERE text and parameters for a filter spec (None or {} means no filter)."""
    if not spec:
        return CompiledFilter()
    if not isinstance(spec, dict):
        raise FilterError("A filter must be an object")
    match = str(spec.get("match", "and")).lower()
    if match not in ("and", "or"):
        raise FilterError("match must be 'and' or 'or'")
    known = set(columns)
    parts, params = [], []
    for cond in spec.get("conditions") or []:
        if not isinstance(cond, dict):
            raise FilterError("Each condition must be an object")
        sql, values = compile_condition(cond, known)
        parts.append(sql)
        params.extend(values)
    where = ""
    if parts:
        where = f" {match.upper()} ".join(parts)
        if len(parts) > 1:
            where = f"({where})"
    raw = (spec.get("raw") or "").strip()
    if raw:
        if not isinstance(raw, str):
            raise FilterError("The raw WHERE must be text")
        # The user's own SQL: theirs to run. Only % is doubled to survive PyMySQL's formatting.
        raw_sql = "(" + raw.replace("%", "%%") + "\n)"  # newline: a trailing -- comment stays closed
        where = f"{where} AND {raw_sql}" if where else raw_sql
    return CompiledFilter(where=where, params=params)
