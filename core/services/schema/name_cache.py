"""Table and view names per database, kept in memory per server, so the tree's pages, counts,
"locate", autocomplete's names and the palette's search cost milliseconds on 200,000 tables.

On MariaDB every read of a schema's names lists its folder (1–2 s on 200,000 tables, whatever the
LIMIT); here the first read of a database lists it once and the rest is answered from memory.

- Per server: the key is the connection's user@host:port (or socket), never shared across servers.
- Fresh enough: an entry lives MAX_AGE seconds (so tables made by others appear), SCROLL_AGE for
  pages past the first (the client holds that list and its count: scrolling never waits for a
  listing nor sees the offsets shift); the tree's Refresh drops it; Eddy's own DDL (plans, the
  SQL editor, script imports) drops the server's entries.
- Bounded: MAX_NAMES names in all (least recently used databases go first); a database with more
  names than that is not cached (its reads go to the server as before). 200,000 names cost 14 MB
  (7 lower-case characters) to 32 MB (22 characters, mixed case: a lower-case copy is kept for
  matching), 40-46 MB while being sorted (tests/workspace/test_name_cache.py measures).
- Thread-safe: handlers run in a worker pool; one listing per database at a time (others wait).
- Names only: a table's kind (table/view) means reading its definition (3× the listing's cost),
  so kinds are read for the few names shown and remembered here.
"""

import bisect
import heapq
import itertools
import operator
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from core.db import catalog
from core.db.connection import Connection

MAX_AGE = 60.0  # seconds
SCROLL_AGE = 600.0  # seconds: pages past the first, of a list the client already holds
MAX_NAMES = 400_000  # names held at most, all servers together (65 MB at most)
_END = "\U0010ffff"  # sorts after any character: the end of a prefix range


def server_key(conn: Connection) -> tuple:
    p = conn.params
    return (p.unix_socket or p.host, p.port, p.user)


class Names:
    """One database's names at one moment, sorted case-insensitively (as the server's ORDER BY)."""

    def __init__(self, names: list[str], loaded_at: float):
        pairs = sorted((n.lower(), n) for n in names)
        self.keys = [k for k, _ in pairs]
        self.names = [n for _, n in pairs]
        del pairs
        # A lower-case name is its own key: one string, not two.
        self.keys = [n if k == n else k for k, n in zip(self.keys, self.names)]
        self.loaded_at = loaded_at
        self.kinds: dict[str, str] = {}  # learned for names shown in search results

    def __len__(self) -> int:
        return len(self.names)

    def containing(self, text: str) -> list[int]:
        """Indexes of the names containing text (case-insensitively), in name order."""
        needle = text.lower()
        if not needle:
            return list(range(len(self.names)))
        return list(
            itertools.compress(range(len(self.keys)), map(operator.contains, self.keys, itertools.repeat(needle)))
        )

    def fuzzy(self, text: str) -> list[int]:
        """Indexes of the names holding text's characters in order, anything between. Each gap is
        "anything but the next character" (t[^1]*1[^0]*0): the first fit, found without backtracking."""
        chars = text.lower()
        if not chars:
            return list(range(len(self.names)))
        pattern = re.escape(chars[0]) + "".join(f"[^{re.escape(c)}]*{re.escape(c)}" for c in chars[1:])
        rx = re.compile(pattern, re.S)
        return list(itertools.compress(range(len(self.keys)), map(rx.search, self.keys)))

    def prefix_range(self, text: str) -> tuple[int, int]:
        key = text.lower()
        start = bisect.bisect_left(self.keys, key)
        end = bisect.bisect_left(self.keys, key + _END, lo=start) if key else len(self.keys)
        return start, end

    def best(self, text: str, limit: int, fuzzy: bool = False) -> list[int]:
        """Up to `limit` indexes of the best matches, best first: the exact name, then names starting
        with text, then containing it (or, with fuzzy, holding its characters in order only), each
        shortest first, then A-Z. Ranked without a Python call per name: a one-letter search on
        200,000 names stays in tens of milliseconds."""
        start, end = self.prefix_range(text)
        if fuzzy:
            loose = self.fuzzy(text)
            hits = set(self.containing(text)) if loose else set()
            pools = [[i for i in loose if i not in hits]]
        else:
            pools = [range(start, end), [i for i in self.containing(text) if not start <= i < end]]
        chosen: list[int] = []
        for pool in pools:
            if len(chosen) >= limit:
                break
            # (length, index) orders as (length, name): the indexes follow the name order.
            lengths = map(len, map(self.keys.__getitem__, pool))
            chosen += [i for _, i in heapq.nsmallest(limit - len(chosen), zip(lengths, pool))]
        return chosen

    def page(self, offset: int, limit: int, filter_text: str = "") -> tuple[list[str], int]:
        if not filter_text:
            return self.names[offset : offset + limit], len(self.names)
        hits = self.containing(filter_text)
        return [self.names[i] for i in hits[offset : offset + limit]], len(hits)

    def index_of(self, name: str) -> int:
        key = name.lower()
        i = bisect.bisect_left(self.keys, key)
        first = i
        while i < len(self.keys) and self.keys[i] == key:
            if self.names[i] == name:
                return i
            i += 1
        return first if first < len(self.keys) and self.keys[first] == key else -1

    def starting(self, prefix: str, limit: int) -> list[str]:
        start, end = self.prefix_range(prefix)
        return self.names[start : min(end, start + limit)]


class NameCache:
    def __init__(
        self, max_names: int = MAX_NAMES, max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic
    ):
        self.max_names = max_names
        self.max_age = max_age
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, Names] = OrderedDict()  # (server, database) -> Names, LRU order
        self._loading: dict[tuple, threading.Lock] = {}
        self._generation: dict[tuple, int] = {}  # server -> bumped by each invalidation
        self.listings = 0  # catalog reads made (tests and the bench look)

    def _fresh(self, key: tuple, max_age: float | None = None) -> Names | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            age = self.clock() - entry.loaded_at
            if age >= max(self.max_age, SCROLL_AGE):  # no reader wants it any more
                del self._entries[key]
                return None
            if age >= (max_age or self.max_age):
                return None
            self._entries.move_to_end(key)
            return entry

    def peek(self, conn: Connection, database: str) -> Names | None:
        """The database's names if held and fresh; never reads the server."""
        return self._fresh((server_key(conn), database))

    def get(self, conn: Connection, database: str, max_age: float | None = None) -> Names | None:
        """The database's names (listed now if not held or older than max_age, default MAX_AGE);
        None when it has too many names to keep (the caller reads the server)."""
        key = (server_key(conn), database)
        entry = self._fresh(key, max_age)
        if entry is not None:
            return entry
        with self._lock:
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # one listing at a time per database: the others wait for it
            entry = self._fresh(key)
            if entry is not None:
                return entry
            generation = self._generation.get(key[0], 0)
            names = catalog.all_table_names(conn, database, self.max_names + 1)
            self.listings += 1
            if len(names) > self.max_names:
                return None
            entry = Names(names, self.clock())
            self._store(key, entry, generation)
            return entry

    def get_many(self, conn: Connection, databases: list[str]) -> dict[str, Names | None]:
        """Several databases' names (one listing for each not held; each names its schema, so the
        server lists that folder only)."""
        return {db: self.get(conn, db) for db in databases}

    def _store(self, key: tuple, entry: Names, generation: int) -> None:
        with self._lock:
            if self._generation.get(key[0], 0) != generation:
                return  # dropped while it was read: the listing may predate the change
            self._entries[key] = entry
            self._entries.move_to_end(key)
            total = sum(len(e) for e in self._entries.values())
            while total > self.max_names and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                total -= len(dropped)

    def invalidate(self, conn: Connection, database: str | None = None) -> None:
        """Forget one database's names, or (database None) every database of conn's server."""
        server = server_key(conn)
        with self._lock:
            self._generation[server] = self._generation.get(server, 0) + 1
            for key in [k for k in self._entries if k[0] == server and (database is None or k[1] == database)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation.clear()
            self._loading.clear()

    def held(self) -> int:
        """Names held now, all servers together."""
        with self._lock:
            return sum(len(e) for e in self._entries.values())


NAMES = NameCache()

# Statements that may create, drop or rename a table or a database (or change its kind).
_DDL = {"CREATE", "DROP", "RENAME", "ALTER"}


def changes_names(keyword: str) -> bool:
    return keyword.upper() in _DDL


def after_statement(conn: Connection, keyword: str) -> None:
    """Called after a statement the user ran: DDL drops the server's names (any database)."""
    if changes_names(keyword):
        NAMES.invalidate(conn)
