"""A table as SHOW CREATE TABLE prints it, cut into named parts that can be compared and re-used.

Every part keeps the server's own text (a column line is exactly what ADD/MODIFY COLUMN takes), so
the compare never re-renders types, defaults or expressions and cannot get them subtly wrong.
Charset/collation are made explicit on string columns (SHOW CREATE omits them when they equal the
table default, which would hide a change of the default).
"""

import re
from dataclasses import dataclass, field

from core.db.sql import quote_identifier

_IDENT = r"`(?:[^`]|``)+`"
_CHARSET_CLAUSE = re.compile(r"\s+(?:CHARACTER SET|CHARSET)\s+\w+|\s+COLLATE\s+\w+", re.I)
_COMMENT_CLAUSE = re.compile(r"\s+COMMENT\s+'(?:[^'\\]|\\.|'')*'", re.I)
_OPTION = re.compile(r"((?:DEFAULT )?[A-Z_]+)=('(?:[^'\\]|\\.|'')*'|\S+)")
_TYPE_END = re.compile(
    r"\s*[A-Za-z][A-Za-z0-9_]*(?:\((?:'(?:[^'\\]|\\.|'')*'|[^()'])*\))?(?:\s+(?:unsigned|signed|zerofill))*", re.I
)
_STRING_TYPES = ("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set")


def unquote(ident: str) -> str:
    return ident[1:-1].replace("``", "`")


def _leading_name(text: str) -> tuple[str, str]:
    m = re.match(_IDENT, text)
    if not m:
        raise ValueError(f"expected a quoted name in {text[:60]!r}")
    return unquote(m.group(0)), text[m.end() :]


@dataclass
class TableDef:
    name: str
    columns: dict[str, str] = field(default_factory=dict)  # name -> full line (no trailing comma)
    indexes: dict[str, str] = field(default_factory=dict)  # 'PRIMARY' or index name -> line
    foreign_keys: dict[str, str] = field(default_factory=dict)  # constraint name -> line
    checks: dict[str, str] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)  # lines of kinds not compared part by part
    options: dict[str, str] = field(default_factory=dict)  # ENGINE -> InnoDB, COMMENT -> 'x', ...
    tail: str = ""  # partitioning and anything after the options, compared as text


def parse_create_table(sql: str, name: str) -> TableDef:
    table = TableDef(name)
    lines = sql.split("\n")
    end = max(i for i, line in enumerate(lines) if line.startswith(")"))
    for raw in lines[1:end]:
        line = raw.strip().rstrip(",")
        upper = line.upper()
        if line.startswith("`"):
            col, _ = _leading_name(line)
            table.columns[col] = line
        elif upper.startswith("PRIMARY KEY"):
            table.indexes["PRIMARY"] = line
        elif re.match(r"(UNIQUE |FULLTEXT |SPATIAL |VECTOR )?(KEY|INDEX) ", upper):
            idx, _ = _leading_name(line[line.index("`") :])
            table.indexes[idx] = line
        elif upper.startswith("CONSTRAINT "):
            cname, rest = _leading_name(line[len("CONSTRAINT ") :])
            (table.foreign_keys if rest.strip().upper().startswith("FOREIGN KEY") else table.checks)[cname] = line
        else:
            table.other.append(line)
    closing = "\n".join(lines[end:])[1:].strip()
    options_line, _, tail = closing.partition("\n")
    for key, value in _OPTION.findall(options_line):
        table.options[key.upper()] = value
    table.tail = tail.strip()
    table.options.pop("AUTO_INCREMENT", None)
    return table


def _type_end(line: str, name: str) -> int:
    start = len(quote_identifier(name))
    m = _TYPE_END.match(line, start)
    return m.end() if m else start


def explicit_charset(line: str, name: str, charset: str, collation: str) -> str:
    """The column line with its effective CHARACTER SET/COLLATE written out (string types only)."""
    at = _type_end(line, name)
    type_text = line[len(quote_identifier(name)) : at].strip().lower()
    if not charset or not type_text.startswith(_STRING_TYPES):
        return line
    rest = _CHARSET_CLAUSE.sub("", line[at:])
    return f"{line[:at]} CHARACTER SET {charset} COLLATE {collation}{rest}"


def without_charset(line: str) -> str:
    return _CHARSET_CLAUSE.sub("", line)


def without_comment(line: str) -> str:
    return _COMMENT_CLAUSE.sub("", line)


def column_type(line: str, name: str) -> str:
    """The data type part of a column line (for rename suggestions)."""
    return line[len(quote_identifier(name)) : _type_end(line, name)].strip().lower()
