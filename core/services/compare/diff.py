"""Compare two databases' schemas: what the target lacks, has extra, or has otherwise.

Direction: the source is what the target should become. "added" = only in the source (to create
in the target), "removed" = only in the target (to drop), "changed" = in both, defined otherwise.
"""

import difflib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from core.db.connection import Connection
from core.db.schema_snapshot import KINDS, Filters, SchemaSnapshot, read_definition, read_snapshot, strip_database
from core.services.compare import tables as T

_DEFINER = re.compile(r"\s+DEFINER\s*=\s*(?:`(?:[^`]|``)*`|'[^']*'|\S+?)@(?:`(?:[^`]|``)*`|'[^']*'|[^\s]+)", re.I)


@dataclass
class Side:
    """One side of a compare: a connection (borrowed for the call) and a database on it."""

    conn: Connection
    database: str
    label: str = ""


@dataclass
class Difference:
    kind: str
    name: str
    status: str  # added | removed | changed
    source_sql: str = ""
    target_sql: str = ""
    parts: list[dict] = field(default_factory=list)
    renames: list[dict] = field(default_factory=list)  # possible renames the user may confirm
    warnings: list[str] = field(default_factory=list)
    # parsed definitions for the script builder (not sent to the browser): to write SQL from / to compare
    source_def: object = None
    target_def: object = None
    source_cmp: object = None
    target_cmp: object = None

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}"

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "source_sql": self.source_sql,
            "target_sql": self.target_sql,
            "parts": self.parts,
            "renames": self.renames,
            "warnings": self.warnings,
            "lines": side_by_side(self.target_sql, self.source_sql),
        }


@dataclass
class Comparison:
    source: Side
    target: Side
    filters: Filters
    differences: list[Difference]
    identical: dict[str, int]
    source_snapshot: SchemaSnapshot
    target_snapshot: SchemaSnapshot

    def as_json(self) -> dict:
        return {
            "source": {"database": self.source.database, "label": self.source.label},
            "target": {"database": self.target.database, "label": self.target.label},
            "differences": [d.as_json() for d in self.differences],
            "identical": self.identical,
        }


def strip_definer(sql: str) -> str:
    """Leave DEFINER out: objects are created as the account that applies the script."""
    return _DEFINER.sub("", sql, count=1)


def side_by_side(left: str, right: str) -> list[dict]:
    """Rows of a two-column diff: {"l": text|None, "r": text|None, "t": equal|replace|delete|insert}."""
    a, b = left.split("\n") if left else [], right.split("\n") if right else []
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        n = max(i2 - i1, j2 - j1)
        for k in range(n):
            rows.append(
                {
                    "l": a[i1 + k] if i1 + k < i2 else None,
                    "r": b[j1 + k] if j1 + k < j2 else None,
                    "t": tag,
                }
            )
    return rows


def _object_sql(side: Side, kind: str, name: str) -> str:
    text = read_definition(side.conn, side.database, kind, name)
    if kind != "table":
        text = strip_database(strip_definer(text), side.database)
    return text


def normalised_table(text: str, name: str, snap: SchemaSnapshot, filters: Filters) -> tuple[T.TableDef, T.TableDef]:
    """(definition to write SQL from, definition to compare): charsets explicit; filters on the second."""
    gen = T.parse_create_table(text, name)
    charsets = snap.column_charsets.get(name, {})
    for col, line in gen.columns.items():
        charset, collation = charsets.get(col, ("", ""))
        gen.columns[col] = T.explicit_charset(line, col, charset, collation)
    collation = snap.table_collations.get(name) or ""
    if collation:
        gen.options["COLLATE"] = collation
        gen.options["DEFAULT CHARSET"] = collation.split("_")[0]
    cmp = T.TableDef(name, dict(gen.columns), dict(gen.indexes), dict(gen.foreign_keys), dict(gen.checks))
    cmp.other, cmp.options, cmp.tail = list(gen.other), dict(gen.options), gen.tail
    for col, line in cmp.columns.items():
        if filters.ignore_collations:
            line = T.without_charset(line)
        if filters.ignore_comments:
            line = T.without_comment(line)
        cmp.columns[col] = _utf8(line)
    cmp.options = {k: _utf8(v) for k, v in cmp.options.items()}
    if filters.ignore_comments:
        cmp.indexes = {k: T.without_comment(v) for k, v in cmp.indexes.items()}
        cmp.options.pop("COMMENT", None)
    if filters.ignore_collations:
        cmp.options.pop("COLLATE", None)
        cmp.options.pop("DEFAULT CHARSET", None)
    return gen, cmp


def _utf8(text: str) -> str:
    """utf8mb3 and utf8 are one character set under two names (MariaDB 10.6+ and MySQL 8 say utf8mb3)."""
    return text.replace("utf8mb3", "utf8")


def _dict_parts(what: str, src: dict, tgt: dict) -> list[dict]:
    out = []
    for name in list(src) + [n for n in tgt if n not in src]:
        s, t = src.get(name), tgt.get(name)
        if s == t:
            continue
        status = "added" if t is None else "removed" if s is None else "changed"
        out.append({"part": what, "name": name, "status": status, "source": s, "target": t})
    return out


def table_parts(src: T.TableDef, tgt: T.TableDef) -> list[dict]:
    parts = _dict_parts("column", src.columns, tgt.columns)
    if not parts and list(src.columns) != list(tgt.columns):
        parts.append({"part": "column order", "name": "", "status": "changed", "source": ", ".join(src.columns)})
    elif list(c for c in src.columns if c in tgt.columns) != list(c for c in tgt.columns if c in src.columns):
        parts.append({"part": "column order", "name": "", "status": "changed", "source": ", ".join(src.columns)})
    parts += _dict_parts("index", src.indexes, tgt.indexes)
    parts += _dict_parts("foreign key", src.foreign_keys, tgt.foreign_keys)
    parts += _dict_parts("check", src.checks, tgt.checks)
    parts += _dict_parts("option", src.options, tgt.options)
    if sorted(src.other) != sorted(tgt.other):
        parts.append({"part": "other", "name": "", "status": "changed", "source": "; ".join(src.other)})
    if src.tail != tgt.tail:
        parts.append({"part": "partitioning", "name": "", "status": "changed", "source": src.tail, "target": tgt.tail})
    return parts


def rename_candidates(src: T.TableDef, tgt: T.TableDef) -> list[dict]:
    """A column only in the target and one only in the source with the same type: perhaps a rename."""
    gone = [c for c in tgt.columns if c not in src.columns]
    new = [c for c in src.columns if c not in tgt.columns]
    out = []
    for old in gone:
        old_type = T.column_type(tgt.columns[old], old)
        for candidate in new:
            if T.column_type(src.columns[candidate], candidate) == old_type:
                out.append({"from": old, "to": candidate, "type": old_type})
    return out


def compare(source: Side, target: Side, filters: Filters | None = None) -> Comparison:
    filters = filters or Filters()
    if source.conn is target.conn:
        src_snap = read_snapshot(source.conn, source.database, filters)
        tgt_snap = read_snapshot(target.conn, target.database, filters)
    else:  # two connections: read both catalogs at once
        with ThreadPoolExecutor(1) as pool:
            src_future = pool.submit(read_snapshot, source.conn, source.database, filters)
            tgt_snap = read_snapshot(target.conn, target.database, filters)
            src_snap = src_future.result()
    differences: list[Difference] = []
    identical = {k: 0 for k in KINDS}
    for kind in KINDS:
        src_objs, tgt_objs = src_snap.objects[kind], tgt_snap.objects[kind]
        for name in sorted(set(src_objs) | set(tgt_objs), key=str.lower):
            s, t = src_objs.get(name), tgt_objs.get(name)
            if s is not None and s == t:
                identical[kind] += 1
                continue
            diff = Difference(kind, name, "added" if t is None else "removed" if s is None else "changed")
            if s is not None:
                diff.source_sql = _object_sql(source, kind, name)
            if t is not None:
                diff.target_sql = _object_sql(target, kind, name)
            if kind == "table":
                if s is not None:
                    diff.source_def, diff.source_cmp = normalised_table(diff.source_sql, name, src_snap, filters)
                if t is not None:
                    diff.target_def, diff.target_cmp = normalised_table(diff.target_sql, name, tgt_snap, filters)
                if diff.status == "changed":
                    diff.parts = table_parts(diff.source_cmp, diff.target_cmp)
                    if not diff.parts:
                        identical[kind] += 1
                        continue
                    diff.renames = rename_candidates(diff.source_def, diff.target_def)
                    if any(p["part"] in ("other", "partitioning") for p in diff.parts):
                        diff.warnings.append(
                            "Partitioning or other table parts differ: the script does not change them; "
                            "compare the definitions and apply that part by hand."
                        )
            elif diff.status == "changed" and _same_text(diff.source_sql, diff.target_sql, filters):
                identical[kind] += 1
                continue
            differences.append(diff)
    return Comparison(source, target, filters, differences, identical, src_snap, tgt_snap)


def _same_text(a: str, b: str, filters: Filters) -> bool:
    if filters.ignore_comments:
        a, b = T.without_comment(a), T.without_comment(b)
    return " ".join(a.split()) == " ".join(b.split())
