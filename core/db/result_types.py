"""SQL type names for result columns, from the MySQL protocol's column definition.

A result column arrives as a type code, a display length in bytes, a count of decimals, flags and a
character set number. This module names it as the server would in a CREATE TABLE: VARCHAR(64),
BIGINT UNSIGNED, DECIMAL(12,2), LONGTEXT, DATETIME(6), not the driver's `var_string`, `longlong`,
`newdecimal`, `blob`. What the wire does not say (MariaDB's JSON is a LONGTEXT) stays unsaid.
"""

from pymysql.charset import charset_by_id
from pymysql.constants import FIELD_TYPE

# Column definition flags (include/mysql_com.h).
NOT_NULL = 1
PRI_KEY = 2
UNIQUE_KEY = 4
BLOB = 16
UNSIGNED = 32
ENUM = 256
SET = 2048

BINARY_CHARSET = 63
NOT_FIXED_DEC = 31  # decimals of an expression with no fixed scale (DOUBLE, temporal functions)

# Bytes per character of the character sets a length can be reported in.
_MAXLEN = {
    "utf8mb4": 4, "utf8mb3": 3, "utf8": 3, "utf16": 4, "utf16le": 4, "utf32": 4, "ucs2": 2,
    "gb18030": 4, "ujis": 3, "eucjpms": 3, "big5": 2, "sjis": 2, "cp932": 2, "gbk": 2,
    "gb2312": 2, "euckr": 2,
}  # fmt: skip

_INTEGERS = {
    FIELD_TYPE.TINY: "TINYINT",
    FIELD_TYPE.SHORT: "SMALLINT",
    FIELD_TYPE.INT24: "MEDIUMINT",
    FIELD_TYPE.LONG: "INT",
    FIELD_TYPE.LONGLONG: "BIGINT",
}
_PLAIN = {
    FIELD_TYPE.FLOAT: "FLOAT",
    FIELD_TYPE.DOUBLE: "DOUBLE",
    FIELD_TYPE.NULL: "NULL",
    FIELD_TYPE.DATE: "DATE",
    FIELD_TYPE.NEWDATE: "DATE",
    FIELD_TYPE.YEAR: "YEAR",
    FIELD_TYPE.JSON: "JSON",
    FIELD_TYPE.GEOMETRY: "GEOMETRY",
}
_TEMPORAL = {FIELD_TYPE.TIME: "TIME", FIELD_TYPE.DATETIME: "DATETIME", FIELD_TYPE.TIMESTAMP: "TIMESTAMP"}
_BLOBS = {
    FIELD_TYPE.TINY_BLOB: "TINY",
    FIELD_TYPE.BLOB: "",
    FIELD_TYPE.MEDIUM_BLOB: "MEDIUM",
    FIELD_TYPE.LONG_BLOB: "LONG",
}
NUMERIC_CODES = set(_INTEGERS) | {
    FIELD_TYPE.DECIMAL,
    FIELD_TYPE.NEWDECIMAL,
    FIELD_TYPE.FLOAT,
    FIELD_TYPE.DOUBLE,
    FIELD_TYPE.YEAR,
}


def bytes_per_char(charsetnr: int | None) -> int:
    if not charsetnr or charsetnr == BINARY_CHARSET:
        return 1
    try:
        name = charset_by_id(charsetnr).name
    except KeyError:
        return 1
    return _MAXLEN.get(name, 1)


def is_numeric(type_code: int) -> bool:
    return type_code in NUMERIC_CODES


def sql_type_name(type_code: int, length: int, decimals: int, flags: int, charsetnr: int | None) -> str:
    """The SQL type a server would name for a result column described by these fields.

    `length` is in bytes of the result's character set: a utf8mb4 VARCHAR(64) reports 256."""
    unsigned = " UNSIGNED" if flags & UNSIGNED else ""
    binary = charsetnr == BINARY_CHARSET
    if type_code in _INTEGERS:
        return _INTEGERS[type_code] + unsigned
    if type_code in (FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL):
        # The display length counts the sign (when signed) and the decimal point (when scaled).
        precision = length - (1 if decimals else 0) - (0 if unsigned else 1)
        return f"DECIMAL({max(precision, 1)},{decimals}){unsigned}"
    if type_code in (FIELD_TYPE.FLOAT, FIELD_TYPE.DOUBLE):
        return _PLAIN[type_code] + unsigned
    if type_code in _TEMPORAL:
        fsp = decimals if 0 < decimals <= 6 else 0
        return _TEMPORAL[type_code] + (f"({fsp})" if fsp else "")
    if type_code == FIELD_TYPE.BIT:
        return f"BIT({length})"
    if type_code in _PLAIN:
        return _PLAIN[type_code]
    if flags & ENUM:
        return "ENUM"
    if flags & SET:
        return "SET"
    if type_code in _BLOBS:
        chars = length // bytes_per_char(charsetnr)
        size = "TINY" if chars <= 255 else "" if chars <= 65535 else "MEDIUM" if chars <= 16777215 else "LONG"
        return size + ("BLOB" if binary else "TEXT")
    if type_code in (FIELD_TYPE.VAR_STRING, FIELD_TYPE.VARCHAR, FIELD_TYPE.STRING):
        chars = length // bytes_per_char(charsetnr)
        fixed = type_code == FIELD_TYPE.STRING
        name = ("BINARY" if fixed else "VARBINARY") if binary else ("CHAR" if fixed else "VARCHAR")
        return f"{name}({chars})"
    return f"TYPE {type_code}"
