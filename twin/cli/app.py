"""The ``twin`` command line (typer + rich), assembled here from each domain's commands.

Every command reports bad input as one line on stderr naming the file and the problem, with exit
code 2, and never prints a traceback unless ``TWIN_DEBUG=1``.

Start-up is kept short (``bench/cli.py`` measures it): this module and the domains' ``cli``
modules import typer and little else, and each command imports what it works with when it
runs. They do not use ``from __future__ import annotations``: typer builds every command from
its annotations at each start, and string annotations it evaluates twice (three times the cost
of building the commands); annotations naming what is imported for type checking only are
written as strings.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from twin.assets.cli import commands as assets_commands
from twin.core.console import cli_settings, open_database, reports_errors, stderr, stdout
from twin.energy.cli import commands as energy_commands
from twin.housing.cli import commands as housing_commands
from twin.iot.cli import commands as iot_commands
from twin.maintenance.cli import commands as maintenance_commands
from twin.meetings.cli import commands as meetings_commands
from twin.portfolio.cli import commands as portfolio_commands
from twin.scene.cli import commands as scene_commands
from twin.security.cli import commands as security_commands
from twin.standards.cli import commands as standards_commands

if TYPE_CHECKING:
    from twin.core.settings import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="twin",
    help="Facility twin: IFC office buildings as a graph of spaces and equipment.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _serve(settings: "Settings") -> None:
    import uvicorn

    from twin.api import create_app

    if settings.workers > 1:
        _serve_workers(settings)
        return
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="warning")


def _check_workers(settings: "Settings") -> None:
    from twin.core.errors import InvalidInputError

    if settings.workers > 1 and not settings.resolved_database_url.startswith("postgresql"):
        raise InvalidInputError(
            "--workers above 1 needs PostgreSQL (TWIN_DATABASE_URL=postgresql+psycopg://...): "
            "SQLite has one writer and the workers coordinate through PostgreSQL; "
            "run one worker on SQLite")


def _check_admin(settings: "Settings") -> None:
    """Refuse to serve a database without an active admin: nobody could manage it."""
    from twin.core import accounts
    from twin.core.database import Database, migrate
    from twin.core.errors import InvalidInputError

    migrate(settings.resolved_database_url)
    database = Database(settings.resolved_database_url)
    try:
        with database.session() as session:
            if not accounts.has_admin(session):
                raise InvalidInputError(
                    "no admin account: create one first with "
                    "'twin users add NAME --role admin' (or run 'twin demo')")
    finally:
        database.dispose()


def _serve_workers(settings: "Settings") -> None:
    """Several uvicorn workers (processes) on PostgreSQL; each builds its app from the
    environment, hence the settings go there."""
    import os

    import uvicorn

    from twin.core.database import migrate

    _check_workers(settings)
    url = settings.resolved_database_url
    migrate(url)  # once, before the workers start
    os.environ.update({"TWIN_WORKERS": str(settings.workers), "TWIN_DATABASE_URL": url,
                       "TWIN_DATA_DIR": str(settings.data_dir.resolve())})
    if settings.mqtt_url and not settings.mqtt_share_group:
        os.environ["TWIN_MQTT_SHARE_GROUP"] = "twin"
    uvicorn.run("twin.api.workers:worker_app", factory=True, workers=settings.workers,
                host=settings.host, port=settings.port, log_level="warning")


@app.command()
@reports_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Server processes (PostgreSQL only; TWIN_WORKERS).")] = None,
) -> None:
    """Run the API server (uvicorn) on the configured database and data folder."""
    settings = cli_settings(host=host, port=port, workers=workers)
    _check_workers(settings)
    _check_admin(settings)
    stderr.print(f"serving on http://{settings.host}:{settings.port} (API docs at /docs)",
                 highlight=False)
    _serve(settings)


@app.command()
@reports_errors
def demo(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    schema: Annotated[str, typer.Option(help="IFC4, IFC4X3 or IFC2X3.")] = "IFC4",
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve",
                                            help="Start the server after set-up.")] = True,
    simulate: Annotated[bool, typer.Option("--simulate/--no-simulate",
                                           help="Drive the sample's devices.")] = True,
    backfill_hours: Annotated[float, typer.Option(
        help="Simulated history to catch up on first (fast), before real time.")] = 24.0,
) -> None:
    """The product's main job: the sample building, its users and the API on 127.0.0.1.

    Data goes to ``TWIN_DATA_DIR`` (default ``./twin-data``): an SQLite database, the
    generated sample building with its allocations and devices, and the model cache. The
    first run generates and loads everything; later runs reuse it.
    """
    from twin.demo import DEMO_USERS, prepare_demo

    settings = cli_settings(host="127.0.0.1", port=port, simulate=simulate,
                            simulate_backfill_hours=backfill_hours)
    with stderr.status("preparing the demo", spinner="dots") as status:
        state = prepare_demo(settings, schema=schema, step=lambda m: status.update(m))
    base = f"http://127.0.0.1:{port}"
    stdout.print(f"[bold]Facility twin demo[/bold] — data in {settings.data_dir.resolve()}")
    stdout.print(f"  building {state.building_id}: {state.model_path}", highlight=False)
    stdout.print(f"  web app    {base}/  (房管 运维 节能 会议 公物仓 安防 车管)", highlight=False)
    stdout.print(f"  API        {base}/buildings/{state.building_id}/spaces", highlight=False)
    stdout.print(f"  viewer     {base}/viewer", highlight=False)
    stdout.print(f"  live       {base}/buildings/{state.building_id}/state/spaces"
                 "?kind=temperature  (push: ws …/stream?token=…)", highlight=False)
    stdout.print(f"  API docs   {base}/docs", highlight=False)
    stdout.print(f"  health     {base}/health", highlight=False)
    if simulate:
        via = f"MQTT broker {settings.mqtt_url}" if settings.mqtt_url else "in-process"
        stdout.print(f"  simulator  sample devices, {backfill_hours:g} h of history first, "
                     f"{via}", highlight=False)
    stdout.print("  demo users (POST /auth/token with username and password):")
    for username, (role, password) in DEMO_USERS.items():
        stdout.print(f"    {username:12} {password:24} {role}", highlight=False)
    if serve_api:
        _serve(settings)


users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
@reports_errors
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, housing_officer, maintenance, manager, "
                                           "viewer")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                          confirmation_prompt=True)],
    building: Annotated[list[int] | None, typer.Option(help="Building id in scope.")] = None,
) -> None:
    """Create an account, scoped to the given buildings."""
    from twin.core import accounts

    with open_database() as db, db.session() as session:
        accounts.add_user(session, username=username, password=password, role=role,
                          actor="cli")
        session.flush()
        if building:
            accounts.set_user_buildings(session, username, building, actor="cli")
    stderr.print(f"added {username} ({role})", highlight=False)


@users_app.command("list")
@reports_errors
def users_list() -> None:
    """List accounts."""
    from twin.core import accounts

    with open_database() as db, db.session() as session:
        for user in accounts.list_users(session):
            scope = "all buildings" if user.all_buildings else \
                ", ".join(str(b.building_id) for b in user.buildings) or "no buildings"
            stdout.print(f"{user.username:16} {user.role:16} {scope}", highlight=False)


@users_app.command("scope")
@reports_errors
def users_scope(
    username: str,
    add: Annotated[list[int] | None, typer.Option("--add", help="Building id to add.")] = None,
    remove: Annotated[list[int] | None, typer.Option("--remove",
                                                     help="Building id to take out.")] = None,
) -> None:
    """Show an account's buildings, or add and remove buildings in its scope."""
    from twin.core import scopes
    from twin.core.accounts import get_user

    with open_database() as db, db.session() as session:
        if add:
            scopes.add_to_scope(session, username, add, actor="cli")
        if remove:
            scopes.remove_from_scope(session, username, remove, actor="cli")
        user = get_user(session, username)
        listed = "all buildings" if user.all_buildings else \
            ", ".join(map(str, scopes.scope_of(user))) or "no buildings"
        stdout.print(f"{user.username}: {listed}", highlight=False)


@users_app.command("remove")
@reports_errors
def users_remove(username: str) -> None:
    """Delete an account."""
    from twin.core import accounts

    with open_database() as db, db.session() as session:
        accounts.remove_user(session, username, actor="cli")
    stderr.print(f"removed {username}", highlight=False)


@app.command()
@reports_errors
def backup(
    out: Annotated[Path, typer.Option("--out", help="The archive to write (.tar.gz).")],
) -> None:
    """Back up the database (SQLite online backup or pg_dump) and the data folder's files."""
    from twin.core.backup import backup as run_backup

    report = run_backup(cli_settings(), out)
    rows = sum(report.counts.values())
    stderr.print(f"backed up {report.engine}: {rows} rows in {len(report.counts)} tables, "
                 f"{report.files} files -> {report.path}", highlight=False)


@app.command()
@reports_errors
def restore(
    archive: Annotated[Path, typer.Argument(help="A twin backup archive.")],
    force: Annotated[bool, typer.Option(help="Replace a database that holds data.")] = False,
) -> None:
    """Restore a backup into the configured database and data folder; checks row counts."""
    from twin.core.backup import restore as run_restore
    from twin.core.database import migrate
    from twin.core.errors import TwinError

    report = run_restore(cli_settings(), archive, force=force, migrate=migrate)
    if report.mismatches:
        raise TwinError("restored, but row counts differ from the backup: " + ", ".join(
            f"{t} {a} -> {b}" for t, (a, b) in sorted(report.mismatches.items())))
    stderr.print(f"restored {report.engine}: {sum(report.counts.values())} rows, "
                 f"{report.files} files", highlight=False)


@app.command()
def version() -> None:
    """Print the version of the twin and of the IFC parser."""
    from twin.cli.launch import version_line

    # Plain text: rich's console is not worth importing for one line.
    typer.echo(version_line(), nl=False)


for domain_commands in (portfolio_commands, housing_commands, iot_commands,
                        maintenance_commands, scene_commands, standards_commands,
                        energy_commands, meetings_commands, assets_commands, security_commands):
    domain_commands.register(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
