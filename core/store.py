"""The embedded per-user SQLite store: settings, recent connections (never passwords)."""

import functools
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger("eddy.store")

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS recent_connections (
    label     TEXT PRIMARY KEY,
    params    TEXT NOT NULL,
    last_used REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS connection_profiles (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL UNIQUE,
    settings TEXT NOT NULL,
    created  REAL NOT NULL,
    updated  REAL NOT NULL
);
"""

# The SQL editor: every statement run, named saved queries, and the open query tabs' text.
EDITOR_SCHEMA = """
CREATE TABLE IF NOT EXISTS query_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          REAL NOT NULL,
    server      TEXT NOT NULL,
    database    TEXT,
    sql         TEXT NOT NULL,
    duration    REAL,
    rows        INTEGER,
    ok          INTEGER NOT NULL,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS query_history_at ON query_history(at);
CREATE TABLE IF NOT EXISTS saved_queries (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL UNIQUE,
    sql      TEXT NOT NULL,
    database TEXT,
    updated  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS grid_journal (
    server   TEXT NOT NULL,
    database TEXT NOT NULL,
    tbl      TEXT NOT NULL,
    changes  TEXT NOT NULL,
    count    INTEGER NOT NULL,
    updated  REAL NOT NULL,
    PRIMARY KEY (server, database, tbl)
);
CREATE TABLE IF NOT EXISTS editor_tabs (
    id       TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    title    TEXT NOT NULL,
    sql      TEXT NOT NULL,
    database TEXT,
    updated  REAL NOT NULL
);
"""

_PASSWORD_KEYS = {"password", "passwd", "ssh_password", "passphrase"}


class StoreWriteFailed(Exception):
    """Saving to the per-user store failed (a full disk, most often); message says what and where."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _saves(what: str):
    """A store method that writes: SQLite's own errors (SQLITE_FULL, I/O errors, a read-only
    file) become a StoreWriteFailed naming what was not saved and the folder, never a 500."""

    def wrap(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
                if isinstance(exc, sqlite3.IntegrityError):
                    raise
                text = str(exc)
                reason = "the disk is full" if "full" in text.lower() else text
                folder = os.path.dirname(self.path) or "."
                raise StoreWriteFailed(
                    f"Could not save {what}: {reason} (folder {folder}). Free some space and try again."
                ) from exc

        return run

    return wrap


class Store:
    """Small, synchronous key/value and recents store; safe to share between threads."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:  # profiles name hosts and users: readable by this user only (WAL files inherit it)
            os.chmod(self.path, 0o600)
        except OSError:
            pass
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: still crash-safe, but no fsync per write (one history row per statement
            # run cost 2 ms with FULL); only the last writes can be lost on power failure.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._db.executescript(EDITOR_SCHEMA)

    @classmethod
    def open_or_in_memory(cls, path: Path | str) -> tuple["Store", str | None]:
        """The store at `path`; when it cannot be opened or created (a full disk at first start), an
        in-memory one for this launch, and a sentence saying so (which folder, why)."""
        try:
            return cls(path), None
        except (sqlite3.Error, OSError) as exc:
            folder = os.path.dirname(str(path)) or "."
            reason = "the disk is full" if "full" in str(exc).lower() else str(exc)
            log.warning("Cannot open %s (%s): settings are kept in memory for this launch", path, exc)
            return cls(":memory:"), (
                f"Settings, saved connections and history cannot be saved in {folder}: {reason}. "
                "Eddy keeps them in memory until it is closed; free some space and restart."
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get_setting(self, key: str, default=None):
        with self._lock:
            row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    @_saves("the setting")
    def set_setting(self, key: str, value) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    @_saves("the recent connection")
    def remember_connection(self, label: str, params: dict) -> None:
        """Record a connection the user made; any password field is dropped before writing."""
        clean = {k: v for k, v in params.items() if k not in _PASSWORD_KEYS}
        with self._lock:
            self._db.execute(
                "INSERT INTO recent_connections(label, params, last_used) VALUES (?, ?, ?) "
                "ON CONFLICT(label) DO UPDATE SET params = excluded.params, last_used = excluded.last_used",
                (label, json.dumps(clean), time.time()),
            )

    def recent_connections(self, limit: int = 10) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT params FROM recent_connections ORDER BY last_used DESC LIMIT ?", (limit,)
            ).fetchall()
        return [json.loads(r["params"]) for r in rows]

    def last_connection(self) -> dict | None:
        recent = self.recent_connections(1)
        return recent[0] if recent else None

    # -- saved connection profiles (settings as JSON; passwords live in the OS keyring) ------
    def list_profiles(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT id, name, settings FROM connection_profiles ORDER BY name").fetchall()
        return [{**json.loads(r["settings"]), "id": r["id"], "name": r["name"]} for r in rows]

    def get_profile(self, profile_id: int) -> dict | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, name, settings FROM connection_profiles WHERE id = ?", (profile_id,)
            ).fetchone()
        return {**json.loads(row["settings"]), "id": row["id"], "name": row["name"]} if row else None

    @_saves("the connection")
    def save_profile(self, name: str, settings: dict, profile_id: int | None = None) -> int:
        """Insert (profile_id None) or update a profile; raises ValueError on a duplicate name."""
        clean = json.dumps({k: v for k, v in settings.items() if k not in _PASSWORD_KEYS | {"id", "name"}})
        now = time.time()
        try:
            with self._lock:
                if profile_id is None:
                    cur = self._db.execute(
                        "INSERT INTO connection_profiles(name, settings, created, updated) VALUES (?, ?, ?, ?)",
                        (name, clean, now, now),
                    )
                    return cur.lastrowid
                cur = self._db.execute(
                    "UPDATE connection_profiles SET name = ?, settings = ?, updated = ? WHERE id = ?",
                    (name, clean, now, profile_id),
                )
                if cur.rowcount == 0:
                    raise KeyError(profile_id)
                return profile_id
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"A connection named '{name}' already exists.") from exc

    @_saves("the change")
    def delete_profile(self, profile_id: int) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM connection_profiles WHERE id = ?", (profile_id,)).rowcount > 0

    # -- SQL editor: history, saved queries, tabs ---------------------------------------------------
    HISTORY_LIMIT = 5000  # oldest entries beyond this are dropped

    @_saves("the query history")
    def add_history(self, server: str, database: str | None, sql: str, duration: float | None,
                    rows: int | None, ok: bool, error: str | None = None) -> int:  # fmt: skip
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO query_history(at, server, database, sql, duration, rows, ok, error) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), server, database, sql, duration, rows, int(ok), error),
            )
            if cur.lastrowid % 100 == 0:
                self._db.execute("DELETE FROM query_history WHERE id <= ?", (cur.lastrowid - self.HISTORY_LIMIT,))
            return cur.lastrowid

    def history(self, search: str = "", limit: int = 200) -> list[dict]:
        """Newest first; `search` matches the SQL text, the database or the error (substring)."""
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM query_history WHERE sql LIKE ?1 ESCAPE '\\' OR database LIKE ?1 ESCAPE '\\' "
                "OR error LIKE ?1 ESCAPE '\\' ORDER BY id DESC LIMIT ?2",
                (like, limit),
            ).fetchall()
        return [dict(r) | {"ok": bool(r["ok"])} for r in rows]

    @_saves("the query")
    def save_query(self, name: str, sql: str, database: str | None) -> dict:
        with self._lock:
            self._db.execute(
                "INSERT INTO saved_queries(name, sql, database, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET sql = excluded.sql, database = excluded.database, "
                "updated = excluded.updated",
                (name, sql, database, time.time()),
            )
            row = self._db.execute("SELECT * FROM saved_queries WHERE name = ?", (name,)).fetchone()
        return dict(row)

    def saved_queries(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM saved_queries ORDER BY name COLLATE NOCASE").fetchall()
        return [dict(r) for r in rows]

    @_saves("the change")
    def delete_saved_query(self, query_id: int) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM saved_queries WHERE id = ?", (query_id,)).rowcount > 0

    def grid_journal(self, server: str, database: str, table: str) -> dict | None:
        """A table's pending grid edits journaled before a crash: {changes, count, updated} or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT changes, count, updated FROM grid_journal WHERE server = ? AND database = ? AND tbl = ?",
                (server, database, table),
            ).fetchone()
        if row is None:
            return None
        return {"changes": json.loads(row["changes"]), "count": row["count"], "updated": row["updated"]}

    def grid_journals(self, server: str) -> list[dict]:
        """Every table of a server with journaled pending edits, newest first (no changes)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT database, tbl AS 'table', count, updated FROM grid_journal WHERE server = ?"
                " ORDER BY updated DESC",
                (server,),
            ).fetchall()
        return [dict(r) for r in rows]

    @_saves("the pending edits' journal")
    def save_grid_journal(self, server: str, database: str, table: str, changes: list, count: int) -> None:
        """Journal a table's pending edits (as the grid sends them to Apply); none clears it."""
        with self._lock:
            if not changes:
                self._db.execute(
                    "DELETE FROM grid_journal WHERE server = ? AND database = ? AND tbl = ?", (server, database, table)
                )
                return
            self._db.execute(
                "INSERT OR REPLACE INTO grid_journal(server, database, tbl, changes, count, updated)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (server, database, table, json.dumps(changes), count, time.time()),
            )

    def editor_tabs(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM editor_tabs ORDER BY position").fetchall()
        return [dict(r) for r in rows]

    @_saves("the editor tabs")
    def save_editor_tabs(self, tabs: list[dict]) -> None:
        """Replace the set of open tabs (id, title, sql, database) in their order."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.execute("DELETE FROM editor_tabs")
                self._db.executemany(
                    "INSERT INTO editor_tabs(id, position, title, sql, database, updated) VALUES (?, ?, ?, ?, ?, ?)",
                    [(t["id"], i, t["title"], t["sql"], t.get("database"), now) for i, t in enumerate(tabs)],
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite ends it itself on some errors (a full disk)
                    self._db.execute("ROLLBACK")
                raise
