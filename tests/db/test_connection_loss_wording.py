"""A connection lost while a statement ran never reads as "nothing happened": it says the outcome is
unknown, and that an open transaction is gone (unless the lost statement was its COMMIT)."""

from dataclasses import replace

import pytest

from core.db import Connection
from core.db.errors import ConnectionLost
from tests.cutting_proxy import CuttingProxy


def test_lost_commit_says_unknown_and_that_the_transaction_is_gone(mariadb):
    admin = Connection(mariadb.admin)
    admin.execute("DROP DATABASE IF EXISTS eddy_test_wording")
    admin.execute("CREATE DATABASE eddy_test_wording")
    admin.execute("CREATE TABLE eddy_test_wording.t (id INT PRIMARY KEY)")
    proxy = CuttingProxy(mariadb.user.host, mariadb.user.port)
    conn = Connection(replace(mariadb.user, port=proxy.port), autocommit=False)
    try:
        conn.begin()
        conn.execute("INSERT INTO eddy_test_wording.t VALUES (1)")
        proxy.arm("after_commit")
        with pytest.raises(ConnectionLost) as lost:
            conn.commit()
        message = lost.value.message
        assert "whether the statement took effect is unknown" in message
        assert "unless this statement was its COMMIT" in message
        assert admin.get("SELECT COUNT(*) AS n FROM eddy_test_wording.t").n == 1  # it did take effect
        assert conn.get("SELECT 1 AS one").one == 1  # and the connection works again
    finally:
        conn.close()
        proxy.close()
        admin.execute("DROP DATABASE IF EXISTS eddy_test_wording")
        admin.close()
