"""A faster fetchmany for unbuffered text-protocol results (PyMySQL's SSCursor).

PyMySQL parses each field through several method calls (read_length_coded_string, read_uint8,
read...). Here the packet is still read by PyMySQL itself (sequence numbers, error packets,
timeouts and lost connections are handled there), but its fields are cut out inline: about twice
as fast for wide results. Values are exactly what SSCursor.fetchmany returns.
"""

_NULL = 251


def fetch_rows(cursor, size: int) -> list[tuple]:
    """Up to `size` rows of the cursor's current unbuffered result ([] at its end)."""
    result = cursor._result
    if result is None or not result.unbuffered_active:
        return []
    conn = result.connection
    read_packet = conn._read_packet
    converters = result.converters
    from_bytes = int.from_bytes
    rows = []
    for _ in range(size):
        packet = read_packet()
        data = packet._data
        if data[0] == 0xFE and len(data) < 9:  # EOF: end of this result
            result._check_packet_is_eof(packet)
            result.unbuffered_active = False
            result.connection = None
            result.rows = None
            cursor.warning_count = result.warning_count
            break
        row = []
        pos = 0
        end = len(data)
        for encoding, converter in converters:
            if pos >= end:
                break  # fewer fields than columns: PyMySQL stops there too
            first = data[pos]
            if first < _NULL:
                length = first
                pos += 1
            elif first == _NULL:
                row.append(None)
                pos += 1
                continue
            elif first == 252:
                length = data[pos + 1] | data[pos + 2] << 8
                pos += 3
            elif first == 253:
                length = from_bytes(data[pos + 1 : pos + 4], "little")
                pos += 4
            else:
                length = from_bytes(data[pos + 1 : pos + 9], "little")
                pos += 9
            value = data[pos : pos + length]
            pos += length
            if encoding is not None:
                value = value.decode(encoding)
            if converter is not None:
                value = converter(value)
            row.append(value)
        rows.append(tuple(row))
    cursor.rownumber += len(rows)
    return rows
