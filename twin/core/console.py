"""What every ``twin`` command shares: the consoles, the error boundary, settings, the database
for commands that work on the server's data, and :class:`Commands`, the list of a domain's
commands that :mod:`twin.cli.app` adds to the ``twin`` application.

Importing it is cheap (typer only): the rich consoles are made on first use, settings
(pydantic) and everything a command works with are imported when that command runs.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from twin.core.errors import exit_code_for

if TYPE_CHECKING:
    from rich.console import Console

    from twin.core.settings import Settings

__all__ = ["Commands", "ModelFile", "NoCache", "cli_settings", "load_building", "load_summary",
           "open_database", "reports_errors", "stderr", "stdout"]


class _ConsoleOnFirstUse:
    """A :class:`rich.console.Console` made, with ``options``, the first time it is used.

    Every attribute is the console's; :attr:`console` is the console itself (for rich
    objects that take a ``console=``).
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """The rich console, made now if not yet."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


stdout = _ConsoleOnFirstUse()
stderr = _ConsoleOnFirstUse(stderr=True)

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
    from twin.core.settings import Settings

    values = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**values)


@contextlib.contextmanager
def open_database():
    """The migrated server database, disposed of on exit."""
    from twin.core.database import Database, migrate

    settings = cli_settings()
    migrate(settings.resolved_database_url)
    database = Database(settings.resolved_database_url)
    try:
        yield database
    finally:
        database.dispose()


class Commands:
    """The commands of one domain, added to the ``twin`` application by :meth:`register`.

    Use ``@commands.command("name")`` as with ``typer.Typer.command``; nothing is added to the
    application until the assembly in :mod:`twin.cli.app` calls :meth:`register`.
    """

    def __init__(self) -> None:
        self._commands: list[tuple[tuple, dict, Callable]] = []
        self._groups: list[tuple[typer.Typer, str]] = []

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        """Decorator: remember ``function`` as a command (arguments as ``Typer.command``)."""
        def remember(function: Callable) -> Callable:
            self._commands.append((args, kwargs, function))
            return function
        return remember

    def group(self, name: str, help_text: str) -> typer.Typer:
        """A command group (``twin NAME SUBCOMMAND``) added to the application with the rest."""
        group = typer.Typer(help=help_text, no_args_is_help=True)
        self._groups.append((group, name))
        return group

    def register(self, app: typer.Typer) -> None:
        """Add every remembered command and group to ``app``."""
        for args, kwargs, function in self._commands:
            app.command(*args, **kwargs)(function)
        for group, name in self._groups:
            app.add_typer(group, name=name)


@contextlib.contextmanager
def _geometry_progress(path: Path) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar on stderr while geometry runs."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=stderr.console, transient=True,
                  disable=not stderr.is_terminal) as progress:
        task = progress.add_task(f"geometry of {path.name}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def load_building(path: Path, no_cache: bool):
    """Open a building (model and graph) with a progress bar on stderr while geometry runs.

    Returns
    -------
    tuple
        ``(BuildingModel, networkx.MultiDiGraph)``.
    """
    from spaces import open_building

    with _geometry_progress(path) as advance:
        return open_building(path, use_cache=not no_cache, progress=advance)


def load_summary(path: Path, no_cache: bool) -> dict[str, Any]:
    """The inspection summary of a model file (:func:`spaces.summary.open_summary`).

    A cache hit reads the summary alone (no model, no graph, no geometry libraries); otherwise
    the building is opened with a progress bar on stderr, as by :func:`load_building`.
    """
    from spaces.summary import cached_summary, open_summary

    summary = None if no_cache else cached_summary(path)
    if summary is not None:
        return summary
    with _geometry_progress(path) as advance:
        return open_summary(path, use_cache=not no_cache, progress=advance)
