"""BatchBuilder.texts_of (a column at a time) builds exactly what row_text builds row by row."""

from core.services.transfer.batches import NULL_MARK, RAW_MARK, BatchBuilder
from core.services.transfer.csv_import import Target

ROWS = [
    ["1", "Ada", None, "0xFF", "b'101'", ""],
    ["2", "", "NULL", "", "7", None],
    ["3", "emoji 🐍 'q' \\", "x", None, None, "tail"],
    ["4", None, None, "not hex", "b'2'", ""],
]
KINDS = ["int", "text", "text", "binary", "bit", "text"]


def by_row(builder, rows):
    texts, nulls, raws = [], 0, 0
    for row in rows:
        text, n, r = builder.row_text(row)
        texts.append(text)
        nulls, raws = nulls + n, raws + r
    return texts, nulls, raws


def test_whole_columns_equal_row_by_row_for_every_mapping():
    identity = BatchBuilder([Target(f"c{i}", i) for i in range(6)], KINDS, 6)
    picked = BatchBuilder([Target("b", 3), Target("k", None, "const 'x'"), Target("a", 1), Target("e", 4)], KINDS, 6)
    for builder in (identity, picked):
        for rows in (ROWS, ROWS[:1], []):
            assert builder.texts_of(rows) == by_row(builder, rows)
    texts, nulls, raws = identity.texts_of(ROWS)
    assert nulls == 6 and raws == 3  # 0xFF, b'101' and 7 (b'2' is no bit literal, 'not hex' no hex)
    assert texts[0].split("\ue000")[2] == NULL_MARK and texts[0].split("\ue000")[3] == RAW_MARK + "0xFF" + RAW_MARK
    assert texts[1].split("\ue000")[2] == "NULL" and texts[1].split("\ue000")[1] == ""  # 'NULL' and '' stay text
    assert picked.texts_of(ROWS)[0][0].endswith("\ue000const 'x'")  # constants last
