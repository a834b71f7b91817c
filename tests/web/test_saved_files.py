"""Writing a file the user chose (a cell, a result's export, a sync script): one service, one refusal."""

import pytest

from core.services.errors import ServiceError
from core.web.base import error_for


def test_save_writes_bytes_text_and_chunks_and_counts_bytes(tmp_path):
    from core.services.saved_files import save_file

    assert save_file(str(tmp_path / "a.bin"), b"\x00\xff") == 2
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\xff"
    assert save_file(str(tmp_path / "b.txt"), "é\r\n") == 4  # UTF-8 bytes, newlines as given
    assert (tmp_path / "b.txt").read_bytes() == "é\r\n".encode()
    assert save_file(str(tmp_path / "c.csv"), iter(["a,b\n", "1,2\n"])) == 8
    assert (tmp_path / "c.csv").read_text() == "a,b\n1,2\n"


def test_a_path_that_cannot_be_written_is_a_400_saying_why(tmp_path):
    from core.services.saved_files import SaveFailed, save_file

    path = str(tmp_path / "no-such-folder" / "x.txt")
    with pytest.raises(SaveFailed) as caught:
        save_file(path, "x")
    assert isinstance(caught.value, ServiceError)
    answer = error_for(caught.value)
    assert (answer.status_code, answer.message) == (400, f"Could not write {path}: No such file or directory")
