"""A whole-database zip export never holds a member that extracts outside its folder."""

import zipfile
from pathlib import PurePosixPath

import pytest

from core.db import Connection
from core.db.sql import qualified
from core.services.transfer.archive_names import member_names, safe_stem
from core.services.transfer.export import ExportOptions, ExportSource, run_export

DB = "eddy_sec_zip"
HOSTILE = ["../../x", "/etc/cron.d/x", "..", "a\\b", "C:evil", "con", "Tab", "tab", "dot.", " sp", "x/../../y"]


@pytest.fixture
def hostile_tables(mariadb):
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    conn.execute(f"CREATE DATABASE `{DB}`")
    for i, name in enumerate(HOSTILE):
        conn.execute(f"CREATE TABLE {qualified(DB, name)} (id INT PRIMARY KEY)")
        conn.execute(f"INSERT INTO {qualified(DB, name)} VALUES (%s)", i)
    yield conn
    conn.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    conn.close()


def _is_safe(member: str) -> bool:
    path = PurePosixPath(member)
    return (
        len(path.parts) == 1
        and not member.startswith((".", "/"))
        and "\\" not in member
        and ":" not in member
        and ".." not in path.parts
    )


def test_whole_database_zip_member_names_are_safe_and_unique(hostile_tables, tmp_path):
    out = tmp_path / "db.zip"
    result = run_export(
        hostile_tables, ExportSource(database=DB, whole_database=True), ExportOptions(format="csv"), out
    )
    assert result["rows"] == len(HOSTILE)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert len(names) == len(HOSTILE)
        assert len({n.casefold() for n in names}) == len(names), names
        assert all(_is_safe(n) for n in names), names
        archive.extractall(tmp_path / "unzipped")
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert all(p.parts[0] in ("db.zip", "unzipped") for p in written), written


def test_member_names_keep_plain_names_and_number_clashes():
    assert member_names(["orders", "Orders", "a/b", "a_b"], ".csv") == [
        "orders.csv",
        "Orders~2.csv",
        "a_b.csv",
        "a_b~2.csv",
    ]
    assert safe_stem("../../etc/passwd") == "_.._etc_passwd"
    assert safe_stem("NUL") == "_NUL"
    assert len(safe_stem("é" * 500)) <= 120
