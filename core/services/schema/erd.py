"""An entity–relationship diagram of a database: tables, columns, foreign keys and a layout.

The layout is layered and deterministic: a table sits one layer right of every table it
references (cycles broken in name order), tables within a layer are ordered by the average
position of their neighbours (a few barycenter sweeps), and boxes are stacked top to bottom.
"""

from core.db import Connection
from core.services.schema.structure import read_foreign_keys

CHAR_WIDTH = 7.3  # px per character of the 12px monospace font the diagram uses
ROW_HEIGHT = 18
HEADER_HEIGHT = 26
PADDING = 10
LAYER_GAP = 90
BOX_GAP = 28
MAX_COLUMN_ROWS = 30  # longer tables show "… n more"


def graph(conn: Connection, database: str) -> dict:
    """Tables (with columns and key marks) and foreign-key edges of one database."""
    tables = conn.query(
        "SELECT TABLE_NAME AS name, IF(TABLE_TYPE = 'VIEW', 'view', 'table') AS kind"
        " FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME",
        database,
    )
    columns: dict[str, list] = {t.name: [] for t in tables}
    for c in conn.query(
        "SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type, COLUMN_KEY AS `key`"
        " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, ORDINAL_POSITION",
        database,
    ):
        if c.tbl in columns:
            columns[c.tbl].append({"name": c.name, "type": c.type, "pk": c.key == "PRI", "fk": False})
    edges = []
    for fk in read_foreign_keys(conn, database):
        for col in columns.get(fk["table"], []):
            if col["name"] in fk["columns"]:
                col["fk"] = True
        edges.append(
            {
                "name": fk["name"],
                "from": fk["table"],
                "from_columns": fk["columns"],
                "to": fk["ref_table"] if fk["ref_database"] == database else f"{fk['ref_database']}.{fk['ref_table']}",
                "to_columns": fk["ref_columns"],
                "external": fk["ref_database"] != database,
            }
        )
    nodes = [{"name": t.name, "kind": t.kind, "columns": columns[t.name]} for t in tables]
    return layout({"database": database, "tables": nodes, "edges": edges})


def _box_size(node: dict) -> tuple[float, float]:
    cols = node["columns"]
    shown = cols[:MAX_COLUMN_ROWS]
    longest = max([len(node["name"]) + 2] + [len(c["name"]) + len(c["type"]) + 5 for c in shown])
    rows = len(shown) + (1 if len(cols) > MAX_COLUMN_ROWS else 0)
    return round(longest * CHAR_WIDTH + 2 * PADDING), HEADER_HEIGHT + rows * ROW_HEIGHT + 8


def layout(diagram: dict) -> dict:
    """Add x, y, width, height to every table and the diagram's total width/height."""
    nodes = {n["name"]: n for n in diagram["tables"]}
    names = sorted(nodes)
    refs = {n: sorted({e["to"] for e in diagram["edges"] if e["from"] == n and e["to"] in nodes} - {n}) for n in names}

    # Layer = longest chain of references below a table; an edge closing a cycle is ignored.
    # Iterative depth-first search, so a long chain of tables cannot exhaust the stack.
    layer: dict[str, int] = {}
    for start in names:
        if start in layer:
            continue
        on_path = {start}
        stack = [(start, iter(refs[start]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                layer[node] = 1 + max([layer[r] for r in refs[node] if r in layer] or [-1])
            elif child not in layer and child not in on_path:
                on_path.add(child)
                stack.append((child, iter(refs[child])))

    # Unconnected tables would make one tall column: spread them over a grid at the end.
    connected = {e["from"] for e in diagram["edges"]} | {e["to"] for e in diagram["edges"]}
    lonely = [n for n in names if n not in connected]
    layers: dict[int, list[str]] = {}
    for n in names:
        if n in connected:
            layers.setdefault(layer[n], []).append(n)
    neighbours = {n: set(refs[n]) for n in names}
    for e in diagram["edges"]:
        if e["to"] in nodes and e["from"] in nodes:
            neighbours[e["to"]].add(e["from"])

    order = {n: i for i, n in enumerate(names)}
    for _ in range(4):  # barycenter sweeps
        for k in sorted(layers):

            def bary(n, k=k):
                near = [order[m] for m in neighbours[n] if m in order and layer.get(m) != k]
                return (sum(near) / len(near) if near else order[n], n)

            layers[k].sort(key=bary)
            for i, n in enumerate(layers[k]):
                order[n] = i

    for n in names:
        nodes[n]["width"], nodes[n]["height"] = _box_size(nodes[n])

    # Columns taller than this wrap into several, so a hub referenced by hundreds of tables
    # gives a wide picture rather than one endless column.
    area = sum((nodes[n]["width"] + BOX_GAP) * (nodes[n]["height"] + BOX_GAP) for n in names)
    max_height = max([600.0, area**0.5 * 0.8] + [nodes[n]["height"] + 40.0 for n in names])

    x = 20.0
    total_h = 0.0

    def place(column: list[str], gap_after: float) -> None:
        nonlocal x, total_h
        start = 0
        while start < len(column):
            y, end = 20.0, start
            while end < len(column) and (end == start or y + nodes[column[end]]["height"] <= max_height):
                y += nodes[column[end]]["height"] + BOX_GAP
                end += 1
            chunk = column[start:end]
            y = 20.0
            for n in chunk:
                nodes[n]["x"], nodes[n]["y"] = x, y
                y += nodes[n]["height"] + BOX_GAP
            total_h = max(total_h, y)
            x += max(nodes[n]["width"] for n in chunk) + (gap_after if end == len(column) else BOX_GAP * 2)
            start = end

    for k in sorted(layers):
        place(layers[k], LAYER_GAP)
    if lonely:
        # Tables without keys: a block to the right of the connected part.
        place(lonely, BOX_GAP * 2)
    diagram["width"] = round(x + 20)
    diagram["height"] = round(max(total_h, 100) + 20)
    diagram["row_height"] = ROW_HEIGHT
    diagram["header_height"] = HEADER_HEIGHT
    diagram["max_rows"] = MAX_COLUMN_ROWS
    return diagram
