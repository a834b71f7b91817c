"""The statement splitter: what the mysql client would send, one statement at a time."""

import pytest

from core.db.sql import ddl_target, first_keyword, has_top_level_word, iter_statements, split_statements, statement_at


def texts(script):
    return [s.text for s in split_statements(script)]


def test_splits_on_semicolons_and_drops_blank_statements():
    assert texts("SELECT 1; SELECT 2;\n\n;  ;SELECT 3") == ["SELECT 1", "SELECT 2", "SELECT 3"]


@pytest.mark.parametrize(
    "script, expected",
    [
        ("SELECT 'a;b'; SELECT 2", ["SELECT 'a;b'", "SELECT 2"]),
        ('SELECT "a;b"; SELECT 2', ['SELECT "a;b"', "SELECT 2"]),
        ("SELECT 'it''s;'; SELECT 2", ["SELECT 'it''s;'", "SELECT 2"]),
        ("SELECT 'back\\';slash'; SELECT 2", ["SELECT 'back\\';slash'", "SELECT 2"]),
        ("SELECT `a;b``c` FROM t; SELECT 2", ["SELECT `a;b``c` FROM t", "SELECT 2"]),
        ("SELECT 1 -- a; comment\n; SELECT 2", ["SELECT 1 -- a; comment", "SELECT 2"]),
        ("SELECT 1 # a; comment\n; SELECT 2", ["SELECT 1 # a; comment", "SELECT 2"]),
        ("SELECT /* a; b */ 1; SELECT 2", ["SELECT /* a; b */ 1", "SELECT 2"]),
        ("/*!40101 SET NAMES utf8mb4 */; SELECT 2", ["/*!40101 SET NAMES utf8mb4 */", "SELECT 2"]),
        ("SELECT 5--1; SELECT 2", ["SELECT 5--1", "SELECT 2"]),  # `--` without a space is not a comment
    ],
)
def test_delimiters_inside_quotes_and_comments_do_not_split(script, expected):
    assert texts(script) == expected


def test_comment_only_chunks_are_not_statements():
    assert texts("-- just a note\n/* and this */\n# and this;\n") == []
    assert texts("SELECT 1;\n-- trailing note") == ["SELECT 1"]


def test_delimiter_blocks_for_procedures_and_triggers():
    script = """DROP PROCEDURE IF EXISTS p;
DELIMITER $$
CREATE PROCEDURE p()
BEGIN
  SELECT 1; -- inner statements stay inside
  SELECT 'x;y';
END$$
delimiter ;
CALL p();
"""
    statements = split_statements(script)
    assert [s.text.split()[0] for s in statements] == ["DROP", "CREATE", "CALL"]
    assert statements[1].text.endswith("END")
    assert "SELECT 'x;y';" in statements[1].text
    assert statements[1].delimiter == "$$"
    assert statements[2].delimiter == ";"


def test_delimiter_word_inside_a_statement_is_not_a_command():
    assert texts("SELECT 1 AS delimiter; SELECT 2") == ["SELECT 1 AS delimiter", "SELECT 2"]


def test_line_numbers_and_offsets_point_at_each_statement():
    script = "\n-- header\nSELECT 1;\n\nSELECT\n  2;\nSELECT 3"
    statements = split_statements(script)
    assert [(s.start_line, s.end_line) for s in statements] == [(3, 3), (5, 6), (7, 7)]
    for s in statements:
        assert script[s.start : s.end] == s.text


def test_leading_comment_is_kept_but_line_points_at_code():
    (statement,) = split_statements("-- why\n\nSELECT 1")
    assert statement.text == "-- why\n\nSELECT 1"
    assert statement.start_line == 3


def test_unterminated_quote_keeps_the_rest_as_one_statement():
    assert texts("SELECT 'oops; SELECT 2") == ["SELECT 'oops; SELECT 2"]


def test_unicode_text_keeps_offsets_in_characters():
    script = "SELECT '表情 🐍';SELECT 2"
    first, second = split_statements(script)
    assert script[second.start : second.end] == "SELECT 2"


def test_statement_at_cursor():
    script = "SELECT 1;\nSELECT 2;\n\nSELECT 3"
    assert statement_at(script, 0).text == "SELECT 1"
    assert statement_at(script, script.index("2")).text == "SELECT 2"
    assert statement_at(script, script.index("2;") + 2).text == "SELECT 2"  # just after the ;
    assert statement_at(script, len(script)).text == "SELECT 3"
    assert statement_at("  \n", 1) is None


def test_large_script_splits_quickly():
    script = "INSERT INTO t VALUES (1, 'a;b', \"c\", `d`); -- x\n" * 50_000
    assert len(split_statements(script)) == 50_000


@pytest.mark.parametrize(
    "sql, keyword",
    [("select 1", "SELECT"), ("/* c */ -- x\n UPDATE t SET a=1", "UPDATE"), ("(SELECT 1) UNION (SELECT 2)", "SELECT")],
)
def test_first_keyword_skips_comments_and_parentheses(sql, keyword):
    assert first_keyword(sql) == keyword


def test_where_detection_ignores_subqueries_strings_and_comments():
    assert has_top_level_word("DELETE FROM t WHERE id = 1", "where")
    assert not has_top_level_word("UPDATE t SET a = (SELECT x FROM y WHERE z)", "WHERE")
    assert not has_top_level_word("DELETE FROM t -- WHERE id = 1", "WHERE")
    assert not has_top_level_word("UPDATE t SET note = 'where'", "WHERE")
    assert not has_top_level_word("DELETE FROM `where`", "WHERE")


@pytest.mark.parametrize(
    "sql, target",
    [
        ("DROP TABLE IF EXISTS `my db`.t1", "DROP TABLE `my db`.`t1`"),
        ("create or replace view v as select 1", "CREATE VIEW `v`"),
        ("ALTER TABLE people ADD COLUMN x INT", "ALTER TABLE `people`"),
        ("TRUNCATE orders", "TRUNCATE TABLE `orders`"),
        ("DROP DATABASE shop", "DROP DATABASE `shop`"),
        ("SELECT 1", None),
    ],
)
def test_ddl_target_names_the_object(sql, target):
    assert ddl_target(sql) == target


def test_statement_after_a_block_comment_is_kept():
    # A leading /* comment */ once made the whole statement look like a comment (and vanish).
    assert texts("/* why */ SELECT 1; /* a; b */\nSELECT 2") == ["/* why */ SELECT 1", "/* a; b */\nSELECT 2"]
    assert split_statements("/* why */\nSELECT 1")[0].code == "SELECT 1"


TRICKY = (
    "-- head; note\nSELECT 'it''s;', \"q\\\";\", `a;``b`; # c;\n/* d; */ SELECT 5--1;\n"
    "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 'x\\'$$'; END$$\ndelimiter ;\n"
    "/*!40101 SET NAMES utf8mb4 */;\nSELECT '表情 🐍' /* e */;\nSELECT 'oops; still"
)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_streamed_pieces_split_exactly_like_the_whole_script(size):
    pieces = [TRICKY[i : i + size] for i in range(0, len(TRICKY), size)]
    assert list(iter_statements(pieces)) == split_statements(TRICKY)


def test_every_cut_point_gives_the_same_statements():
    # A quote, a comment, `$$`, a backslash or a DELIMITER line cut between two pieces.
    whole = split_statements(TRICKY)
    assert [s.text.split()[0] for s in whole][:4] == ["--", "#", "CREATE", "/*!40101"]
    for cut in range(len(TRICKY) + 1):
        assert list(iter_statements([TRICKY[:cut], "", TRICKY[cut:]])) == whole, cut
