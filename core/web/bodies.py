"""Request bodies, declared: each JSON endpoint's fields and their types, checked in one place.

`parse_body(raw, schema)` decodes a request body with msgspec straight into the endpoint's
declared fields, so a handler never sees a wrong type: a list where a file token belongs, a number
where a sort spec belongs, a lone surrogate, JSON nested 100,000 deep. Every violation is a
BodyError (a 400 naming the field, e.g. "Field `$.sort[0].column`: expected str, got int").

Schemas list the fields a handler reads, with the type it relies on; a field the user may omit
defaults to UNSET and is left out of the result, so handlers keep their own defaults
(`body.get("mode", "all")`). Fields a schema does not declare pass through as plain JSON values:
a new field is checked once it is declared here (the fuzz test in tests/resources sends wrong
types to every field a handler reads).

Why msgspec (pinned in requirements.txt): one small wheel with no dependencies, imported in a few
ms (start-up matters), strict by default (true is not an int, 1 is not a string), decodes and
validates in one C pass, names the failing field by its JSON path, and refuses invalid UTF-8 and
lone surrogates. pydantic v2 would do the same job with four packages, ~10x the import time and
lax coercion to switch off field by field.
"""

from typing import Any

import msgspec
from msgspec import UNSET, Struct, UnsetType

MAX_DEPTH_MESSAGE = "Request body is nested too deeply"


class BodyError(ValueError):
    """A request body that does not match its endpoint's schema (the message names the field)."""


class Body(Struct, forbid_unknown_fields=False):
    """Base of every schema: unknown fields are allowed (and passed through untouched)."""


def _message(exc: msgspec.ValidationError) -> str:
    text = str(exc)
    head, sep, path = text.rpartition(" - at `")
    if sep:
        return f"Field `{path.rstrip('`')}`: {head[0].lower()}{head[1:]}"
    return f"Invalid request body: {text}"


def _decode(raw: bytes, type_):
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        raise BodyError(_message(exc)) from None
    except msgspec.DecodeError as exc:
        raise BodyError(f"Request body is not valid JSON (UTF-8, no lone surrogates): {exc}") from None
    except RecursionError:
        raise BodyError(MAX_DEPTH_MESSAGE) from None


def parse_body(raw: bytes | None, schema: type[Body] | None = None) -> dict:
    """The body as a dict of checked values: the declared fields typed, the others plain JSON."""
    raw = raw or b"{}"
    data = _decode(raw, dict[str, Any])
    if schema is None:
        return data
    typed = _decode(raw, schema)
    checked = msgspec.to_builtins(typed)  # UNSET fields are left out: absent stays absent
    return {**data, **checked}


# -- the schemas: one per endpoint that reads a JSON body --------------------------------------------
Str = str | UnsetType
OptStr = str | None | UnsetType
OptBool = bool | None | UnsetType
OptInt = int | None | UnsetType
OptDict = dict[str, Any] | None | UnsetType
OptList = list[Any] | None | UnsetType
Scalar = str | int | float | bool | None


class PlanBody(Body):
    """The preview-then-run protocol (core.web.plan_handler)."""

    dry_run: OptBool = UNSET
    confirm: OptStr = UNSET


# SQL editor (core.web.api_editor)
class StartQueryBody(Body):
    sql: Str = UNSET
    tab: OptStr = UNSET
    mode: Str = UNSET
    cursor: OptInt = UNSET
    database: OptStr = UNSET
    safe_mode: OptBool = UNSET
    on_error: Str = UNSET
    wait: float | None | UnsetType = UNSET
    line_offset: OptInt = UNSET


class ConfirmBody(Body):
    index: OptInt = UNSET


class SaveResultBody(Body):
    format: Str = UNSET
    result: int | UnsetType = UNSET
    table: OptStr = UNSET


class ExplainBody(Body):
    sql: Str = UNSET
    cursor: OptInt = UNSET
    database: OptStr = UNSET
    analyze: OptBool = UNSET


class SavedQueryBody(Body):
    name: Str = UNSET
    sql: Str = UNSET
    database: OptStr = UNSET


class EditorTab(Body):
    id: str
    sql: str
    title: OptStr = UNSET
    database: OptStr = UNSET


class EditorTabsBody(Body):
    tabs: list[EditorTab] | UnsetType = UNSET


class EditorOptionsBody(Body):
    safe_mode: OptBool = UNSET
    on_error: Str = UNSET


# Table grid (core.web.api_grid)
class SortKeyBody(Body):
    column: str
    dir: Str = UNSET


SortSpec = list[SortKeyBody] | None | UnsetType
FilterSpec = dict[str, Any] | list[Any] | str | None | UnsetType


class GridRowsBody(Body):
    refresh: OptBool = UNSET
    sort: SortSpec = UNSET
    filter: FilterSpec = UNSET
    start: int | UnsetType = UNSET
    count: int | UnsetType = UNSET


class GridCountBody(Body):
    sort: SortSpec = UNSET
    filter: FilterSpec = UNSET


class GridApplyBody(Body):
    preview: OptBool = UNSET
    changes: list[dict[str, Any]] | UnsetType = UNSET


class GridJournalBody(Body):
    changes: list[dict[str, Any]] | UnsetType = UNSET


class GridCellBody(Body):
    key: OptDict = UNSET
    column: Str = UNSET


class GridPrefsBody(Body):
    hidden: list[Scalar] | UnsetType = UNSET
    widths: dict[str, Scalar] | UnsetType = UNSET


# Import and export (core.web.api_transfer)
class DialogBody(Body):
    mode: Str = UNSET
    filename: OptStr = UNSET
    copy_from: OptStr = UNSET


class PreviewBody(Body):
    file: Str = UNSET
    database: OptStr = UNSET
    table: OptStr = UNSET
    dialect: OptDict = UNSET


class ImportBody(Body):
    file: Str = UNSET
    database: OptStr = UNSET
    table: OptStr = UNSET
    create_sql: OptStr = UNSET
    dialect: OptDict = UNSET
    options: OptDict = UNSET
    mapping: list[dict[str, Any]] | None | UnsetType = UNSET


class SqlImportBody(Body):
    file: Str = UNSET
    database: OptStr = UNSET
    stop_on_error: OptBool = UNSET


class ExportBody(Body):
    options: OptDict = UNSET
    database: OptStr = UNSET
    table: OptStr = UNSET
    sql: OptStr = UNSET
    whole_database: OptBool = UNSET
    target: OptStr = UNSET


# Structure and server administration (core.web.api_structure, core.web.api_admin)
class TableFormBody(PlanBody):
    form: dict[str, Any] | UnsetType = UNSET


class TableActionBody(PlanBody):
    new_name: OptStr = UNSET
    with_data: OptBool = UNSET


class CreateDatabaseBody(PlanBody):
    name: Str = UNSET
    collation: OptStr = UNSET


class DatabaseActionBody(PlanBody):
    new_name: OptStr = UNSET


class CreateObjectBody(PlanBody):
    sql: Str = UNSET


class KillBody(PlanBody):
    what: Str = UNSET


class SetVariableBody(PlanBody):
    value: Scalar | UnsetType = UNSET
    scope: Str = UNSET


class AccountBody(PlanBody):
    user: OptStr = UNSET
    host: OptStr = UNSET
    password: OptStr = UNSET


class GrantsBody(AccountBody):
    level: OptStr = UNSET
    privileges: list[str] | None | UnsetType = UNSET
    database: OptStr = UNSET
    table: OptStr = UNSET


# Connect screen, sandbox, tour (core.web.pages_connections, core.web.api_sandbox)
class TestConnectionBody(Body):
    id: str | int | None | UnsetType = UNSET
    db_password: OptStr = UNSET
    ssh_password: OptStr = UNSET


class TokenBody(Body):
    token: OptStr = UNSET


class ServerPathBody(Body):
    server_path: OptStr = UNSET


class TourBody(Body):
    dismissed: bool | UnsetType = UNSET


# Handler (module.Class) -> its body's schema. The fuzz test checks every handler that reads a
# JSON body is listed here.
class CompareSideBody(Body):
    database: str
    connection: OptStr = UNSET


class RenameBody(Body):
    table: str
    from_: str = msgspec.field(name="from")
    to: str = ""


class CompareBody(Body):
    """Schema compare: the sides, filters, the ticked differences, confirmed renames, run/save."""

    source: CompareSideBody
    target: CompareSideBody
    filters: OptDict = UNSET
    selected: list[str] | UnsetType = UNSET
    renames: list[RenameBody] | UnsetType = UNSET
    dry_run: OptBool = UNSET
    confirm: OptStr = UNSET
    save: OptBool = UNSET


class LoadDumpBody(Body):
    file: str


class DropDumpBody(Body):
    database: str


class GridCellSaveBody(Body):
    """Save a whole grid cell through the native dialog: by key, or by position in a view."""

    column: str
    key: OptDict = UNSET
    at: OptInt = UNSET
    size: OptInt = UNSET


class ResultCellSaveBody(Body):
    """Save one cell of a spooled editor result: which result, row and column."""

    row: int
    col: int
    result: OptInt = UNSET


class PickFileBody(Body):
    """Which connection-form field a native Open dialog fills (TLS CA/cert/key, SSH key)."""

    field: OptStr = UNSET


class CompletionColumnsBody(Body):
    """The tables a statement names, for their columns: [[database, table], ...]."""

    tables: list[list[Any]] | UnsetType = UNSET


SCHEMAS: dict[str, type[Body]] = {
    "core.web.api_editor.StartQueryHandler": StartQueryBody,
    "core.web.api_editor.ConfirmHandler": ConfirmBody,
    "core.web.api_editor.SaveExportHandler": SaveResultBody,
    "core.web.api_editor.ExplainHandler": ExplainBody,
    "core.web.api_editor.SavedQueriesHandler": SavedQueryBody,
    "core.web.api_editor.TabsHandler": EditorTabsBody,
    "core.web.api_editor.OptionsHandler": EditorOptionsBody,
    "core.web.api_grid.RowsHandler": GridRowsBody,
    "core.web.api_grid.CountHandler": GridCountBody,
    "core.web.api_grid.ApplyHandler": GridApplyBody,
    "core.web.api_grid.CellHandler": GridCellBody,
    "core.web.api_grid_journal.JournalHandler": GridJournalBody,
    "core.web.api_grid.PrefsHandler": GridPrefsBody,
    "core.web.api_transfer.DialogHandler": DialogBody,
    "core.web.api_transfer.PreviewHandler": PreviewBody,
    "core.web.api_transfer.ImportHandler": ImportBody,
    "core.web.api_transfer.SqlImportHandler": SqlImportBody,
    "core.web.api_transfer.ExportHandler": ExportBody,
    "core.web.api_structure.CreateTableHandler": TableFormBody,
    "core.web.api_structure.AlterTableHandler": TableFormBody,
    "core.web.api_structure.TableActionHandler": TableActionBody,
    "core.web.api_structure.CreateDatabaseHandler": CreateDatabaseBody,
    "core.web.api_structure.DatabaseActionHandler": DatabaseActionBody,
    "core.web.api_structure.DropObjectHandler": PlanBody,
    "core.web.api_structure.CreateObjectHandler": CreateObjectBody,
    "core.web.api_admin.KillHandler": KillBody,
    "core.web.api_admin.SetVariableHandler": SetVariableBody,
    "core.web.api_admin.UsersHandler": AccountBody,
    "core.web.api_admin.GrantsHandler": GrantsBody,
    "core.web.api_admin.UserActionHandler": AccountBody,
    "core.web.pages_connections.TestConnectionHandler": TestConnectionBody,
    "core.web.pages_connections.TrustHostKeyApiHandler": TokenBody,
    "core.web.pages_connections.PickFileHandler": PickFileBody,
    "core.web.api_tree.CompletionColumnsHandler": CompletionColumnsBody,
    "core.web.api_sandbox.SandboxServerPathHandler": ServerPathBody,
    "core.web.api_sandbox.TourHandler": TourBody,
    "core.web.api_grid.SaveCellHandler": GridCellSaveBody,
    "core.web.api_editor.CellSaveHandler": ResultCellSaveBody,
    "core.web.api_compare.CompareHandler": CompareBody,
    "core.web.api_compare.ScriptHandler": CompareBody,
    "core.web.api_compare.ApplyHandler": CompareBody,
    "core.web.api_compare.LoadDumpHandler": LoadDumpBody,
    "core.web.api_compare.DropDumpHandler": DropDumpBody,
}


def schema_for(handler_class: type) -> type[Body] | None:
    """The declared body schema of a handler class (by module and name), None if it has none."""
    name = handler_class.__module__ + "." + handler_class.__qualname__
    return SCHEMAS.get(name)
