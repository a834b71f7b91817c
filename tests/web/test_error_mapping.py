"""One exception -> HTTP mapping (core.web.base.error_for): a service's refusals are not database
errors and answer with their own status, wherever in a handler they are raised."""

from core.db.errors import ConnectionLost, DatabaseError
from core.services.errors import ServiceError
from core.services.query.model import JobBusy
from core.services.schema.browse import NotFound
from core.web.base import error_for


def test_refusals_are_not_database_errors():
    from core.services.schema.plans import ChangeRefused
    from core.services.transfer.csv_import import ImportFailed
    from core.services.transfer.sql_import import ScriptFailed, ScriptNamesOtherDatabases

    for refusal in (NotFound, JobBusy, ChangeRefused, ImportFailed, ScriptFailed, ScriptNamesOtherDatabases):
        assert issubclass(refusal, ServiceError) and not issubclass(refusal, DatabaseError), refusal


def test_a_refusal_reads_as_its_message_even_once_extended():
    from core.services.transfer.csv_import import ImportFailed

    failed = ImportFailed("Row 3 is too long.", line=3)
    failed.message += " Rows of the first 2 records were committed."
    assert str(failed) == failed.message == "Row 3 is too long. Rows of the first 2 records were committed."
    assert (error_for(failed).status_code, error_for(failed).message) == (400, failed.message)


def test_each_error_maps_to_its_status_and_message():
    cases = [
        (NotFound("Database 'x' does not exist"), 404, "Database 'x' does not exist"),
        (JobBusy("A query is still running in this tab: stop it first."), 409, None),
        (ServiceError("no"), 400, "no"),
        (ConnectionLost("gone", 2013), 503, "gone"),
        (DatabaseError("Unknown column 'x'", 1054), 400, "(1054) Unknown column 'x'"),
    ]
    for exc, status, message in cases:
        answer = error_for(exc)
        assert answer.status_code == status
        assert answer.message == (message or exc.message)


def test_bad_cell_and_tree_requests_are_400_refusals_and_still_value_errors():
    from core.services.grid.cell_values import CellError
    from core.services.schema.tree import BadRequest

    for refusal in (CellError("no such column"), BadRequest("unknown group")):
        assert isinstance(refusal, ValueError)
        assert (error_for(refusal).status_code, error_for(refusal).message) == (400, refusal.message)


def test_grid_refusals_answer_400_with_their_sentence_and_still_are_value_errors():
    """The grid handlers no longer catch these: the one mapping answers them (was api_grid's except)."""
    from core.services.grid.edits import EditError
    from core.services.grid.filters import FilterError
    from core.services.grid.windows import GridError

    for refusal in (
        GridError("Unknown sort column: 'x'"),
        FilterError("Unknown operator 'like%'"),
        EditError("This table has no primary key: its rows cannot be edited"),
    ):
        assert isinstance(refusal, ServiceError) and isinstance(refusal, ValueError), type(refusal)
        assert (error_for(refusal).status_code, error_for(refusal).message) == (400, str(refusal))


def test_option_parsers_refuse_with_bad_options_keeping_their_sentence(tmp_path):
    """The transfer handlers no longer catch ValueError/TypeError around these: each raises BadOptions
    (still a ValueError) with the sentence the handler used to answer, and the one mapping says 400."""
    import pytest

    from core.services.errors import BadOptions
    from core.services.transfer.csv_import import ImportOptions, mapping_from_list
    from core.services.transfer.export import ExportOptions
    from core.services.transfer.formats import Dialect
    from core.services.transfer.preview import preview
    from core.services.transfer.sql_import import ScriptOptions

    csv_file = tmp_path / "a.csv"
    csv_file.write_text("id,name\n1,x\n")
    cases = [
        (lambda: ImportOptions.from_dict({"empty": "x"}), "empty must be 'null' or 'empty'"),
        (lambda: ImportOptions.from_dict({"commit_every": "many"}), None),  # int('many'): a ValueError
        (lambda: ImportOptions.from_dict({"commit_every": [1]}), None),  # int([1]): a TypeError
        (lambda: mapping_from_list("x"), "The mapping must be a list of {column, source} objects"),
        (lambda: Dialect.from_dict({"delimiter": 5}), None),  # len(5): a TypeError
        (lambda: ExportOptions.from_dict({"format": "csv", "line_end": "\r"}), "Line ends must be CRLF or LF"),
        (lambda: ScriptOptions.from_dict({"database": 5}), "Field 'database' must be a database name"),
        (lambda: preview(None, csv_file, None, None, {"encoding": "klingon"}), None),
    ]
    for call, message in cases:
        with pytest.raises(BadOptions) as raised:
            call()
        refusal = raised.value
        assert isinstance(refusal, ValueError)
        expected = message or str(refusal.__cause__)  # an implicit error keeps Python's own sentence
        assert (error_for(refusal).status_code, error_for(refusal).message) == (400, expected)


def test_sandbox_failures_answer_500_and_a_missing_server_424_with_their_sentence():
    """The sandbox handlers no longer catch these (was api_sandbox.run_sandbox's two excepts)."""
    from core.services.sandbox.server import SandboxError, ServerBinaryMissing

    for refusal, status in (
        (SandboxError("The sandbox server did not start: port taken"), 500),
        (ServerBinaryMissing("No MariaDB or MySQL server binary found on PATH. Install MariaDB..."), 424),
    ):
        assert isinstance(refusal, ServiceError)
        assert (error_for(refusal).status_code, error_for(refusal).message) == (status, str(refusal))


def test_a_result_number_the_job_lacks_answers_400_and_is_still_a_key_error():
    """The cell and save handlers no longer catch KeyError around job.result (two excepts)."""
    from core.services.query.model import NoSuchResult, QueryJob

    job = QueryJob.__new__(QueryJob)
    job.results = []
    try:
        job.result(3)
    except NoSuchResult as refusal:
        assert isinstance(refusal, KeyError)
        assert (error_for(refusal).status_code, error_for(refusal).message) == (400, "Bad result number")
    else:
        raise AssertionError("job.result(3) of a job without results must refuse")


def test_numbers_sent_to_handlers_are_parsed_in_one_place():
    from core.web.base import UserError, as_int

    assert as_int("12", "limit") == 12
    for bad in ("x", None, "1.5"):
        try:
            as_int(bad, "limit")
        except UserError as refusal:
            assert (refusal.status_code, refusal.message) == (400, "'limit' must be an integer")
        else:
            raise AssertionError(bad)
