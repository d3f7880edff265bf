"""Commands of 会议一件事 (meetings)."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
from twin.core.console import Commands

__all__ = ["commands"]

commands = Commands()
