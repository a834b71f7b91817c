"""A generated sample shop database to explore: foreign keys, a view, a procedure, JSON, NULLs,
Chinese and emoji text, and a 100,000-row table to feel the speed.

Rows are inserted in executemany batches (PyMySQL rewrites them into multi-row INSERTs), the same
primitive the CSV import uses. Deterministic: the same seed gives the same data.
"""

import datetime
import json
import random
from collections.abc import Callable, Iterator
from decimal import Decimal

from core.db import Connection
from core.db.sql import quote_identifier

SAMPLE_DATABASE = "eddy_shop"
BATCH_ROWS = 5000

SIZES = {"customers": 2000, "products": 500, "orders": 20000, "order_items": 100000}

FIRST_NAMES = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Ken", "Radia", "Tim", "Frances"]
LAST_NAMES = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Thompson", "Perlman", "Lee"]
CHINESE_NAMES = ["王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强"]
CITIES = [
    ("FR", "Paris"),
    ("DE", "Berlin"),
    ("CN", "上海"),
    ("CN", "北京"),
    ("JP", "東京"),
    ("US", "New York"),
    ("BR", "São Paulo"),
    ("GB", "London"),
]
CATEGORIES = ["Books", "Garden", "Kitchen", "Toys", "Music", "Tools", "茶叶 Tea"]
PRODUCT_WORDS = ["Classic", "Deluxe", "Mini", "Eco", "Smart", "Vintage", "Pro", "熊猫", "🚀 Rocket", "☕ Coffee"]
PRODUCT_NOUNS = ["Mug", "Lamp", "Notebook", "Kettle", "Puzzle", "Speaker", "Trowel", "Teapot", "Chair"]
STATUSES = ["new", "paid", "shipped", "delivered", "cancelled"]
NOTES = [None, None, None, "Leave at the door", "请放在门口", "Gift 🎁 — no invoice", 'Say "hi"', "Line one\nline two"]

SCHEMA = [
    """CREATE TABLE customers (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(100) NOT NULL,
        email VARCHAR(190) NOT NULL UNIQUE,
        country CHAR(2) NOT NULL,
        city VARCHAR(80) NOT NULL,
        created_at DATETIME NOT NULL,
        notes TEXT NULL,
        preferences JSON NULL
    ) ENGINE=InnoDB COMMENT='People who buy things'""",
    """CREATE TABLE products (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        sku VARCHAR(20) NOT NULL UNIQUE,
        name VARCHAR(150) NOT NULL,
        category VARCHAR(40) NOT NULL,
        price DECIMAL(10,2) NOT NULL,
        stock INT NOT NULL DEFAULT 0,
        attributes JSON NULL,
        description TEXT NULL,
        KEY idx_category (category)
    ) ENGINE=InnoDB COMMENT='What the shop sells'""",
    """CREATE TABLE orders (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        customer_id INT UNSIGNED NOT NULL,
        status ENUM('new','paid','shipped','delivered','cancelled') NOT NULL DEFAULT 'new',
        ordered_at DATETIME NOT NULL,
        shipped_at DATETIME NULL,
        note VARCHAR(255) NULL,
        KEY idx_ordered_at (ordered_at),
        CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    ) ENGINE=InnoDB""",
    """CREATE TABLE order_items (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        order_id INT UNSIGNED NOT NULL,
        product_id INT UNSIGNED NOT NULL,
        quantity SMALLINT UNSIGNED NOT NULL,
        unit_price DECIMAL(10,2) NOT NULL,
        CONSTRAINT fk_items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
        CONSTRAINT fk_items_product FOREIGN KEY (product_id) REFERENCES products (id)
    ) ENGINE=InnoDB COMMENT='100,000 rows: page, sort and export them'""",
    """CREATE VIEW order_totals AS
        SELECT o.id AS order_id, c.name AS customer, o.status, o.ordered_at,
               SUM(i.quantity * i.unit_price) AS total, COUNT(i.id) AS items
        FROM orders o
        JOIN customers c ON c.id = o.customer_id
        LEFT JOIN order_items i ON i.order_id = o.id
        GROUP BY o.id, c.name, o.status, o.ordered_at""",
    """CREATE PROCEDURE customer_orders(IN p_customer_id INT UNSIGNED)
        READS SQL DATA
        COMMENT 'Orders of one customer with their totals'
        SELECT t.* FROM order_totals t JOIN orders o ON o.id = t.order_id
        WHERE o.customer_id = p_customer_id ORDER BY t.ordered_at DESC""",
]

START = datetime.datetime(2024, 1, 1, 8, 0, 0)


def _customers(rng: random.Random) -> Iterator[tuple]:
    for i in range(1, SIZES["customers"] + 1):
        if i % 7 == 0:
            name = rng.choice(CHINESE_NAMES)
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if i % 50 == 0:
            name += " 🎉"
        country, city = rng.choice(CITIES)
        prefs = None if i % 3 == 0 else json.dumps({"newsletter": i % 2 == 0, "lang": rng.choice(["en", "fr", "zh"])})
        notes = rng.choice(NOTES)
        yield (name, f"customer{i}@example.com", country, city, START + datetime.timedelta(hours=i), notes, prefs)


def _products(rng: random.Random) -> Iterator[tuple]:
    for i in range(1, SIZES["products"] + 1):
        name = f"{rng.choice(PRODUCT_WORDS)} {rng.choice(PRODUCT_NOUNS)} {i}"
        attributes = json.dumps(
            {"colour": rng.choice(["red", "blue", "绿色", None]), "weight_g": rng.randint(50, 5000)},
            ensure_ascii=False,
        )
        description = None if i % 4 == 0 else f"{name}: made with care. ✓"
        price = Decimal(rng.randint(199, 19999)) / 100
        yield (f"SKU-{i:05d}", name, rng.choice(CATEGORIES), price, rng.randint(0, 500), attributes, description)


def _orders(rng: random.Random) -> Iterator[tuple]:
    for i in range(1, SIZES["orders"] + 1):
        ordered = START + datetime.timedelta(minutes=37 * i)
        status = rng.choice(STATUSES)
        shipped = ordered + datetime.timedelta(days=rng.randint(1, 5)) if status in ("shipped", "delivered") else None
        yield (rng.randint(1, SIZES["customers"]), status, ordered, shipped, rng.choice(NOTES))


def _order_items(rng: random.Random) -> Iterator[tuple]:
    per_order = SIZES["order_items"] // SIZES["orders"]
    for i in range(SIZES["order_items"]):
        order_id = i // per_order + 1
        yield (order_id, rng.randint(1, SIZES["products"]), rng.randint(1, 5), Decimal(rng.randint(199, 19999)) / 100)


INSERTS = [
    ("customers", "(name, email, country, city, created_at, notes, preferences)", _customers),
    ("products", "(sku, name, category, price, stock, attributes, description)", _products),
    ("orders", "(customer_id, status, ordered_at, shipped_at, note)", _orders),
    ("order_items", "(order_id, product_id, quantity, unit_price)", _order_items),
]


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def create_sample_database(
    conn: Connection,
    database: str = SAMPLE_DATABASE,
    replace: bool = True,
    seed: int = 42,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Create (or, with replace, re-create) the sample shop; returns rows per table."""
    if replace:
        conn.execute(f"DROP DATABASE IF EXISTS {quote_identifier(database)}")
    conn.execute(f"CREATE DATABASE {quote_identifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.use(database)
    for statement in SCHEMA:
        conn.execute(statement)
    rng = random.Random(seed)
    counts = {}
    for table, columns, rows in INSERTS:
        placeholders = ", ".join(["%s"] * columns.count(",") + ["%s"])
        sql = f"INSERT INTO {quote_identifier(table)} {columns} VALUES ({placeholders})"
        conn.begin()
        try:
            total = 0
            for batch in _batches(rows(rng), BATCH_ROWS):
                conn.executemany(sql, batch)
                total += len(batch)
                if progress:
                    progress(table, total)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        counts[table] = total
    return counts
