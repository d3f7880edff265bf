"""The ``twin`` console script: answers ``twin version`` and a cached
``twin inspect FILE --json`` before the command-line framework loads, and hands everything else
to :mod:`twin.cli.app`.

Importing typer (and the pydantic it brings) costs more than printing a version or reading a
cached summary (a hash of the file and one small pickle), so these two read-only answers, the
ones asked for in scripts and loops, are given first, by the same functions the full commands
use. Anything else — another command, other options, a cache miss, a file that is not there —
goes through the full command line, which also reports the errors.
"""

from __future__ import annotations

import sys

__all__ = ["cached_inspect_json", "main", "version_line"]


def cached_inspect_json(argv: list[str]) -> str | None:
    """The output of ``twin inspect FILE --json`` when ``argv`` asks exactly that and the
    summary of FILE is in the cache; ``None`` otherwise (the full command line answers)."""
    if len(argv) != 3 or argv[0] != "inspect" or "--json" not in argv[1:]:
        return None
    path = argv[2] if argv[1] == "--json" else argv[1]
    if path.startswith("-"):
        return None
    from spaces.summary import cached_summary, summary_json

    try:
        summary = cached_summary(path)
    except (OSError, ValueError):  # unreadable file or cache entry: the full path reports it
        return None
    return None if summary is None else summary_json(summary)


def version_line() -> str:
    """What ``twin version`` prints: the twin's and the parser's versions."""
    from importlib.metadata import version

    from bim_models.versions import PARSER_VERSION

    return f"facility-twin {version('facility-twin')} (parser {PARSER_VERSION})\n"


def main() -> None:
    """Console-script entry point (``twin``)."""
    argv = sys.argv[1:]
    text = version_line() if argv == ["version"] else cached_inspect_json(argv)
    if text is not None:
        sys.stdout.write(text)
        return
    from twin.cli.app import main as full_command_line

    full_command_line()
