"""Read an allocations file (CSV/XLSX) in a child process under a time and a memory limit.

The server does not read an uploaded allocations file itself: :func:`read_in_worker` runs
``python -m twin.housing.import_worker FILE MEMORY_MB`` (the room labels on stdin as JSON), which
calls :func:`spaces.allocations.read_allocations` with the grade check of the rule set in force
and prints the result as one JSON line. A file too big or too slow to read (300,000 XLSX rows
held a server core for ten minutes) ends the child, never the server: the request gets a 413
naming the limit (``TWIN_IMPORT_TIMEOUT_S``, ``TWIN_IMPORT_MEMORY_MB``).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from spaces.allocations import (
    AllocationImportError,
    Allocations,
    Assignment,
    ImportProblem,
    Person,
)
from twin.core.errors import TooLargeError

__all__ = ["allocations_from_json", "allocations_to_json", "main", "read_in_worker"]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def allocations_to_json(allocations: Allocations) -> dict[str, Any]:
    """``allocations`` as JSON-ready data (dates as ISO text)."""
    def iso(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "people": [[p.person_id, p.name, p.department, p.org_level, p.subordinate, p.grade,
                    p.status, iso(p.status_date), dict(p.extra)]
                   for p in allocations.people.values()],
        "assignments": [[a.person_id, a.space, a.room, iso(a.start), iso(a.end),
                         a.register_area, a.row] for a in allocations.assignments],
        "problems": [[p.row, p.column, p.value, p.reason] for p in allocations.problems]}


def allocations_from_json(data: Mapping[str, Any]) -> Allocations:
    """The inverse of :func:`allocations_to_json`."""
    people = {}
    for pid, name, dept, level, sub, grade, status, status_date, extra in data["people"]:
        people[pid] = Person(pid, name, dept, level, sub, grade, status, _day(status_date),
                             extra)
    return Allocations(
        people=people,
        assignments=[Assignment(pid, space, room, _day(start), _day(end), area, row)
                     for pid, space, room, start, end, area, row in data["assignments"]],
        problems=[ImportProblem(*p) for p in data["problems"]])


def read_in_worker(path: Path, rooms: Mapping[str, str], *, timeout_s: float,
                   memory_mb: int) -> Allocations:
    """:func:`spaces.allocations.read_allocations` of ``path`` in a child process.

    Parameters
    ----------
    path : Path
        The uploaded ``.csv`` / ``.xlsx`` file.
    rooms : mapping of str to str
        Room label -> GlobalId (:func:`spaces.compliance.room_labels`).
    timeout_s, memory_mb : float, int
        The child's limits.

    Raises
    ------
    TooLargeError
        The child went over a limit (413).
    AllocationImportError
        The file is not allocations (missing columns, unreadable).
    """
    command = [sys.executable, "-m", "twin.housing.import_worker", str(path), str(memory_mb)]
    try:
        done = subprocess.run(command, input=json.dumps(dict(rooms)), capture_output=True,
                              text=True, check=False, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise TooLargeError(
            f"reading the allocations file took longer than the import limit of "
            f"{timeout_s:g} s (TWIN_IMPORT_TIMEOUT_S); split it into smaller files") from None
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        answer = {}
    if answer.get("ok"):
        return allocations_from_json(answer["allocations"])
    if answer.get("refused"):
        raise AllocationImportError(answer["refused"])
    raise TooLargeError(answer.get("error") or
                        f"reading the allocations file stopped (exit code {done.returncode}) "
                        f"under the import memory limit of {memory_mb} MiB "
                        "(TWIN_IMPORT_MEMORY_MB); split it into smaller files")


def main(argv: list[str]) -> int:
    """Read ``argv[0]`` with the room labels from stdin; print ``{"ok": true, "allocations"}``,
    ``{"ok": false, "refused": ...}`` (not allocations) or ``{"ok": false, "error": ...}``."""
    path, memory_mb = Path(argv[0]), int(argv[1])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        rooms = json.loads(sys.stdin.read())
        from spaces.allocations import read_allocations
        from spaces.area_standards import rule_set_for
        from spaces.errors import SpacesError
        from twin.housing.service import grade_checker

        try:
            imported = read_allocations(path, rooms=rooms,
                                        check_grade=grade_checker(rule_set_for(date.today())))
        except SpacesError as error:
            print(json.dumps({"ok": False, "refused": str(error)}))
            return 2
        print(json.dumps({"ok": True, "allocations": allocations_to_json(imported)},
                         ensure_ascii=False))
    except MemoryError:
        print(json.dumps({"ok": False, "error": f"reading the allocations file went over the "
                                                f"import memory limit of {memory_mb} MiB "
                                                "(TWIN_IMPORT_MEMORY_MB); split it into "
                                                "smaller files"}))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
