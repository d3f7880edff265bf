"""A throw-away PostgreSQL server for the storage tests, started and removed by the tests.

:func:`running_postgres` runs ``initdb`` in a new temporary directory, starts ``postgres`` on a
free port of 127.0.0.1 only (no other address, no Docker, no system cluster), creates the
database ``twin_test`` and yields its SQLAlchemy URL; on exit it stops the server and deletes
the directory. :func:`postgres_url` is the same as a session-scoped pytest fixture::

    from pg_server import postgres_url  # noqa: F401  (registers the fixture)

The server binaries come from ``pg_config --bindir`` or Debian's
``/usr/lib/postgresql/<version>/bin`` (the newest); ``scripts/ensure-postgres.sh`` installs
them. PostgreSQL refuses to run as root: as root, ``initdb`` and ``postgres`` run as the
``postgres`` system user that Debian's package creates, and the temporary directory belongs to
that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from ports import free_port

__all__ = ["DATABASE", "USER", "find_bindir", "postgres_url", "running_postgres"]

#: The database created for the tests.
DATABASE = "twin_test"
#: The superuser of the test cluster (``initdb -U``); it logs in without password (trust).
USER = "twin"
#: The system user that runs the server when the tests run as root.
SYSTEM_USER = "postgres"
#: Seconds to wait for the server to accept connections.
START_TIMEOUT = 30.0
#: Seconds to wait for a fast shutdown (SIGINT) before killing the server.
STOP_TIMEOUT = 15.0
#: Attempts with a new port when another process took the chosen one before the server did.
PORT_ATTEMPTS = 3
#: Where Debian's packages put the binaries of each major version: ``<root>/<version>/bin``.
DEBIAN_ROOT = Path("/usr/lib/postgresql")

_HINT = "run scripts/ensure-postgres.sh to install Debian's postgresql package"


def _is_server_bindir(path: Path) -> bool:
    return all(os.access(path / name, os.X_OK) for name in ("initdb", "postgres"))


def _version_key(path: Path) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` -> ``(15,)``; unknown versions sort first."""
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (-1,)


def find_bindir() -> Path:
    """Find the directory of the PostgreSQL server binaries ``initdb`` and ``postgres``.

    Returns
    -------
    Path
        ``pg_config --bindir`` when it holds both binaries, else the newest
        ``/usr/lib/postgresql/<version>/bin`` that does.

    Raises
    ------
    RuntimeError
        When no such directory exists (the server is not installed).
    """
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out and _is_server_bindir(Path(out)):
                return Path(out)
    candidates = sorted(DEBIAN_ROOT.glob("*/bin"), key=_version_key, reverse=True)
    for bindir in candidates:
        if _is_server_bindir(bindir):
            return bindir
    raise RuntimeError(
        "no PostgreSQL server found: neither `pg_config --bindir` nor "
        f"{DEBIAN_ROOT}/*/bin holds initdb and postgres; {_HINT}"
    )


@dataclass(frozen=True)
class _RunAs:
    """Keyword arguments for :class:`subprocess.Popen` that run a command as another user."""

    uid: int | None = None
    gid: int | None = None

    def popen_kwargs(self) -> dict[str, object]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def _run_as() -> _RunAs:
    """The user to run PostgreSQL as: ourselves, or ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return _RunAs()
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise RuntimeError(
            f"the tests run as root, which PostgreSQL refuses, and there is no {SYSTEM_USER!r} "
            f"system user to run the server as; {_HINT}"
        ) from None
    return _RunAs(entry.pw_uid, entry.pw_gid)


def _child_env() -> dict[str, str]:
    """Our environment without libpq/PostgreSQL variables that could redirect the server."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the server shut down fast if this process dies (Linux).

    ``PR_SET_PDEATHSIG`` is set after the user switch (``preexec_fn`` runs last), which would
    otherwise clear it. Linux sends the signal when the *thread* that started the server ends,
    hence :func:`running_postgres` must not outlive the thread it was entered in. Elsewhere:
    ``None``, the server then only stops through our teardown.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        libc.prctl(pr_set_pdeathsig, int(signal.SIGINT))

    return preexec


def _log_tail(log: Path, lines: int = 25) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


def _connect(port: int, dbname: str, timeout: float = 2.0) -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1",
        port=port,
        user=USER,
        dbname=dbname,
        connect_timeout=max(1, round(timeout)),
        sslmode="disable",
        autocommit=True,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Fast shutdown (SIGINT: abort sessions, checkpoint, exit), then kill if it hangs."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait()


def _start(
    bindir: Path, data: Path, sockets: Path, log: Path, run_as: _RunAs
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``postgres`` on a free port of 127.0.0.1; return it once it accepts connections.

    A new port is tried when the chosen one was taken in the meantime (parallel test workers).
    """
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        command = [
            str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(sockets),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        ]  # fmt: skip
        with log.open("ab") as log_file:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=data.parent,
                env=_child_env(),
                start_new_session=True,
                preexec_fn=_die_with_parent(),
                **run_as.popen_kwargs(),
            )
        deadline = time.monotonic() + START_TIMEOUT
        last_error: Exception | None = None
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                with _connect(port, "postgres"):
                    return proc, port
            except psycopg.OperationalError as exc:
                last_error = exc
                time.sleep(0.05)
        exited = proc.poll() is not None
        _stop(proc)
        tail = _log_tail(log)
        if exited and "Address already in use" in tail and attempt < PORT_ATTEMPTS:
            continue
        reason = (
            f"exited with code {proc.returncode}"
            if exited
            else f"did not accept connections within {START_TIMEOUT:.0f} s ({last_error})"
        )
        raise RuntimeError(
            f"the test PostgreSQL server ({bindir / 'postgres'}, port {port}) {reason}; "
            f"last lines of its log:\n{tail}"
        )
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Run a throw-away PostgreSQL server on 127.0.0.1 for the duration of the block.

    Runs ``initdb`` in a new temporary directory (superuser ``twin``, trust authentication,
    UTF8, no locale, no fsync), starts ``postgres`` on a free port listening on 127.0.0.1 only
    (its Unix socket in the temporary directory; fsync, synchronous commit and full page writes
    off: the data is thrown away anyway), waits until it accepts connections and creates the
    database ``twin_test``. On exit, also when the block raised, it stops the server (fast
    shutdown, then kill) and deletes the temporary directory. As root, ``initdb`` and the server
    run as the ``postgres`` system user, which owns the temporary directory.

    Yields
    ------
    str
        The SQLAlchemy URL ``postgresql+psycopg://twin@127.0.0.1:<port>/twin_test``.

    Raises
    ------
    RuntimeError
        When the server binaries or, as root, the ``postgres`` user are missing, or when
        ``initdb`` fails or the server does not start (with the tail of its log).

    Notes
    -----
    On Linux the server also shuts down when the thread that entered the block ends (so that a
    killed test run leaves no server behind; its temporary directory does stay): enter and
    leave the block in the same, long-enough-lived thread, as pytest fixtures do.
    """
    bindir = find_bindir()
    run_as = _run_as()
    tmp = Path(tempfile.mkdtemp(prefix="twin-pg-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        if run_as.uid is not None:
            os.chown(tmp, run_as.uid, run_as.gid)
        data, log = tmp / "data", tmp / "postgres.log"
        initdb = subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
             "--no-locale", "--no-sync"],
            capture_output=True,
            text=True,
            cwd=tmp,
            env=_child_env(),
            check=False,
            **run_as.popen_kwargs(),
        )  # fmt: skip
        if initdb.returncode != 0:
            output = "\n".join((initdb.stdout + initdb.stderr).splitlines()[-25:])
            hint = (
                f" (as root, initdb runs as {SYSTEM_USER!r}, which must be able to reach {tmp}:"
                " point TMPDIR to a directory it can reach, e.g. TMPDIR=/tmp)"
                if run_as.uid is not None
                else ""
            )
            raise RuntimeError(f"initdb failed (exit code {initdb.returncode}){hint}:\n{output}")
        proc, port = _start(bindir, data, tmp, log, run_as)
        with _connect(port, "postgres") as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        try:
            if proc is not None:
                _stop(proc)
        finally:
            shutil.rmtree(tmp)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Session-scoped pytest fixture: the URL of a :func:`running_postgres` server.

    One server per test session (per worker with pytest-xdist), started on first use.

    Yields
    ------
    str
        ``postgresql+psycopg://twin@127.0.0.1:<port>/twin_test``.
    """
    with running_postgres() as url:
        yield url
