"""The streamed CSV reader hands the csv module blocks of lines: records, line numbers, NULLs and
the record limit must not depend on where a block ends (a block of a few characters puts a
boundary inside every kind of record, line end and quote)."""

import random

import pytest

from core.services.transfer import formats
from core.services.transfer.formats import Dialect, RecordReader, RecordTooLarge

TRICKY = (
    "id,name,note\r\n"
    '1,"",\r\n'  # quoted empty = '' ; bare empty = NULL
    '2,plain,"two\r\nlines"\r\n'
    '3,"comma, ""quote""","a\rb"\n'  # a lone CR inside quotes, an LF line end
    "\r\n"  # a blank line
    '4,NULL,"NULL"\r'  # a lone CR line end; NULL bare vs quoted
    '5,"x\n\ny",\u4e2d\u6587 \U0001f40d\r\n'
    '6,,""'  # no line end at the end of the file
)
EXPECTED = [
    (2, ["1", "", None]),
    (3, ["2", "plain", "two\r\nlines"]),
    (5, ["3", 'comma, "quote"', "a\rb"]),
    (8, ["4", None, "NULL"]),  # the csv module counts a CR inside quotes as a line
    (9, ["5", "x\n\ny", "\u4e2d\u6587 \U0001f40d"]),
    (12, ["6", None, ""]),
]


def read(path, dialect=None, **kw):
    with RecordReader(path, dialect or Dialect(), null_marker="NULL", **kw) as reader:
        header = reader.read_header()
        return header, list(reader)


@pytest.mark.parametrize("block", [1, 2, 3, 5, 7, 11, 64, 1 << 20])
def test_records_lines_and_nulls_do_not_depend_on_block_boundaries(tmp_path, monkeypatch, block):
    monkeypatch.setattr(formats, "BLOCK_CHARS", block)
    path = tmp_path / "tricky.csv"
    path.write_bytes(TRICKY.encode("utf-8"))
    header, records = read(path)
    assert header == ["id", "name", "note"]
    assert records == EXPECTED


def test_random_files_read_the_same_with_tiny_and_large_blocks(tmp_path, monkeypatch):
    rng = random.Random(19)
    pieces = ["a", "", '"q"', '""', '"x,y"', '"l1\r\nl2"', '"say ""hi"""', "NULL", '"NULL"', "\u00e9\U0001f600"]
    lines = [",".join(rng.choice(pieces) for _ in range(4)) + rng.choice(["\r\n", "\n", "\r"]) for _ in range(400)]
    path = tmp_path / "random.csv"
    path.write_bytes(("h1,h2,h3,h4\n" + "".join(lines)).encode("utf-8"))
    monkeypatch.setattr(formats, "BLOCK_CHARS", 1 << 20)
    whole = read(path)
    for block in (1, 3, 17, 256):
        monkeypatch.setattr(formats, "BLOCK_CHARS", block)
        assert read(path) == whole, block
    assert len(whole[1]) == 400


@pytest.mark.parametrize("block", [1, 4, 50, 1 << 20])
def test_a_record_over_the_limit_is_named_by_line_and_field_wherever_blocks_end(tmp_path, monkeypatch, block):
    monkeypatch.setattr(formats, "BLOCK_CHARS", block)
    path = tmp_path / "big.csv"
    # line 3 holds a 300-character field in field 2; line 4 a quoted field over 4 lines of 90
    path.write_text("a,b,c\n1,x,y\n2," + "w" * 300 + ",z\n3,ok,ok\n", encoding="utf-8")
    with pytest.raises(RecordTooLarge) as caught:
        read(path, limit=200)
    assert (caught.value.line, caught.value.column) == (3, 1)
    path.write_text('a,b,c\n1,x,y\n2,"' + ("v" * 89 + "\n") * 4 + '",z\n', encoding="utf-8")
    with pytest.raises(RecordTooLarge) as caught:
        read(path, limit=200)
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert "closing quote" in str(caught.value)
    # the same records under the limit read whole
    header, records = read(path, limit=1000)
    assert records[-1][0] == 3 and records[-1][1][1] == ("v" * 89 + "\n") * 4


@pytest.mark.parametrize("block", [1, 6, 1 << 20])
def test_a_quote_open_at_the_end_of_the_file_is_named(tmp_path, monkeypatch, block):
    monkeypatch.setattr(formats, "BLOCK_CHARS", block)
    path = tmp_path / "open.csv"
    path.write_text('a,b\n1,x\n2,"never closed\nstill\n', encoding="utf-8")
    with pytest.raises(RecordTooLarge) as caught:
        read(path)
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert "never closed" in str(caught.value)


def test_tsv_escapes_read_across_block_boundaries(tmp_path, monkeypatch):
    text = "a\tb\n1\t\\N\n2\tx\\ty\\nz\n3\t\\\\\n"
    path = tmp_path / "e.tsv"
    path.write_text(text, encoding="utf-8")
    dialect = Dialect(delimiter="\t", quote="", escapes=True)
    expected = [(2, ["1", None]), (3, ["2", "x\ty\nz"]), (4, ["3", "\\"])]
    for block in (1, 2, 5, 1 << 20):
        monkeypatch.setattr(formats, "BLOCK_CHARS", block)
        assert read(path, dialect)[1] == expected


@pytest.mark.parametrize("block", [1, 9, 1 << 20])
def test_characters_python_counts_as_line_breaks_stay_inside_their_field(tmp_path, monkeypatch, block):
    # str.splitlines breaks at form feed, \x1c-\x1e, NEL and U+2028/9; a CSV line does not.
    monkeypatch.setattr(formats, "BLOCK_CHARS", block)
    odd = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    path = tmp_path / "odd.csv"
    path.write_text(f'a,b\n1,x{odd}y\n2,"{odd}"\n3,z\n', encoding="utf-8")
    assert read(path)[1] == [(2, ["1", f"x{odd}y"]), (3, ["2", odd]), (4, ["3", "z"])]


@pytest.mark.parametrize("block", [1, 8, 1 << 20])
def test_a_line_over_the_first_limit_is_read_whole_once_the_limit_is_raised(tmp_path, monkeypatch, block):
    # The importer reads the header under one packet, then raises the limit to a whole record's.
    monkeypatch.setattr(formats, "BLOCK_CHARS", block)
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1," + "w" * 500 + "\r\n2,x\n", encoding="utf-8")
    with RecordReader(path, Dialect(), limit=100) as reader:
        assert reader.read_header() == ["a", "b"]
        reader.limit = 1000
        assert list(reader) == [(2, ["1", "w" * 500]), (3, ["2", "x"])]
