"""Building CREATE TABLE / ALTER TABLE from a form description (pure functions, no connection).

A table form is a dict:
  {"name": str,
   "columns": [{"name", "original" (None for a new column), "type", "nullable": bool,
                "default_kind": "none"|"null"|"literal"|"expression", "default": str,
                "auto_increment": bool, "on_update": str, "collation": str, "comment": str,
                "generated": str (kept as read), ...}],
   "indexes": [{"name", "kind": "PRIMARY"|"UNIQUE"|"INDEX"|"FULLTEXT"|"SPATIAL", "visible": bool,
                "columns": [{"name", "length": int|None, "descending": bool}
                            | {"name": None, "expression": str (kept as read, MySQL 8.0.13+)}]}],
   "foreign_keys": [{"name", "columns": [..], "ref_database", "ref_table", "ref_columns": [..],
                     "on_delete", "on_update"}],
   "options": {"engine", "collation", "comment"}}
Every identifier goes through quote_identifier; comments and literal defaults through quote_literal;
SQL fragments a form may carry (types, default expressions) are checked against narrow patterns.
"""

import re
from collections.abc import Callable

from core.db.flavour import DEFAULT_FLAVOUR, Flavour
from core.db.sql import qualified, quote_identifier, quote_literal
from core.services.schema.plans import ChangeRefused

INDEX_KINDS = ("PRIMARY", "UNIQUE", "INDEX", "FULLTEXT", "SPATIAL")
FK_RULES = ("RESTRICT", "CASCADE", "SET NULL", "NO ACTION", "SET DEFAULT")
DEFAULT_KINDS = ("none", "null", "literal", "expression")

# A column type: a word, optional (arguments) that may hold quoted ENUM/SET values, then attributes.
_QUOTED = r"'(?:[^'\\]|''|\\.)*'"
_TYPE_RE = re.compile(
    rf"^[A-Za-z][A-Za-z0-9_]*(\s*\(\s*(?:\d+|{_QUOTED})(\s*,\s*(?:\d+|{_QUOTED}))*\s*\))?"
    r"(\s+(unsigned|signed|zerofill|binary|ascii|unicode))*$",
    re.I,
)
_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TIME_FN_RE = re.compile(r"^(current_timestamp|now|localtimestamp|localtime)(\(\s*\d*\s*\))?$", re.I)
# A default expression: function calls, numbers, operators; no quotes, comments or statement ends.
_EXPRESSION_RE = re.compile(r"^[A-Za-z0-9_().,+\-*/ ]+$")

Quote = Callable[[str], str]


def _text(value, what: str, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ChangeRefused(f"{what} must be text")
    value = value.strip()
    if required and not value:
        raise ChangeRefused(f"{what} is required")
    return value


def column_type(value) -> str:
    text = " ".join(_text(value, "Column type").split())
    if not _TYPE_RE.match(text):
        raise ChangeRefused(f"'{text}' is not a column type this form accepts (e.g. INT, VARCHAR(100), ENUM('a','b'))")
    return text


def _expression(value: str) -> str:
    text = _text(value, "Default expression")
    if _NUMBER_RE.match(text) or _TIME_FN_RE.match(text):
        return text
    if not _EXPRESSION_RE.match(text) or "--" in text or "/*" in text:
        raise ChangeRefused(f"Default expression '{text}' may only use names, numbers, operators and parentheses")
    return f"({text})"


def name_token(value, what: str) -> str:
    text = _text(value, what)
    if not _NAME_RE.match(text):
        raise ChangeRefused(f"{what} '{text}' must be letters, digits and underscores")
    return text


def _comment(value, quote: Quote) -> str:
    text = str(value)
    if any(ord(ch) > 0xFFFF for ch in text):
        raise ChangeRefused(
            "Comments cannot hold emoji or other 4-byte characters: the server stores them as utf8mb3 "
            "and would turn them into '?'"
        )
    return quote(text)


def column_definition(col: dict, quote: Quote = quote_literal) -> str:
    """`name` TYPE [COLLATE c] [NOT] NULL [DEFAULT ...] [ON UPDATE ...] [AUTO_INCREMENT] [COMMENT '...']."""
    parts = [quote_identifier(_text(col.get("name"), "Column name")), column_type(col.get("type"))]
    if col.get("collation"):
        parts.append("COLLATE " + name_token(col["collation"], "Collation"))
    generated = (col.get("generated") or "").strip()
    if generated:
        if ";" in generated:
            raise ChangeRefused("A generated column expression cannot contain ';'")
        # STORED, not MariaDB's PERSISTENT: MariaDB accepts both, MySQL only STORED.
        parts.append(f"AS ({generated}) {'STORED' if col.get('stored') else 'VIRTUAL'}")
    else:
        parts.append("NULL" if col.get("nullable") else "NOT NULL")
        kind = col.get("default_kind") or "none"
        if kind not in DEFAULT_KINDS:
            raise ChangeRefused(f"Unknown default kind '{kind}'")
        if kind == "null":
            parts.append("DEFAULT NULL")
        elif kind == "literal":
            value = col.get("default")
            parts.append("DEFAULT " + quote("" if value is None else str(value)))
        elif kind == "expression":
            parts.append("DEFAULT " + _expression(col.get("default")))
        if col.get("on_update"):
            parts.append("ON UPDATE " + _expression(col["on_update"]))
        if col.get("auto_increment"):
            parts.append("AUTO_INCREMENT")
    if col.get("invisible"):
        parts.append("INVISIBLE")
    if col.get("comment"):
        parts.append("COMMENT " + _comment(col["comment"], quote))
    return " ".join(parts)


def _index_columns(cols, expressions: frozenset = frozenset()) -> str:
    """(key part, ...): columns with an optional prefix length and DESC, or `(expression)` parts.
    An expression is only accepted when it is one read from the table (`expressions`): like
    generated columns, functional key parts are written in the SQL editor, not in this form."""
    if not cols:
        raise ChangeRefused("An index needs at least one column")
    out = []
    for c in cols:
        if isinstance(c, str):
            c = {"name": c}
        if not isinstance(c, dict):
            raise ChangeRefused("Each index column must be a name or {name, length}")
        expression = c.get("expression")
        if expression is not None and c.get("name") in (None, ""):
            if not isinstance(expression, str) or expression not in expressions:
                raise ChangeRefused("Functional index parts (expressions) are written in the SQL editor, not here")
            out.append(f"({expression})" + (" DESC" if c.get("descending") else ""))
            continue
        text = quote_identifier(_text(c.get("name"), "Index column"))
        length = c.get("length")
        if length not in (None, "", 0):
            try:
                text += f"({int(length)})"
            except (TypeError, ValueError):
                raise ChangeRefused(f"Index prefix length '{length}' must be a number") from None
        if c.get("descending"):
            text += " DESC"
        out.append(text)
    return "(" + ", ".join(out) + ")"


def index_expressions(indexes: list[dict]) -> frozenset:
    """The functional key part expressions of indexes as read from the server."""
    return frozenset(
        c["expression"] for i in indexes for c in i.get("columns") or [] if isinstance(c, dict) and c.get("expression")
    )


def index_definition(idx: dict, flavour: Flavour = DEFAULT_FLAVOUR, expressions: frozenset = frozenset()) -> str:
    kind = (idx.get("kind") or "INDEX").upper()
    if kind not in INDEX_KINDS:
        raise ChangeRefused(f"Unknown index kind '{kind}'")
    cols = _index_columns(idx.get("columns"), expressions)
    if kind == "PRIMARY":
        return f"PRIMARY KEY {cols}"
    name = quote_identifier(_text(idx.get("name"), "Index name"))
    prefix = {"UNIQUE": "UNIQUE KEY", "INDEX": "KEY", "FULLTEXT": "FULLTEXT KEY", "SPATIAL": "SPATIAL KEY"}[kind]
    # An invisible (MySQL) / ignored (MariaDB 10.6+) index stays so when the form is saved.
    hidden = f" {flavour.invisible_index_keyword}" if idx.get("visible") is False else ""
    return f"{prefix} {name} {cols}{hidden}"


def _rule(value, what: str) -> str:
    rule = " ".join((value or "RESTRICT").upper().split())
    if rule not in FK_RULES:
        raise ChangeRefused(f"{what} must be one of {', '.join(FK_RULES)}")
    return rule


def foreign_key_definition(fk: dict, database: str) -> str:
    cols = [_text(c, "Foreign key column") for c in fk.get("columns") or []]
    refs = [_text(c, "Referenced column") for c in fk.get("ref_columns") or []]
    if not cols or len(cols) != len(refs):
        raise ChangeRefused("A foreign key needs as many referenced columns as columns (at least one)")
    ref_db = (fk.get("ref_database") or "").strip() or database
    text = "CONSTRAINT " + quote_identifier(_text(fk.get("name"), "Foreign key name"))
    text += " FOREIGN KEY (" + ", ".join(quote_identifier(c) for c in cols) + ")"
    text += " REFERENCES " + qualified(ref_db, _text(fk.get("ref_table"), "Referenced table"))
    text += " (" + ", ".join(quote_identifier(c) for c in refs) + ")"
    text += f" ON DELETE {_rule(fk.get('on_delete'), 'ON DELETE')} ON UPDATE {_rule(fk.get('on_update'), 'ON UPDATE')}"
    return text


def table_options(options: dict, quote: Quote = quote_literal) -> list[str]:
    out = []
    if options.get("engine"):
        out.append("ENGINE=" + name_token(options["engine"], "Engine"))
    if options.get("collation"):
        collation = name_token(options["collation"], "Collation")
        out.append(f"DEFAULT CHARACTER SET {collation.split('_')[0]} COLLATE {collation}")
    if options.get("comment") is not None and (options.get("comment") or "") != "":
        out.append("COMMENT=" + _comment(options["comment"], quote))
    return out


def _check_unique(names: list[str], what: str) -> None:
    seen = set()
    for n in names:
        if n.lower() in seen:
            raise ChangeRefused(f"Two {what} are named '{n}'")
        seen.add(n.lower())


def create_table(database: str, form: dict, quote: Quote = quote_literal, flavour: Flavour = DEFAULT_FLAVOUR) -> str:
    name = _text(form.get("name"), "Table name")
    columns = form.get("columns") or []
    if not columns:
        raise ChangeRefused("A table needs at least one column")
    _check_unique([_text(c.get("name"), "Column name") for c in columns], "columns")
    if any((c.get("generated") or "").strip() for c in columns):
        raise ChangeRefused("Generated columns are created in the SQL editor, not in this form")
    lines = [column_definition(c, quote) for c in columns]
    lines += [index_definition(i, flavour) for i in form.get("indexes") or []]
    lines += [foreign_key_definition(f, database) for f in form.get("foreign_keys") or []]
    sql = f"CREATE TABLE {qualified(database, name)} (\n  " + ",\n  ".join(lines) + "\n)"
    options = table_options(form.get("options") or {}, quote)
    return sql + (" " + " ".join(options) if options else "")


def _mapped(cols: list[dict], rename: dict[str, str | None]) -> list[dict]:
    out = []
    for c in cols:
        if c.get("name") is None and c.get("expression"):
            out.append(c)  # a functional key part names no column
            continue
        new = rename.get(c["name"], c["name"])
        if new is not None:
            out.append({**c, "name": new})
    return out


def alter_table(
    database: str,
    table: str,
    current: dict,
    desired: dict,
    quote: Quote = quote_literal,
    flavour: Flavour = DEFAULT_FLAVOUR,
) -> list[str]:
    """The ALTER TABLE statement(s) turning `current` (as read) into `desired` (the form). [] = no change."""
    cur_cols = current["columns"]
    cur_names = [c["name"] for c in cur_cols]
    by_name = {c["name"]: c for c in cur_cols}
    want = desired.get("columns") or []
    if not want:
        raise ChangeRefused("A table needs at least one column")
    _check_unique([_text(c.get("name"), "Column name") for c in want], "columns")
    originals = [c.get("original") for c in want if c.get("original")]
    for o in originals:
        if o not in by_name:
            raise ChangeRefused(f"Column '{o}' no longer exists; reload the structure")
    _check_unique(originals, "edited columns from the same original")
    for c in want:
        # A generated column's expression is kept as read; it is not edited through this form.
        expression = (c.get("generated") or "").strip()
        if expression and (not c.get("original") or expression != (by_name[c["original"]].get("generated") or "")):
            raise ChangeRefused("Generated column expressions are changed in the SQL editor, not in this form")
    rename: dict[str, str | None] = {n: None for n in cur_names}
    for c in want:
        if c.get("original"):
            rename[c["original"]] = c["name"].strip()

    drops, column_clauses = [], []

    # Foreign keys: compare definitions with columns renamed as the form renames them.
    cur_fks = {f["name"]: f for f in current.get("foreign_keys") or []}
    want_fks = {_text(f.get("name"), "Foreign key name"): f for f in desired.get("foreign_keys") or []}
    readd_fks = []
    for name, fk in cur_fks.items():
        mapped = {**fk, "columns": [rename.get(c, c) for c in fk["columns"]]}
        if None in mapped["columns"] and name in want_fks:
            pass  # its column is dropped; the form keeps it: let the server say why that fails
        if name not in want_fks:
            drops.append("DROP FOREIGN KEY " + quote_identifier(name))
        elif foreign_key_definition(want_fks[name], database) != foreign_key_definition(
            {**mapped, "columns": [c or "?" for c in mapped["columns"]]}, database
        ):
            drops.append("DROP FOREIGN KEY " + quote_identifier(name))
            readd_fks.append(want_fks[name])
    new_fks = [f for n, f in want_fks.items() if n not in cur_fks]

    # Indexes, same idea; the primary key is the index named PRIMARY.
    def key(idx):
        return "PRIMARY" if (idx.get("kind") or "").upper() == "PRIMARY" else _text(idx.get("name"), "Index name")

    cur_idx = {key(i): i for i in current.get("indexes") or []}
    expressions = index_expressions(current.get("indexes") or [])
    want_idx = {}
    for i in desired.get("indexes") or []:
        k = key(i)
        if k in want_idx:
            raise ChangeRefused(f"Two indexes are named '{k}'")
        want_idx[k] = i
    idx_adds = []
    for name, idx in cur_idx.items():
        cols = _mapped([c if isinstance(c, dict) else {"name": c} for c in idx["columns"]], rename)
        drop = "DROP PRIMARY KEY" if name == "PRIMARY" else "DROP INDEX " + quote_identifier(name)
        if name not in want_idx:
            # An index whose columns are all dropped goes away with them.
            if cols:
                drops.append(drop)
        elif not cols or index_definition(want_idx[name], flavour, expressions) != index_definition(
            {**idx, "columns": cols}, flavour, expressions
        ):
            if cols:
                drops.append(drop)
            idx_adds.append(want_idx[name])
    idx_adds += [i for n, i in want_idx.items() if n not in cur_idx]

    for n in cur_names:
        if rename[n] is None:
            drops.append("DROP COLUMN " + quote_identifier(n))

    kept_before = [n for n in cur_names if rename[n] is not None]
    kept_after = [c["original"] for c in want if c.get("original")]
    before_prev = {n: (kept_before[i - 1] if i else None) for i, n in enumerate(kept_before)}
    after_prev = {n: (kept_after[i - 1] if i else None) for i, n in enumerate(kept_after)}
    for i, c in enumerate(want):
        position = "FIRST" if i == 0 else "AFTER " + quote_identifier(want[i - 1]["name"].strip())
        definition = column_definition(c, quote)
        if not c.get("original"):
            column_clauses.append(f"ADD COLUMN {definition} {position}")
            continue
        orig = c["original"]
        moved = before_prev[orig] != after_prev[orig]
        if moved or definition != column_definition(by_name[orig], quote):
            text = f"CHANGE COLUMN {quote_identifier(orig)} {definition}"
            column_clauses.append(text + (" " + position if moved else ""))

    # Column clauses run in the form's order, so each AFTER names a column already in place.
    clauses = drops + column_clauses
    clauses += ["ADD " + index_definition(i, flavour, expressions) for i in idx_adds]
    clauses += ["ADD " + foreign_key_definition(f, database) for f in new_fks]

    cur_opts = current.get("options") or {}
    want_opts = desired.get("options") or {}
    changed_opts = {}
    for k in ("engine", "collation", "comment"):
        if k in want_opts and (want_opts.get(k) or "") != (cur_opts.get(k) or ""):
            changed_opts[k] = want_opts.get(k) or ""
    if "comment" in changed_opts and changed_opts["comment"] == "":
        clauses.append("COMMENT=''")
    clauses += table_options(changed_opts, quote)

    statements = []
    target = qualified(database, table)
    if clauses:
        statements.append(f"ALTER TABLE {target}\n  " + ",\n  ".join(clauses))
    if readd_fks:
        # Re-adding a constraint under the name just dropped needs its own statement.
        statements.append(
            f"ALTER TABLE {target}\n  " + ",\n  ".join("ADD " + foreign_key_definition(f, database) for f in readd_fks)
        )
    return statements
