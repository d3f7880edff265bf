"""Room allocations: people, their grades and statuses, and who holds which room when.

:func:`read_allocations` imports the CSV/XLSX format documented in the README (headers
``person_id, name, department, org_level, subordinate, grade, status, status_date, room, from,
to``; other columns are kept) and validates every row: good rows are imported, bad rows are
listed with their reasons, and nothing is half-written (the result is plain data; callers
persist it in one transaction or not at all).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from spaces.errors import SpacesError

__all__ = [
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "STATUSES",
    "AllocationImportError",
    "Allocations",
    "Assignment",
    "ImportProblem",
    "Person",
    "read_allocations",
]

REQUIRED_COLUMNS = ("person_id", "name", "department", "org_level", "subordinate", "grade",
                    "status", "status_date", "room", "from", "to")
STATUSES = ("active", "transferred", "retired")
_YES, _NO = {"yes", "y", "true", "1", "是"}, {"no", "n", "false", "0", "否", ""}


class AllocationImportError(SpacesError):
    """The file cannot be read as allocations at all (missing columns, unreadable file)."""


@dataclass(frozen=True, slots=True)
class Person:
    """A member of staff. ``extra`` keeps the import's other columns."""

    person_id: str
    name: str
    department: str
    org_level: str
    subordinate: bool
    grade: str
    status: str
    status_date: date | None
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Assignment:
    """``person_id`` holds ``space`` (GlobalId) from ``start`` until ``end`` (``None``: open)."""

    person_id: str
    space: str
    room: str
    start: date | None
    end: date | None
    register_area: float | None
    row: int

    def holds_on(self, day: date) -> bool:
        """True if the assignment covers ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or self.end > day)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """Why row ``row`` (1 = the header) was not imported."""

    row: int
    column: str | None
    value: str | None
    reason: str


@dataclass
class Allocations:
    """The imported people and assignments, and the rows that were refused."""

    people: dict[str, Person] = field(default_factory=dict)
    assignments: list[Assignment] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    def rooms_of(self, person_id: str, day: date) -> list[str]:
        """GlobalIds of the spaces ``person_id`` holds on ``day``."""
        return [a.space for a in self.assignments if a.person_id == person_id
                and a.holds_on(day)]


#: The most rows an import reads (a bigger file is refused before it is judged).
MAX_ROWS = 100_000


def _table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV or XLSX file."""
    if not path.is_file():
        raise AllocationImportError(f"{path.name}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook
        except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
            raise AllocationImportError("reading .xlsx needs openpyxl") from exc
        try:
            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        except (OSError, ValueError, KeyError) as exc:
            raise AllocationImportError(f"{path.name}: not a readable workbook "
                                        f"({type(exc).__name__})") from exc
        values = list(itertools.islice(sheet.iter_rows(values_only=True), MAX_ROWS + 2))
        if len(values) > MAX_ROWS + 1:
            raise AllocationImportError(f"{path.name}: more than {MAX_ROWS:,} rows")
        header = [str(v).strip() if v is not None else "" for v in values[0]] if values else []
        return header, [{h: _cell(v) for h, v in zip(header, row, strict=False)}
                        for row in values[1:] if any(v is not None for v in row)]
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK, no BOM
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise AllocationImportError(f"{path.name}: not a UTF-8 or GBK CSV file")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = [{(k or "").strip(): (v if isinstance(v, str) else "").strip()
                 for k, v in row.items()}
                for row in itertools.islice(reader, MAX_ROWS + 1)]
        if len(rows) > MAX_ROWS:
            raise AllocationImportError(f"{path.name}: more than {MAX_ROWS:,} rows")
        return [(h or "").strip() for h in reader.fieldnames or ()], rows
    except csv.Error as exc:
        raise AllocationImportError(f"{path.name}: not a CSV file ({exc})") from exc


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value).strip()


def _date(text: str) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def read_allocations(path: Path | str, *, rooms: Mapping[str, str],
                     check_grade: Callable[[str, str, bool], object] | None = None
                     ) -> Allocations:
    """Import and validate an allocations CSV or XLSX file.

    Parameters
    ----------
    path : Path or str
        ``.csv`` (UTF-8, with or without BOM) or ``.xlsx`` (first sheet).
    rooms : mapping of str to str
        Room label -> space GlobalId: every space's Name, and every GlobalId to itself.
        A label that names two spaces must map to ``""`` (refused as ambiguous).
    check_grade : callable, optional
        ``check_grade(grade, org_level, subordinate)`` raising :class:`SpacesError` for a grade
        the rule set does not know.

    Returns
    -------
    Allocations

    Raises
    ------
    AllocationImportError
        Missing file or columns: nothing can be imported.
    """
    path = Path(path)
    header, rows = _table(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing or not rows:
        what = f"missing columns: {', '.join(missing)}" if missing else "no rows"
        raise AllocationImportError(f"{path.name}: {what}; required: "
                                    f"{', '.join(REQUIRED_COLUMNS)}")
    result, held = Allocations(), {}
    for number, row in enumerate(rows, start=2):
        problem = _import_row(result, row, number, rooms, check_grade, held)
        if problem is not None:
            result.problems.append(problem)
    return result


class _Refused(Exception):
    """A row refused: the column at fault and why (becomes an :class:`ImportProblem`)."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def _import_row(result: Allocations, row: dict[str, str], number: int,
                rooms: Mapping[str, str], check_grade,
                held: dict[tuple[str, str], list[Assignment]]) -> ImportProblem | None:
    """Add row ``number`` to ``result``, or return why it is refused (adding nothing).
    ``held`` indexes the assignments so far by (person, space): the import stays linear."""
    try:
        person, start, end = _person_of(row, check_grade)
        known = result.people.get(person.person_id)
        if known is not None and (known.grade, known.status, known.org_level) != \
                (person.grade, person.status, person.org_level):
            raise _Refused("person_id",
                           "the same person_id with another grade, status or org_level")
        space = _space_of(held, row["room"], rooms, person.person_id, start, end)
        register_area = _register_area(person.extra)
    except _Refused as refused:
        return ImportProblem(number, refused.column, row.get(refused.column), refused.reason)
    result.people.setdefault(person.person_id, person)  # only now: a refused row adds nothing
    if space is not None:
        assignment = Assignment(person.person_id, space, row["room"], start, end,
                                register_area, number)
        result.assignments.append(assignment)
        held.setdefault((person.person_id, space), []).append(assignment)
    return None


def _person_of(row: dict[str, str], check_grade) -> tuple[Person, date | None, date | None]:
    """The person of a row and the assignment's dates; :class:`_Refused` if invalid."""
    if not row["person_id"]:
        raise _Refused("person_id", "empty person_id")
    subordinate_text = row["subordinate"].lower()
    if subordinate_text not in _YES | _NO:
        raise _Refused("subordinate", "subordinate must be yes or no")
    if row["status"] not in STATUSES:
        raise _Refused("status", f"status must be one of {', '.join(STATUSES)}")
    status_date, start, end = _dates(row)
    if start and end and end < start:
        raise _Refused("to", "the assignment ends before it starts")
    if row["status"] != "active" and status_date is None:
        raise _Refused("status_date", f"a {row['status']} person needs a status_date")
    subordinate = subordinate_text in _YES
    if check_grade is not None:
        try:
            check_grade(row["grade"], row["org_level"], subordinate)
        except SpacesError as exc:
            raise _Refused("grade", str(exc)) from exc
    extra = {k: v for k, v in row.items() if k not in REQUIRED_COLUMNS}
    person = Person(row["person_id"], row["name"], row["department"], row["org_level"],
                    subordinate, row["grade"], row["status"], status_date, extra)
    return person, start, end


def _dates(row: dict[str, str]) -> tuple[date | None, date | None, date | None]:
    """``status_date``, ``from`` and ``to`` of a row; :class:`_Refused` naming a bad one."""
    try:
        status_date, start, end = (_date(row[c]) for c in ("status_date", "from", "to"))
    except ValueError:
        column = next(c for c in ("status_date", "from", "to") if not _valid_date(row[c]))
        raise _Refused(column, "not an ISO date (YYYY-MM-DD)") from None
    return status_date, start, end


def _space_of(held: Mapping[tuple[str, str], list[Assignment]], room: str,
              rooms: Mapping[str, str], person_id: str,
              start: date | None, end: date | None) -> str | None:
    """The GlobalId of the room a row assigns (``None``: no room); :class:`_Refused` for an
    unknown or ambiguous room, or one the person already holds over the same days."""
    if not room:
        return None
    space = rooms.get(room)
    if space is None:
        raise _Refused("room", "no space with this number or GlobalId in the model")
    if space == "":
        raise _Refused("room", "several spaces have this number; use the GlobalId")
    for other in held.get((person_id, space), ()):
        if _overlap(other.start, other.end, start, end):
            raise _Refused("from", f"overlaps row {other.row} (same person and room)")
    return space


def _register_area(extra: Mapping[str, str]) -> float | None:
    """The optional ``register_area`` column, m²; :class:`_Refused` if not a number."""
    register = extra.get("register_area", "")
    try:
        return float(register) if register else None
    except ValueError:
        raise _Refused("register_area", "not a number") from None


def _valid_date(text: str) -> bool:
    try:
        _date(text)
    except ValueError:
        return False
    return True


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    low = max(a_start or date.min, b_start or date.min)
    high = min(a_end or date.max, b_end or date.max)
    return low < high
