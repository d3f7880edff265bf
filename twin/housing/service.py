"""Office-space management in the running system: the one implementation of each housing query
that the API and the CLI share — which rule set applies, the compliance report of a building,
its filters, and allocation imports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from spaces.allocations import Allocations, read_allocations
from spaces.area_standards import RuleSet, bundled_rule_sets, load_rule_set, rule_set_for
from spaces.compliance import (
    ComplianceReport,
    PersonFinding,
    RoomVerdict,
    assess,
    attached_rooms,
    room_labels,
)
from spaces.errors import RuleSetError, SpacesError
from twin.core.errors import InvalidInputError
from twin.core.model_store import GraphStore, model_file
from twin.core.settings import Settings
from twin.core.tables import Building
from twin.housing import store
from twin.portfolio.service import latest_revision

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["BuildingCompliance", "building_compliance", "filter_compliance", "grade_checker",
           "import_allocations", "judge_building", "resolve_rule_set", "write_rectification"]


def resolve_rule_set(rules: str | None, day: date, *, tolerance: float | None = None,
                     allow_files: bool = False) -> RuleSet:
    """The rule set to judge with: a bundled key, a ``.toml`` file, or (``None``) the Chinese
    edition in force on ``day``; with ``tolerance`` (m²) laid over it.

    Parameters
    ----------
    rules : str or None
        ``cn-2014``, ``cn-1999``, ``uk-2016``, ``us-2025``, a path ending in ``.toml``, or None.
    day : date
        The day judged (picks the edition in force when ``rules`` is None).
    tolerance : float, optional
        Tolerance in m² replacing the rule set's own.
    allow_files : bool
        Whether ``rules`` may name a file. The CLI allows it; the API does not (a client must
        not make the server read a path of its choosing) and says so.

    Raises
    ------
    InvalidInputError
        An unknown key, a file where files are not allowed, or a file that is not a rule set.
    """
    bundled = bundled_rule_sets()
    choices = f"bundled: {', '.join(bundled)}"
    try:
        if rules is None:
            rule_set = rule_set_for(day)
        elif rules.endswith(".toml"):
            if not allow_files:
                raise InvalidInputError(f"rule set files are read by the CLI only; {choices}")
            rule_set = load_rule_set(rules)
        elif rules in bundled:
            rule_set = bundled[rules]
        else:
            raise InvalidInputError(f"unknown rule set {rules!r}; {choices}"
                                    + (", or a .toml file" if allow_files else ""))
    except RuleSetError as exc:
        raise InvalidInputError(f"no rule set {rules or 'in force on ' + str(day)}: {exc}; "
                                f"{choices}") from exc
    return rule_set.with_tolerance(tolerance) if tolerance is not None else rule_set


def grade_checker(rule_set: RuleSet):
    """A check for allocation imports: refuses a grade the rule set has no limit for."""

    refused: dict[tuple[str, str, bool], str | None] = {}  # a few grades, many rows

    def check(grade: str, org_level: str, subordinate: bool) -> None:
        key = (grade, org_level, subordinate)
        if key not in refused:
            try:
                rule_set.limit(grade, org_level, subordinate=subordinate)
                refused[key] = None
            except SpacesError as error:
                refused[key] = str(error)
        if refused[key] is not None:
            raise SpacesError(refused[key])

    return check


@dataclass(frozen=True, slots=True)
class BuildingCompliance:
    """A building's compliance report with the allocations it judged."""

    report: ComplianceReport
    allocations: Allocations


def building_compliance(session: Session, building: Building, graph: nx.MultiDiGraph, *,
                        rule_set: RuleSet, day: date) -> BuildingCompliance:
    """Judge every office of a stored building with its stored allocations on ``day``."""
    allocations = store.load_allocations(session, building)
    rooms = store.room_facts_of(session, building)
    report = assess(rooms, allocations, rule_set, day=day,
                    attached=attached_rooms(graph, rooms))
    return BuildingCompliance(report, allocations)


def judge_building(session: Session, building: Building, graphs: GraphStore, *,
                   rules: str | None, day: date) -> BuildingCompliance:
    """Judge a stored building on ``day`` under the rule set ``rules`` names (bundled keys
    only, :func:`resolve_rule_set`), with the graph of its latest revision."""
    rule_set = resolve_rule_set(rules, day)
    graph = graphs.get(latest_revision(session, building).sha256)
    return building_compliance(session, building, graph, rule_set=rule_set, day=day)


def write_rectification(session: Session, building: Building, graphs: GraphStore,
                        settings: Settings, *, rules: str | None, day: date,
                        suffix: str) -> Path:
    """Judge a stored building and write its rectification report (``.xlsx`` or ``.pdf``, the
    PDF with the storey plans coloured by verdict) into a new temporary folder.

    Returns
    -------
    Path
        The report; the caller removes its folder (``path.parent``) when done with it.
    """
    import shutil
    import tempfile

    from spaces import open_building
    from twin.housing import report_files

    judged = judge_building(session, building, graphs, rules=rules, day=day)
    folder = Path(tempfile.mkdtemp(prefix="rectification-"))
    path = folder / f"building-{building.id}-rectification-{day}{suffix}"
    try:
        if suffix == ".xlsx":
            report_files.write_xlsx(judged.report, judged.allocations, path)
        else:
            sha256 = latest_revision(session, building).sha256
            model, graph = open_building(model_file(settings, sha256),
                                         cache_dir=settings.resolved_cache_dir)
            report_files.write_pdf(judged.report, judged.allocations, path, model=model,
                                   graph=graph, building=building.name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def filter_compliance(judged: BuildingCompliance, *, verdict: str | None = None,
                      storey: str | None = None, department: str | None = None
                      ) -> tuple[list[RoomVerdict], list[PersonFinding]]:
    """The rooms and person findings of a report that match the filters.

    A room matches a department when one of its occupants belongs to it.
    """
    departments = {pid: p.department for pid, p in judged.allocations.people.items()}
    rooms = [v for v in judged.report.rooms
             if (verdict is None or v.verdict == verdict)
             and (storey is None or v.storey == storey)
             and (department is None or any(departments.get(o) == department
                                            for o in v.occupants))]
    people = [p for p in judged.report.people
              if department is None or p.department == department]
    return rooms, people


def import_allocations(session: Session, building: Building, path: Path, *,
                       actor: str, limits: tuple[float, int] | None = None) -> Allocations:
    """Replace a building's allocations with the good rows of a CSV/XLSX file.

    Rows naming an unknown room or a grade the rule set in force has no limit for are refused
    and listed in ``Allocations.problems``; a file that cannot be read, or one whose every
    row is refused, changes nothing.

    Parameters
    ----------
    limits : (float, int), optional
        ``(timeout_s, memory_mb)``: read the file in a child process under these limits
        (:mod:`twin.housing.import_worker`; the server does so). Without: in this process
        (the CLI).

    Raises
    ------
    InvalidInputError
        Every row was refused (the problems in ``detail``).
    TooLargeError
        Reading the file went over ``limits``.
    """
    rooms = store.room_facts_of(session, building)
    if limits is not None:
        from twin.housing.import_worker import read_in_worker

        imported = read_in_worker(path, room_labels(rooms), timeout_s=limits[0],
                                  memory_mb=limits[1])
    else:
        imported = read_allocations(path, rooms=room_labels(rooms),
                                    check_grade=grade_checker(rule_set_for(date.today())))
    if not imported.people and imported.problems:  # every row refused: keep what is there
        raise InvalidInputError(
            f"every row of the file was refused ({len(imported.problems)}); the allocations "
            f"are unchanged", [asdict(p) for p in imported.problems[:100]])
    store.replace_allocations(session, building, imported, actor=actor)
    return imported
