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
