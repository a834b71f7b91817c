"""The embedded per-user SQLite store: settings, recent connections (never passwords)."""

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

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

_PASSWORD_KEYS = {"password", "passwd", "ssh_password", "passphrase"}


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
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get_setting(self, key: str, default=None):
        with self._lock:
            row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def set_setting(self, key: str, value) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

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

    def delete_profile(self, profile_id: int) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM connection_profiles WHERE id = ?", (profile_id,)).rowcount > 0
