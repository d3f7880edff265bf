"""A model-quality report (:func:`bim_models.standards.ids.check_ifc`) as text and HTML, and
the lines naming its blocking failures. Plain data in, strings out: no ``ifcopenshell``."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["blocking_failures", "render_html", "render_text"]

_SHOWN = 5


def _named(requirement: dict[str, Any], limit: int = _SHOWN) -> str:
    named = ", ".join(f"{e['ifc_class']} #{e['step_id']} {e['global_id']!r}"
                      for e in requirement["elements"][:limit])
    more = requirement["failed"] - min(limit, len(requirement["elements"]))
    return named + (f", and {more} more" if more > 0 else "")


def blocking_failures(report: dict[str, Any]) -> list[str]:
    """One line per failed blocking requirement, naming up to five of its elements."""
    return [f"{r['name']}: {r['failed']} failing ({_named(r)})"
            for r in report["requirements"] if r["blocking"] and r["status"] == "failed"]


def _verdict(requirement: dict[str, Any]) -> str:
    if requirement["status"] != "failed":
        return requirement["status"].replace("_", " ")
    return "FAILED (blocking)" if requirement["blocking"] else "warning"


def render_text(report: dict[str, Any]) -> str:
    """The report as plain text: a verdict line, then one line per requirement and up to
    twenty failing elements under each."""
    lines = [f"{report['file']} against {report['ids']} ({report['ids_file']}): "
             + ("passed" if report["passed"] else
                "REFUSED by " + ", ".join(report["blocking_failures"]))]
    for r in report["requirements"]:
        lines.append(f"  {r['name']:<28} {_verdict(r):<18} {r['failed']}/{r['applicable']} "
                     f"failing  [{r['source']}] {r['title']}")
        for element in r["elements"][:20]:
            lines.append(f"      {element['ifc_class']} #{element['step_id']} "
                         f"{element['global_id']!r} {element['name'] or ''}: "
                         f"{element['reason']}")
        if r["failed"] > 20:
            lines.append(f"      ... and {r['failed'] - 20} more")
    return "\n".join(lines) + "\n"


def render_html(report: dict[str, Any]) -> str:
    """The report as a standalone HTML page: a table of requirements, then per failed
    requirement a table of its elements."""
    esc = html.escape
    rows = "".join(
        f"<tr class='{esc(r['status'])}{' blocking' if r['blocking'] else ''}'>"
        f"<td>{esc(r['name'])}</td><td>{esc(r['title'])}</td><td>{esc(r['source'])}</td>"
        f"<td>{esc(_verdict(r))}</td><td>{r['failed']}</td><td>{r['applicable']}</td></tr>"
        for r in report["requirements"])
    details = "".join(
        f"<h2>{esc(r['name'])}: {r['failed']} failing</h2><table><tr><th>class</th>"
        "<th>#</th><th>GlobalId</th><th>name</th><th>reason</th></tr>"
        + "".join(f"<tr><td>{esc(e['ifc_class'])}</td><td>{e['step_id']}</td>"
                  f"<td>{esc(e['global_id'])}</td><td>{esc(str(e['name'] or ''))}</td>"
                  f"<td>{esc(e['reason'])}</td></tr>" for e in r["elements"])
        + "</table>"
        for r in report["requirements"] if r["status"] == "failed")
    verdict = "passed" if report["passed"] else \
        "refused: " + ", ".join(report["blocking_failures"])
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>Model quality: {esc(report['file'])}</title><style>"
            "body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}"
            "table{border-collapse:collapse}.failed td{background:#fff3cd}"
            ".failed.blocking td{background:#f8d7da}.passed td{background:#d1e7dd}"
            "</style></head><body>"
            f"<h1>Model quality: {esc(report['file'])}</h1>"
            f"<p>{esc(report['ids'])} ({esc(report['ids_file'])}), schema "
            f"{esc(str(report['schema']))}: <strong>{esc(verdict)}</strong></p>"
            "<table><tr><th>requirement</th><th>what</th><th>source</th><th>verdict</th>"
            f"<th>failing</th><th>applicable</th></tr>{rows}</table>{details}</body></html>")
