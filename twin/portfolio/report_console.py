"""Rich tables for the inspection summary printed by ``twin inspect`` and ``twin demo``."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["print_summary"]


def _num(value: float | None, fmt: str = "{:.2f}") -> str:
    return "—" if value is None else fmt.format(value)


def print_summary(console: Console, summary: dict[str, Any], *, brief: bool = False) -> None:
    """Print a summary from :func:`spaces.summarise` as tables.

    With ``brief`` only the counts, the storeys and the warnings are printed (not every space
    and item of equipment).
    """
    counts = summary["counts"]
    console.print(f"[bold]{summary['file']}[/bold]  schema {summary['schema_identifier']}")
    console.print("  ".join(f"{k} {v}" for k, v in counts.items()), highlight=False)

    storeys = Table(title="Storeys")
    for column in ("storey", "elevation m", "spaces", "Qto area m²", "geometry area m²"):
        storeys.add_column(column, justify="left" if column == "storey" else "right")
    for s in summary["storeys"]:
        storeys.add_row(s["name"] or s["global_id"], _num(s["elevation"]), str(s["spaces"]),
                        _num(s["area_qto"]), _num(s["area_geometry"]))
    console.print(storeys)
    if brief:
        by_class: dict[str, int] = {}
        for e in summary["equipment"]:
            by_class[e["ifc_class"]] = by_class.get(e["ifc_class"], 0) + 1
        console.print("equipment: " + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items())),
                      highlight=False)
        _print_warnings(console, summary["warnings"])
        return

    spaces = Table(title="Spaces")
    for column in ("space", "long name", "storey", "Qto m²", "geometry m²", "diff m²"):
        spaces.add_column(column, justify="right" if "m²" in column else "left",
                          overflow="fold")
    for s in summary["spaces"]:
        spaces.add_row(s["name"] or "", s["long_name"] or "", s["storey"] or "",
                       _num(s["area_qto"]), _num(s["area_geometry"]),
                       _num(s["area_difference"], "{:+.2f}"))
    console.print(spaces)

    if summary["equipment"]:
        equipment = Table(title="Equipment")
        for column in ("name", "class", "storey", "space", "provenance", "confidence"):
            equipment.add_column(column, overflow="fold")
        for e in summary["equipment"]:
            equipment.add_row(e["name"] or e["global_id"], e["ifc_class"], e["storey"] or "",
                              e["space_name"] or "", e["provenance"] or "",
                              _num(e["confidence"], "{:.1f}"))
        console.print(equipment)

    _print_warnings(console, summary["warnings"])


def _print_warnings(console: Console, warnings: list[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
