"""Connecting and reading through Eddy's connection layers: direct, read-only guard, SSH tunnel.

Beside the mariadb CLI (process included) on the same server in the same run. The SSH rows need
root and Debian's openssh-server (a private sshd on loopback); without them they are skipped.
"""

import tempfile
from dataclasses import replace
from pathlib import Path

from bench.harness import BENCH_DB, median_seconds, ms, print_table, ratio, run_cli
from core.db import Connection
from core.db.statements import read_only_refusal
from core.services.connections import profiles, tunnels
from core.services.connections.profiles import Passwords, Profile

REPEAT = 10
STREAM_ROWS = 200_000
STREAM_SQL = f"SELECT * FROM `{BENCH_DB}`.`orders` LIMIT {STREAM_ROWS}"


def _connect_and_ping(params) -> None:
    conn = Connection(params)
    conn.get("SELECT 1 AS one")
    conn.close()


def _stream_all(params) -> None:
    conn = Connection(params)
    _, rows = conn.stream(STREAM_SQL)
    for _ in rows:
        pass
    conn.close()


def run(server, params) -> None:
    read_only = replace(params, read_only=True)
    cli = median_seconds(lambda: run_cli(params, "SELECT 1"), REPEAT)
    direct = median_seconds(lambda: _connect_and_ping(params), REPEAT)
    guarded = median_seconds(lambda: _connect_and_ping(read_only), REPEAT)
    rows = [
        ["mariadb CLI: connect + SELECT 1 (process incl.)", ms(cli), "1.00×"],
        ["Connection(): connect + SELECT 1", ms(direct), ratio(direct, cli)],
        ["Connection(read_only): connect + SET READ ONLY + SELECT 1", ms(guarded), ratio(guarded, cli)],
    ]
    cli_stream = median_seconds(lambda: run_cli(params, STREAM_SQL), 3)
    direct_stream = median_seconds(lambda: _stream_all(params), 3)
    guarded_stream = median_seconds(lambda: _stream_all(read_only), 3)
    stream_rows = [
        ["mariadb CLI --batch --quick", ms(cli_stream), "1.00×"],
        ["Connection.stream(), direct", ms(direct_stream), ratio(direct_stream, cli_stream)],
        ["Connection.stream(), read-only profile", ms(guarded_stream), ratio(guarded_stream, cli_stream)],
    ]
    classify = median_seconds(lambda: [read_only_refusal(STREAM_SQL) for _ in range(10_000)], 3) / 10_000

    try:
        from tests import sshd
    except ImportError:
        sshd = None
    why = sshd.problem() if sshd else "tests/sshd.py not available"
    if why is None:
        with tempfile.TemporaryDirectory(prefix="eddy-bench-ssh-") as folder:
            with sshd.private_sshd(Path(folder) / "sshd", "bench-pass") as ssh:
                known = Path(folder) / "known_hosts"
                tunnels.trust_host_key(known, "127.0.0.1", ssh.port, ssh.host_key)
                profile = Profile(
                    name="bench", host="127.0.0.1", port=params.port, user=params.user, ssh_enabled=True,
                    ssh_host="127.0.0.1", ssh_port=ssh.port, ssh_user="root", ssh_auth="key",
                    ssh_key_path=str(ssh.client_key_path),
                )  # fmt: skip
                typed = Passwords(db=params.password, ssh="bench-pass")
                t = median_seconds(lambda: profiles.test_connection(profile, typed, known), REPEAT)
                rows.append(["SSH tunnel up + connect + 3× SELECT 1, tunnel down", ms(t), ratio(t, cli)])
                tunnel = profiles.open_tunnel(profile, typed, known)
                try:
                    via = replace(params, host="127.0.0.1", port=tunnel.local_port)
                    t = median_seconds(lambda: _connect_and_ping(via), REPEAT)
                    rows.append(["Connection() through an open tunnel: connect + SELECT 1", ms(t), ratio(t, cli)])
                    t = median_seconds(lambda: _stream_all(via), 3)
                    stream_rows.append(["Connection.stream() through the SSH tunnel", ms(t), ratio(t, cli_stream)])
                finally:
                    tunnel.close()
    else:
        rows.append([f"SSH tunnel rows skipped: {why}", "–", "–"])

    print_table(f"Connecting (median of {REPEAT})", ["what", "time", "vs mariadb CLI"], rows)
    print_table(
        f"Reading {STREAM_ROWS:,} rows of {BENCH_DB}.orders unbuffered (median of 3)",
        ["what", "time", "vs mariadb CLI"],
        stream_rows,
    )
    print(f"\nRead-only classifier: {classify * 1e6:.1f} µs per statement")
