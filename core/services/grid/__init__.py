"""The table grid: keyset windows of rows (windows), filters, table metadata, grid edits (edits),
how a value is shown (cells) and a cell's real value read on demand (cell_values)."""
