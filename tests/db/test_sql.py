import pytest

from core.db.sql import qualified, quote_identifier


def test_quote_identifier_doubles_backticks():
    assert quote_identifier("a`b") == "`a``b`"
    assert quote_identifier("select") == "`select`"
    assert quote_identifier("order items 表") == "`order items 表`"


def test_qualified_quotes_each_part():
    assert qualified("my db", "t`1") == "`my db`.`t``1`"


@pytest.mark.parametrize("bad", ["", None, "a\x00b"])
def test_quote_identifier_rejects_empty_and_nul(bad):
    with pytest.raises(ValueError):
        quote_identifier(bad)
