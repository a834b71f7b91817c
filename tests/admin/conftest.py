"""Fixtures of the structure/admin tests: their own eddy_test_admin_* databases and users."""

import pytest

from core.db import Connection

ADMIN_DB = "eddy_test_admin_shop"
SHOP_SCHEMA = [
    f"DROP DATABASE IF EXISTS `{ADMIN_DB}`",
    f"CREATE DATABASE `{ADMIN_DB}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    f"""CREATE TABLE `{ADMIN_DB}`.`customers` (
        id INT AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(100) NOT NULL DEFAULT 'it''s \\\\ new',
        email VARCHAR(120) NULL COMMENT 'where to write',
        created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        UNIQUE KEY uq_email (email)
    ) ENGINE=InnoDB COMMENT='people who buy'""",
    f"""CREATE TABLE `{ADMIN_DB}`.`orders` (
        id INT AUTO_INCREMENT PRIMARY KEY,
        customer_id INT NOT NULL,
        total DECIMAL(10,2) NOT NULL DEFAULT 0,
        KEY idx_customer (customer_id),
        CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
    ) ENGINE=InnoDB""",
    f"""CREATE TABLE `{ADMIN_DB}`.`order lines` (
        order_id INT NOT NULL,
        `line` INT NOT NULL,
        product VARCHAR(50) NOT NULL,
        PRIMARY KEY (order_id, `line`),
        CONSTRAINT `fk lines order` FOREIGN KEY (order_id) REFERENCES orders (id)
    ) ENGINE=InnoDB""",
    f"""CREATE TABLE `{ADMIN_DB}`.`events_log` (
        id INT NOT NULL, happened DATE NOT NULL, PRIMARY KEY (id, happened)
    ) ENGINE=InnoDB PARTITION BY RANGE (YEAR(happened)) (
        PARTITION p2020 VALUES LESS THAN (2021), PARTITION pmax VALUES LESS THAN MAXVALUE)""",
    f"CREATE VIEW `{ADMIN_DB}`.`big_orders` AS SELECT id, total FROM `{ADMIN_DB}`.`orders` WHERE total > 100",
    f"""CREATE TRIGGER `{ADMIN_DB}`.`orders_total_check` BEFORE INSERT ON `{ADMIN_DB}`.`orders`
        FOR EACH ROW SET NEW.total = GREATEST(NEW.total, 0)""",
    f"INSERT INTO `{ADMIN_DB}`.`customers` (name, email) VALUES ('Ada', 'ada@example.com'), ('张伟 🐍', NULL)",
    f"INSERT INTO `{ADMIN_DB}`.`orders` (customer_id, total) VALUES (1, 10), (1, 200), (2, 5)",
]


def admin_connection(mariadb) -> Connection:
    return Connection(mariadb.admin)


@pytest.fixture
def shop_db(mariadb):
    """A fresh small shop database (tables, FKs, a view, a trigger, partitions) for each test."""
    conn = admin_connection(mariadb)
    for statement in SHOP_SCHEMA:
        conn.execute(statement)
    yield ADMIN_DB
    for row in conn.query("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA"):
        if row.name.startswith("eddy_test_admin_"):
            conn.execute(f"DROP DATABASE `{row.name}`")
    for row in conn.query("SELECT User AS user, Host AS host FROM mysql.user WHERE User LIKE 'eddy\\_test\\_admin%%'"):
        conn.execute("DROP USER %s@%s", row.user, row.host)
    conn.close()


@pytest.fixture(scope="class")
def env(request, mariadb, tmp_path_factory):
    request.cls.mariadb = mariadb
    request.cls.data_root = tmp_path_factory.mktemp("admin-web")
