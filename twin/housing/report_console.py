"""Printing and writing compliance reports (table, CSV, JSON) for ``twin compliance``."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from rich.console import Console
from rich.table import Table

from spaces.compliance import ComplianceReport
from twin.core.cells import safe_row

__all__ = ["CSV_COLUMNS", "print_report", "report_csv", "report_json"]

CSV_COLUMNS = ("global_id", "room", "storey", "occupants", "area_used", "area_source", "limit",
               "verdict", "excess_m2", "excess_pct", "flags", "reason")


def report_csv(report: ComplianceReport) -> str:
    """One row per judged room (see :data:`CSV_COLUMNS`), then one per person finding."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for v in report.rooms:
        writer.writerow(safe_row([v.global_id, v.room, v.storey or "", ";".join(v.occupants),
                         "" if v.area_used is None else f"{v.area_used:.2f}",
                         v.area_source or "", "" if v.limit_m2 is None else f"{v.limit_m2:.2f}",
                         v.verdict, "" if v.excess_m2 is None else f"{v.excess_m2:.2f}",
                         "" if v.excess_pct is None else f"{v.excess_pct:.1f}",
                         ";".join(v.flags), v.reason]))
    return out.getvalue()


def report_json(report: ComplianceReport) -> str:
    """The whole report as JSON."""
    return json.dumps({"day": report.day.isoformat(), "rule_set": report.rule_set,
                       "rooms": [asdict(v) for v in report.rooms],
                       "people": [asdict(p) for p in report.people]},
                      ensure_ascii=False, indent=1, default=str)


def print_report(console: Console, report: ComplianceReport, problems: list) -> None:
    """Findings first (everything not compliant), then the counts and refused import rows."""
    groups = report.by_verdict()
    table = Table(title=f"Office-space findings on {report.day} ({report.rule_set})")
    for column in ("room", "storey", "verdict", "occupants", "area m²", "limit m²", "excess",
                   "flags"):
        table.add_column(column, overflow="fold")
    for v in report.rooms:
        if v.verdict == "compliant" and not v.flags:
            continue
        table.add_row(v.room, v.storey or "", v.verdict, str(len(v.occupants)),
                      "—" if v.area_used is None else f"{v.area_used:.1f} ({v.area_source})",
                      "—" if v.limit_m2 is None else f"{v.limit_m2:.1f}",
                      "" if v.excess_m2 is None else f"+{v.excess_m2:.1f} ({v.excess_pct}%)",
                      ", ".join(v.flags))
    console.print(table)
    for p in report.people:
        console.print(f"{p.kind}: {p.person_id} {p.name} ({p.department}) — {p.reason}: "
                      f"{', '.join(p.rooms)}", highlight=False)
    console.print("  ".join(f"{k} {len(v)}" for k, v in groups.items()), highlight=False)
    for problem in problems:
        console.print(f"[yellow]row {problem.row} refused[/yellow] ({problem.column}="
                      f"{problem.value!r}): {problem.reason}", highlight=False)
