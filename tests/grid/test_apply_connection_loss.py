"""Grid Apply when the connection drops around COMMIT: Eddy reconnects, checks the rows and says
saved (verified), not saved (verified) or unknown — never "nothing was saved" after a commit."""

from dataclasses import replace

import pytest

from core.db import Connection
from core.services.grid.edits import apply_changes
from core.services.grid.table_meta import load_table_meta
from tests.cutting_proxy import CuttingProxy

DB = "eddy_test_cut"


@pytest.fixture
def proxy(mariadb):
    admin = Connection(mariadb.admin)
    admin.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    admin.execute(f"CREATE DATABASE `{DB}`")
    admin.execute(f"CREATE TABLE `{DB}`.t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40), qty INT)")
    admin.execute(f"INSERT INTO `{DB}`.t VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)")
    p = CuttingProxy(mariadb.user.host, mariadb.user.port)
    yield p, admin
    p.close()
    admin.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    admin.close()


def _changes():
    return [
        {"id": "u", "op": "update", "key": {"id": 1}, "original": {"id": 1, "name": "one", "qty": 1},
         "values": {"name": "ONE"}},
        {"id": "n", "op": "insert", "values": {"name": "new", "qty": 9}},
        {"id": "d", "op": "delete", "key": {"id": 3}, "original": {"id": 3, "name": "three", "qty": 3}},
    ]  # fmt: skip


def _rows(admin):
    return admin.select(f"SELECT id, name, qty FROM `{DB}`.t ORDER BY id").rows


def _through(mariadb, proxy):
    return Connection(replace(mariadb.user, port=proxy.port, database=DB))


def test_loss_after_commit_reached_the_server_is_reported_saved_and_verified(mariadb, proxy):
    p, admin = proxy
    conn = _through(mariadb, p)
    meta = load_table_meta(conn, DB, "t")
    p.arm("after_commit")
    result = apply_changes(conn, meta, _changes())
    assert p.cuts == 1
    assert _rows(admin) == [(1, "ONE", 1), (2, "two", 2), (4, "new", 9)]
    assert result.ok is True, result.errors  # was: "Nothing was saved", edits kept, re-apply duplicated
    assert result.outcome == "saved"
    assert "verified" in result.message and "Nothing was saved" not in result.message
    assert result.inserted_ids == {"n": 4}
    conn.close()


def test_loss_before_commit_is_reported_not_saved_and_verified(mariadb, proxy):
    p, admin = proxy
    conn = _through(mariadb, p)
    meta = load_table_meta(conn, DB, "t")
    p.arm("before_commit")
    result = apply_changes(conn, meta, _changes())
    assert p.cuts == 1
    assert _rows(admin) == [(1, "one", 1), (2, "two", 2), (3, "three", 3)]
    assert result.outcome == "not_saved" and result.ok is False
    assert "not saved" in result.message.lower() and "verified" in result.message
    # Applying again after a verified "not saved" writes each change once.
    again = apply_changes(conn, meta, _changes())
    assert again.ok and again.outcome == "saved"
    assert [r[1] for r in _rows(admin)] == ["ONE", "two", "new"]
    conn.close()


def test_rows_changed_by_someone_else_after_a_loss_make_the_outcome_unknown(mariadb, proxy, monkeypatch):
    p, admin = proxy
    conn = _through(mariadb, p)
    meta = load_table_meta(conn, DB, "t")
    from core.services.grid import edits as editor

    real = editor._verify

    def meddle(*args, **kwargs):
        admin.execute(f"UPDATE `{DB}`.t SET name = 'someone else' WHERE id = 1")
        return real(*args, **kwargs)

    monkeypatch.setattr(editor, "_verify", meddle)
    p.arm("before_commit")
    result = apply_changes(conn, meta, _changes()[:1])
    assert result.outcome == "unknown" and result.ok is False
    assert "id = 1" in result.message and "Reload" in result.message
    conn.close()
