"""A large import does not spend its time in the garbage collector (it held ~1 s of a 1M-row
import's 4.5 s of CPU), and the collector's settings are the same after it as before."""

import gc
import threading

import pytest

from core.services import gc_pause
from core.services.transfer.csv_import import ImportOptions, run_import
from core.services.transfer.formats import Dialect
from tests.transfer.conftest import DB


@pytest.fixture
def wide(conn):
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.gc_rows")
    conn.execute(f"CREATE TABLE `{DB}`.gc_rows (id INT PRIMARY KEY, a VARCHAR(20), b VARCHAR(20), c TEXT)")
    yield "gc_rows"
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.gc_rows")


@pytest.mark.parametrize("method", ["insert", "load_data"])
def test_a_large_import_runs_few_collector_passes_and_restores_the_settings(conn, wide, tmp_path, method):
    path = tmp_path / "rows.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("id,a,b,c\n")
        out.writelines(f'{i},a{i},,"note {i}"\n' for i in range(60_000))
    before = gc.get_threshold()
    passes = []

    def count(phase, info):
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(count)
    try:
        result = run_import(conn, DB, wide, path, Dialect(), ImportOptions(method=method, batch_bytes=64 * 1024))
    finally:
        gc.callbacks.remove(count)
    assert result["rows"] == 60_000
    assert gc.get_threshold() == before
    # With the default threshold the INSERT path ran ~100 collections here, 10 of them of older objects.
    assert len(passes) < 10, passes


def test_overlapping_transfers_restore_the_threshold_only_when_the_last_ends():
    before = gc.get_threshold()
    first_in, second_done, first_done = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with gc_pause.fewer_collections():
            first_in.set()
            second_done.wait(5)
            seen["while first runs alone"] = gc.get_threshold()[0]
        first_done.set()

    worker = threading.Thread(target=first)
    worker.start()
    first_in.wait(5)
    with gc_pause.fewer_collections():
        seen["both"] = gc.get_threshold()[0]
    second_done.set()
    first_done.wait(5)
    worker.join(5)
    assert seen == {"both": gc_pause.BULK_THRESHOLD, "while first runs alone": gc_pause.BULK_THRESHOLD}
    assert gc.get_threshold() == before


def test_collection_turned_off_stays_off():
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with gc_pause.fewer_collections():
            assert gc.get_threshold()[0] == 0
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
