"""A result's row packets kept as they came off the wire, and decoded later, a window at a time.

The SQL editor shows a few hundred rows of a result that may hold millions. Decoding every field
into a Python object (and encoding it again to store it) cost more than the server's work; here
an unbuffered text-protocol result is read in the socket buffer's blocks, the packet headers are
only walked to find where rows end (and where the result ends), and the bytes are handed on
unchanged. `decode_rows` turns a stretch of those bytes into exactly the tuples PyMySQL's
SSCursor would have returned (tested), when someone asks for them.

Errors and the end of the result are raised with PyMySQL's own error classes, so Stop (KILL QUERY),
CALL's several result sets and lost connections behave as with PyMySQL's SSCursor.
"""

import errno
import select
from collections.abc import Iterator

from pymysql import err
from pymysql.constants import CR
from pymysql.protocol import MysqlPacket

MAX_PACKET = 0xFFFFFF
IDLE = None  # yielded before a read that would wait for the server: time to publish what is held


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


def _socket_has_data(sock) -> bool:
    pending = getattr(sock, "pending", None)  # TLS: bytes already decrypted inside the SSL object
    if pending is not None and pending():
        return True
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _finish(cursor, result, conn, payload: bytes) -> None:
    """The packet after the last row: an error (raised as PyMySQL raises it) or EOF."""
    if payload[0] == 0xFF:
        result.unbuffered_active = False
        MysqlPacket(payload, conn.encoding).raise_for_error()
    result._check_packet_is_eof(MysqlPacket(payload, conn.encoding))
    result.unbuffered_active = False
    result.connection = None
    result.rows = None
    cursor.warning_count = result.warning_count


def read_wire_rows(cursor) -> Iterator[tuple[bytes, int, bool] | None]:
    """The current unbuffered result's row packets, headers included, as (data, rows, at_row_start).

    `rows` is how many rows end inside `data`; `at_row_start` says whether `data` begins a row
    (a row over 16 MB spans several packets and may be split between pieces). IDLE (None) is
    yielded when the next read would wait for the server. Ends after the result's EOF packet;
    raises PyMySQL's error for an error packet (rows before it have all been yielded).
    """
    result = cursor._result
    if result is None or not result.unbuffered_active:
        return
    conn = result.connection
    if conn._current_timeout != conn._read_timeout:
        conn._sock.settimeout(conn._read_timeout)
        conn._current_timeout = conn._read_timeout
    rfile = conn._rfile
    peek = rfile.peek
    read = rfile.read
    sock = conn._sock
    continuing = False  # the previous packet was a full 16 MB one: this one continues its row
    total = 0
    drained = True
    while True:
        if drained and not _socket_has_data(sock):
            yield IDLE
        buf = peek(1)
        n = len(buf)
        pos = 0
        rows = 0
        seq = conn._next_seq_id
        starts = not continuing
        while pos + 4 <= n:
            length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
            end = pos + 4 + length
            if end > n or buf[pos + 3] != seq:
                break
            if not continuing:
                first = buf[pos + 4] if length else 0
                if first == 0xFF or (first == 0xFE and length < 9):
                    break  # the end of the result: read below, as a packet of its own
            seq = (seq + 1) & 0xFF
            if length == MAX_PACKET:
                continuing = True
            else:
                continuing = False
                rows += 1
            pos = end
        if pos:
            data = read(pos)
            conn._next_seq_id = seq
            drained = pos == n
            total += rows
            yield data, rows, starts
            continue
        # No whole packet in the buffer: the end of the result, a packet bigger than the buffer,
        # or one still arriving. Read exactly one packet.
        header = _read(conn, read, 4)
        length = header[0] | header[1] << 8 | header[2] << 16
        if header[3] != conn._next_seq_id:
            conn._force_close()
            if header[3] == 0:
                raise err.OperationalError(CR.CR_SERVER_LOST, "Lost connection to MySQL server during query")
            raise err.InternalError(f"Packet sequence number wrong - got {header[3]} expected {conn._next_seq_id}")
        conn._next_seq_id = (conn._next_seq_id + 1) & 0xFF
        payload = _read(conn, read, length)
        if not continuing and length and (payload[0] == 0xFF or (payload[0] == 0xFE and length < 9)):
            cursor.rownumber += total
            _finish(cursor, result, conn, payload)
            return
        drained = True
        if length == MAX_PACKET:
            yield header + payload, 0, not continuing
            continuing = True
        else:
            yield header + payload, 1, not continuing
            continuing = False
            total += 1


def skip_rows(data, pos: int, count: int) -> int:
    """The offset in `data` (wire bytes starting at a row) after `count` more rows."""
    while count > 0:
        length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        pos += 4 + length
        if length != MAX_PACKET:
            count -= 1
    return pos


def decode_rows(data, converters, pos: int = 0, count: int | None = None) -> list[tuple]:
    """Rows (as PyMySQL's SSCursor returns them) from wire bytes starting at a row at `pos`;
    `count` rows, or as many as `data` holds whole."""
    from_bytes = int.from_bytes
    size = len(data)
    rows = []
    append_row = rows.append
    while (count is None or len(rows) < count) and pos + 4 <= size:
        length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        payload_end = pos + 4 + length
        if payload_end > size:
            break
        payload = data[pos + 4 : payload_end]
        pos = payload_end
        if length == MAX_PACKET:  # a row over 16 MB: join its packets
            parts = [payload]
            while length == MAX_PACKET:
                length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
                parts.append(data[pos + 4 : pos + 4 + length])
                pos += 4 + length
            payload = b"".join(parts)
        row = []
        append = row.append
        at = 0
        end = len(payload)
        for encoding, converter in converters:
            if at >= end:
                break  # fewer fields than columns: PyMySQL stops there too
            first = payload[at]
            if first < 251:
                length = first
                at += 1
            elif first == 251:
                append(None)
                at += 1
                continue
            elif first == 252:
                length = payload[at + 1] | payload[at + 2] << 8
                at += 3
            elif first == 253:
                length = from_bytes(payload[at + 1 : at + 4], "little")
                at += 4
            else:
                length = from_bytes(payload[at + 1 : at + 9], "little")
                at += 9
            value = bytes(payload[at : at + length])
            at += length
            if encoding is not None:
                value = value.decode(encoding)
            if converter is not None:
                value = converter(value)
            append(value)
        append_row(tuple(row))
    return rows


def result_converters(cursor) -> list[tuple]:
    """How each column of the cursor's current result is decoded: (encoding, converter) pairs."""
    result = cursor._result
    return list(result.converters) if result is not None else []


def sample_rows(cursor, every: int) -> tuple[list[tuple], int]:
    """Rows 0, every, 2*every... of the cursor's current unbuffered result, decoded as PyMySQL
    would, and how many rows it held. Only the sampled rows are decoded: the others are skipped
    by their packet headers."""
    converters = result_converters(cursor)
    samples: list[tuple] = []
    total = 0  # rows walked so far
    want = 0  # the next row to keep
    carry = b""  # the start of a row over 16 MB whose packets continue in the next piece
    for piece in read_wire_rows(cursor):
        if piece is IDLE:
            continue
        data = carry + piece[0] if carry else piece[0]
        carry = b""
        size = len(data)
        pos = 0
        while pos < size:
            if total == want:
                row_end = skip_rows_safely(data, pos)
                if row_end is None:
                    break
                samples.extend(decode_rows(data, converters, pos, 1))
                want += every
                pos = row_end
                total += 1
                continue
            start = pos
            length = MAX_PACKET
            while length == MAX_PACKET and pos < size:
                length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
                pos += 4 + length
            if length == MAX_PACKET:  # the row goes on in the next piece
                pos = start
                break
            total += 1
        if pos < size:
            carry = data[pos:]
    return samples, total


def skip_rows_safely(data, pos: int) -> int | None:
    """The offset after the row starting at `pos`, or None when its last packet is not in `data`."""
    size = len(data)
    while pos < size:
        length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        pos += 4 + length
        if length != MAX_PACKET:
            return pos
    return None
