"""Commands of 数字节能 (energy)."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
from twin.core.console import Commands

__all__ = ["commands"]

commands = Commands()
