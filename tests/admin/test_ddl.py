"""The DDL builder and SQL literal quoting, without a server."""

import pytest

from core.db.sql import quote_literal
from core.services.schema import ddl
from core.services.schema.plans import ChangeRefused


def test_quote_literal_escapes_quotes_backslashes_and_control_characters():
    assert quote_literal("it's") == "'it\\'s'"
    assert quote_literal("a\\b") == "'a\\\\b'"
    assert quote_literal("line\nnext\x00") == "'line\\nnext\\0'"
    assert quote_literal("值 🙂") == "'值 🙂'"


def test_quote_literal_without_backslash_escapes_only_doubles_quotes():
    assert quote_literal("it's a\\b", no_backslash_escapes=True) == "'it''s a\\b'"


def column(**overrides):
    return {"name": "c", "type": "INT", "nullable": True, "default_kind": "none", **overrides}


def test_column_definition_quotes_names_and_escapes_defaults_and_comments():
    text = ddl.column_definition(
        column(name="we`ird", type="VARCHAR(10)", default_kind="literal", default="x'); DROP TABLE t; --", comment="c'")
    )
    assert text == "`we``ird` VARCHAR(10) NULL DEFAULT 'x\\'); DROP TABLE t; --' COMMENT 'c\\''"


@pytest.mark.parametrize(
    "bad_type", ["INT; DROP TABLE x", "INT -- x", "VARCHAR(10) /* x */", "INT)", "ENUM('a'", "INT DEFAULT 1"]
)
def test_column_type_rejects_anything_but_a_type(bad_type):
    with pytest.raises(ChangeRefused):
        ddl.column_definition(column(type=bad_type))


def test_column_types_with_enum_values_and_attributes_are_accepted():
    assert ddl.column_type("enum('a','it''s', 'b,c')") == "enum('a','it''s', 'b,c')"
    assert ddl.column_type("int(10)  unsigned zerofill") == "int(10) unsigned zerofill"
    assert ddl.column_type("DECIMAL(10, 2)") == "DECIMAL(10, 2)"


def test_default_expressions_are_checked_and_wrapped():
    assert ddl.column_definition(column(default_kind="expression", default="current_timestamp()")).endswith(
        "DEFAULT current_timestamp()"
    )
    assert ddl.column_definition(column(default_kind="expression", default="1 + 2")).endswith("DEFAULT (1 + 2)")
    with pytest.raises(ChangeRefused):
        ddl.column_definition(column(default_kind="expression", default="1); DROP TABLE t; --"))


def test_create_table_with_index_foreign_key_and_options():
    sql = ddl.create_table(
        "shop",
        {
            "name": "new t",
            "columns": [column(name="id", nullable=False, auto_increment=True), column(name="ref")],
            "indexes": [
                {"kind": "PRIMARY", "columns": [{"name": "id"}]},
                {"name": "k", "kind": "INDEX", "columns": ["ref"]},
            ],
            "foreign_keys": [
                {"name": "fk", "columns": ["ref"], "ref_table": "other", "ref_columns": ["id"], "on_delete": "set null"}
            ],
            "options": {"engine": "InnoDB", "collation": "utf8mb4_bin", "comment": "o'k"},
        },
    )
    assert sql == (
        "CREATE TABLE `shop`.`new t` (\n"
        "  `id` INT NOT NULL AUTO_INCREMENT,\n"
        "  `ref` INT NULL,\n"
        "  PRIMARY KEY (`id`),\n"
        "  KEY `k` (`ref`),\n"
        "  CONSTRAINT `fk` FOREIGN KEY (`ref`) REFERENCES `shop`.`other` (`id`) ON DELETE SET NULL ON UPDATE RESTRICT\n"
        ") ENGINE=InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin COMMENT='o\\'k'"
    )


def test_engine_and_rules_must_be_plain_words():
    with pytest.raises(ChangeRefused):
        ddl.table_options({"engine": "InnoDB; DROP TABLE x"})
    with pytest.raises(ChangeRefused):
        ddl.foreign_key_definition(
            {"name": "f", "columns": ["a"], "ref_table": "t", "ref_columns": ["id"], "on_delete": "CASCADE; --"}, "d"
        )


CURRENT = {
    "columns": [
        column(name="a", original="a"),
        column(name="b", original="b"),
        column(name="c", original="c"),
    ],
    "indexes": [{"name": "kb", "kind": "INDEX", "columns": [{"name": "b", "length": None}]}],
    "foreign_keys": [],
    "options": {"engine": "InnoDB", "collation": "utf8mb4_bin", "comment": ""},
}


def test_alter_of_an_unchanged_form_is_empty():
    assert ddl.alter_table("d", "t", CURRENT, CURRENT) == []


def test_alter_adds_drops_renames_and_moves_in_form_order():
    want = {
        **CURRENT,
        "columns": [
            column(name="c", original="c"),
            column(name="new", original=None, type="TEXT"),
            column(name="b2", original="b"),
        ],
        "indexes": [{"name": "kb", "kind": "INDEX", "columns": [{"name": "b2"}]}],
    }
    (sql,) = ddl.alter_table("d", "t", CURRENT, want)
    assert sql == (
        "ALTER TABLE `d`.`t`\n"
        "  DROP COLUMN `a`,\n"
        "  CHANGE COLUMN `c` `c` INT NULL FIRST,\n"
        "  ADD COLUMN `new` TEXT NULL AFTER `c`,\n"
        "  CHANGE COLUMN `b` `b2` INT NULL AFTER `new`"
    )


def test_alter_changes_indexes_and_options():
    want = {
        **CURRENT,
        "indexes": [{"name": "kb", "kind": "UNIQUE", "columns": [{"name": "b"}]}],
        "options": {"engine": "Aria", "collation": "utf8mb4_bin", "comment": "new"},
    }
    (sql,) = ddl.alter_table("d", "t", CURRENT, want)
    assert (
        sql == "ALTER TABLE `d`.`t`\n  DROP INDEX `kb`,\n  ADD UNIQUE KEY `kb` (`b`),\n  ENGINE=Aria,\n  COMMENT='new'"
    )


def test_alter_refuses_duplicate_column_names():
    with pytest.raises(ChangeRefused, match="Two columns"):
        ddl.alter_table("d", "t", CURRENT, {**CURRENT, "columns": [column(name="a", original="a"), column(name="A")]})


def test_diagram_layout_handles_cycles_self_references_and_long_chains():
    from core.services.schema.erd import layout

    def table(name):
        return {"name": name, "kind": "table", "columns": [{"name": "id", "type": "int", "pk": True, "fk": False}]}

    edges = [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}, {"from": "c", "to": "c"}]
    chain = [f"t{i:04d}" for i in range(3000)]
    edges += [{"from": chain[i], "to": chain[i - 1]} for i in range(1, len(chain))]
    d = layout({"tables": [table(n) for n in ["a", "b", "c", *chain]], "edges": edges})
    boxes = {t["name"]: t for t in d["tables"]}
    assert boxes["a"]["x"] != boxes["b"]["x"]  # a cycle still gets two layers
    assert [boxes[n]["x"] for n in chain] == sorted(boxes[n]["x"] for n in chain)  # referenced first
    assert d["width"] > boxes[chain[-1]]["x"]


def test_diagram_of_a_hub_with_many_referencing_tables_is_wide_not_one_endless_column():
    from core.services.schema.erd import layout

    def table(name):
        return {"name": name, "kind": "table", "columns": [{"name": "id", "type": "int", "pk": True, "fk": False}] * 5}

    spokes = [f"s{i:03d}" for i in range(200)]
    d = layout({"tables": [table("hub"), *map(table, spokes)], "edges": [{"from": s, "to": "hub"} for s in spokes]})
    assert d["width"] > d["height"] / 3
    boxes = d["tables"]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert (
                a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
            )  # fmt: skip


def test_generated_expressions_cannot_be_smuggled_through_the_form():
    current = {**CURRENT, "columns": [*CURRENT["columns"], column(name="g", original="g", generated="`a` + 1")]}
    assert ddl.alter_table("d", "t", current, current) == []  # kept as read: fine
    evil = "1) VIRTUAL, DROP COLUMN a, ADD COLUMN x INT AS (1"
    for changed in (
        {**current, "columns": [*CURRENT["columns"], column(name="g", original="g", generated=evil)]},
        {**current, "columns": [*current["columns"], column(name="new", generated="`a` + 1")]},
    ):
        with pytest.raises(ChangeRefused, match="SQL editor"):
            ddl.alter_table("d", "t", current, changed)
    with pytest.raises(ChangeRefused, match="SQL editor"):
        ddl.create_table("d", {"name": "t", "columns": [column(name="g", generated="1")]})
