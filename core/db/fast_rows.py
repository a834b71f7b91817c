"""A faster fetchmany for unbuffered text-protocol results (PyMySQL's SSCursor).

PyMySQL reads each row packet through several calls (_read_packet, _read_bytes, MysqlPacket) and
each field through several more (read_length_coded_string, read_uint8, read). Here the common
case is done inline: the packet header and payload are read from the connection's buffered socket
file, sequence numbers are checked, and fields are cut out of the payload by their length
prefixes. Anything unusual is left to PyMySQL's own code: error packets raise PyMySQL's error,
a lost connection is closed and raised as PyMySQL would. Rows are exactly what
SSCursor.fetchmany returns (tested), at roughly half the CPU.
"""

import errno

from pymysql import err
from pymysql.constants import CR
from pymysql.protocol import MysqlPacket

_NULL = 251
_MAX_PACKET_LEN = 2**24 - 1


def _lost(conn, detail: str = "") -> err.OperationalError:
    conn._force_close()
    return err.OperationalError(CR.CR_SERVER_LOST, f"Lost connection to MySQL server during query{detail}")


def _read(conn, read, n: int) -> bytes:
    while True:
        try:
            data = read(n)
            break
        except OSError as exc:
            if exc.errno == errno.EINTR:
                continue
            raise _lost(conn, f" ({exc})") from exc
    if len(data) < n:
        raise _lost(conn)
    return data


def _read_payload(conn, read) -> bytes:
    """One whole packet's payload (joined when over 16 MB), as Connection._read_packet reads it."""
    parts = []
    while True:
        header = _read(conn, read, 4)
        length = header[0] | header[1] << 8 | header[2] << 16
        if header[3] != conn._next_seq_id:
            conn._force_close()
            if header[3] == 0:
                raise err.OperationalError(CR.CR_SERVER_LOST, "Lost connection to MySQL server during query")
            raise err.InternalError(f"Packet sequence number wrong - got {header[3]} expected {conn._next_seq_id}")
        conn._next_seq_id = (conn._next_seq_id + 1) % 256
        parts.append(_read(conn, read, length))
        if length < _MAX_PACKET_LEN:
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)


def fetch_rows(cursor, size: int) -> list[tuple]:
    """Up to `size` rows of the cursor's current unbuffered result ([] at its end)."""
    result = cursor._result
    if result is None or not result.unbuffered_active:
        return []
    conn = result.connection
    if conn._current_timeout != conn._read_timeout:
        conn._sock.settimeout(conn._read_timeout)
        conn._current_timeout = conn._read_timeout
    read = conn._rfile.read
    converters = result.converters
    from_bytes = int.from_bytes
    rows = []
    append_row = rows.append
    for _ in range(size):
        data = _read_payload(conn, read)
        first = data[0]
        if first == 0xFF:  # an error (KILL QUERY, timeout...): PyMySQL raises it
            result.unbuffered_active = False
            MysqlPacket(data, conn.encoding).raise_for_error()
        if first == 0xFE and len(data) < 9:  # EOF: end of this result
            result._check_packet_is_eof(MysqlPacket(data, conn.encoding))
            result.unbuffered_active = False
            result.connection = None
            result.rows = None
            cursor.warning_count = result.warning_count
            break
        row = []
        append = row.append
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
                append(None)
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
            append(value)
        append_row(tuple(row))
    cursor.rownumber += len(rows)
    return rows
