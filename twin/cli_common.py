"""What every ``twin`` command module shares: the typer app, the consoles, the error boundary,
settings and the database for commands that work on the server's data.

Command modules (``twin.cli``, ``twin.cli_iot``, ``twin.cli_viewer``, ``twin.cli_maintenance``)
add their commands to :data:`app`; ``twin.cli`` imports them all.
"""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from twin.errors import exit_code_for
from twin.settings import Settings

__all__ = ["ModelFile", "NoCache", "app", "cli_settings", "open_database", "reports_errors",
           "stderr", "stdout"]

app = typer.Typer(
    name="twin",
    help="Facility twin: IFC office buildings as a graph of spaces and equipment.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
stdout = Console()
stderr = Console(stderr=True)

NoCache = Annotated[bool, typer.Option("--no-cache", help="Parse from scratch; skip the cache.")]
ModelFile = Annotated[Path, typer.Argument(help="An .ifc or .ifczip file.", show_default=False)]


def _fail(error: BaseException) -> None:
    if os.environ.get("TWIN_DEBUG") == "1":
        raise error
    stderr.print(f"twin: error: {error}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code_for(error))


def reports_errors(command):
    """Decorator: turn any exception of a command into one line on stderr and an exit code."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except Exception as error:  # noqa: BLE001 - the CLI boundary: never show a traceback
            _fail(error)
    return wrapper


def cli_settings(**overrides) -> Settings:
    """Settings from the environment with the command's options laid over them."""
    values = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**values)


@contextlib.contextmanager
def open_database():
    """The migrated server database, disposed of on exit."""
    from twin.storage.database import Database, migrate

    settings = cli_settings()
    migrate(settings.resolved_database_url)
    database = Database(settings.resolved_database_url)
    try:
        yield database
    finally:
        database.dispose()


