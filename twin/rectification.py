"""The rectification report (超标整改报告) a housing office files: XLSX, HTML and PDF.

All three formats show the same content, built from a :class:`spaces.compliance.ComplianceReport`
and its :class:`spaces.allocations.Allocations`: the counts per verdict and per department
(:func:`department_summary`), one row per judged room, the person findings, and the action each
finding calls for with its deadline (:func:`action_items`). The PDF adds one floor plan per storey
with the rooms coloured by verdict. matplotlib and openpyxl are imported inside the functions.

Chinese text in the PDF and the plans needs a CJK font: :func:`cjk_fonts` finds one (Debian:
``fonts-noto-cjk``); without one the report is still written, with boxes for the characters.
"""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from spaces.allocations import Allocations
from spaces.compliance import VERDICTS, ComplianceReport, RoomVerdict

__all__ = ["ACTIONS", "DEADLINE_DAYS", "FINDING_LABELS", "UNASSIGNED", "VERDICT_COLOURS",
           "VERDICT_LABELS", "action_items", "cjk_fonts", "department_summary",
           "render_verdict_plans", "write_html", "write_pdf", "write_xlsx"]

#: Verdict key -> (Chinese, English) label, in the order the report lists them.
VERDICT_LABELS = {"over": ("超标", "Over standard"), "shared_over": ("合用超标", "Shared over"),
                  "vacant": ("空置", "Vacant"), "not_office_space": ("非办公用房",
                                                                  "Not an office space"),
                  "compliant": ("合规", "Compliant")}
#: Verdict key -> fill colour on the plans and in the HTML.
VERDICT_COLOURS = {"over": "#e5534b", "shared_over": "#f39c34", "vacant": "#b3b3b3",
                   "not_office_space": "#a678c9", "compliant": "#6cc68a"}
#: Person findings and room flags -> (Chinese, English) label.
FINDING_LABELS = {"multiple_offices": ("多处占用办公室", "Holds several offices"),
                  "not_reclaimed": ("调离/退休未腾退", "Not reclaimed after leaving"),
                  "under_used": ("开放办公区使用不足", "Open-plan office under-used"),
                  "area_discrepancy": ("面积数据不一致", "Area sources differ")}
#: Finding (verdict, person finding or flag) -> (Chinese, English) action to take.
ACTIONS = {"over": ("调整使用或腾退超标面积", "Reduce or re-allocate the excess area"),
           "shared_over": ("调剂增加使用人员或调换房间", "Add occupants or move to a smaller room"),
           "vacant": ("调剂使用", "Re-allocate the room"),
           "not_office_space": ("恢复原用途或按程序变更用途", "Restore its use or re-designate it"),
           "multiple_offices": ("腾退多余办公室", "Vacate the extra offices"),
           "not_reclaimed": ("限期收回办公用房", "Take the room back"),
           "under_used": ("调剂使用空余工位", "Re-allocate the spare desks"),
           "area_discrepancy": ("核实面积、更新台账", "Verify the area, update the register")}
#: Days from the report's day to every deadline (one month, as the 2017 measures set for leavers;
#: the two-month concurrent-post case is not modelled).
DEADLINE_DAYS = 30
#: The department of a room nobody holds.
UNASSIGNED = "未分配"
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
                 "Droid Sans Fallback", "AR PL UMing CN", "Noto Serif CJK SC")
_A4 = (8.27, 11.69)


def _label(key: str, lang: int | None = None) -> str:
    zh, en = VERDICT_LABELS.get(key) or FINDING_LABELS.get(key) or (key, key)
    return f"{zh} {en}" if lang is None else (zh, en)[lang]


def _num(value: float | None, fmt: str = "{:.1f}") -> str:
    return "—" if value is None else fmt.format(value)


def _room_department(verdict: RoomVerdict, allocations: Allocations) -> str:
    """The department most of a room's occupants belong to (ties: the first by name)."""
    counts = Counter(allocations.people[p].department for p in verdict.occupants
                     if p in allocations.people)
    return min(counts, key=lambda d: (-counts[d], d)) if counts else UNASSIGNED


def _occupants(verdict: RoomVerdict, allocations: Allocations, *, grades: bool = True) -> str:
    people = [allocations.people.get(p) for p in verdict.occupants]
    return "、".join(f"{p.name}（{p.grade}）" if grades else p.name for p in people if p)


def _department_order(name: str) -> tuple[bool, str]:
    return name == UNASSIGNED, name


def department_summary(report: ComplianceReport, allocations: Allocations) -> list[dict]:
    """Per department: rooms judged, counts per verdict, m² over, person findings.

    A room counts for the department most of its occupants belong to (:data:`UNASSIGNED` when
    nobody holds it), so the columns add up to the report's counts.

    Returns
    -------
    list of dict
        Sorted by department (unassigned last), with keys ``department``, ``offices``, one per
        verdict of :data:`spaces.compliance.VERDICTS`, ``over_standard`` (over + shared_over),
        ``excess_m2`` and ``people_findings``.
    """
    rows: dict[str, dict] = {}

    def row(department: str) -> dict:
        return rows.setdefault(department, {"department": department, "offices": 0,
                                            **dict.fromkeys(VERDICTS, 0), "over_standard": 0,
                                            "excess_m2": 0.0, "people_findings": 0})
    for v in report.rooms:
        r = row(_room_department(v, allocations))
        r["offices"] += 1
        r[v.verdict] += 1
        r["over_standard"] += v.verdict in ("over", "shared_over")
        r["excess_m2"] = round(r["excess_m2"] + (v.excess_m2 or 0.0), 3)
    for p in report.people:
        row(p.department)["people_findings"] += 1
    return [rows[d] for d in sorted(rows, key=_department_order)]


def action_items(report: ComplianceReport, allocations: Allocations) -> list[dict]:
    """One item per finding: every room not compliant or flagged, every person finding.

    Returns
    -------
    list of dict
        Sorted by department, with keys ``department``, ``subject`` (room or person), ``storey``,
        ``finding`` (a key of :data:`ACTIONS`), ``rooms``, ``basis`` (the reason), ``action``,
        ``action_en`` and ``deadline`` (the report's day + :data:`DEADLINE_DAYS`).
    """
    deadline = report.day + timedelta(days=DEADLINE_DAYS)
    items = []
    for v in report.rooms:
        kinds = ([v.verdict] if v.verdict != "compliant" else []) + list(v.flags)
        for kind in kinds:
            items.append({"department": _room_department(v, allocations), "subject": v.room,
                          "storey": v.storey or "", "finding": kind, "rooms": (v.room,),
                          "basis": v.reason, "action": ACTIONS[kind][0],
                          "action_en": ACTIONS[kind][1], "deadline": deadline})
    for p in report.people:
        items.append({"department": p.department, "subject": f"{p.name} ({p.person_id})",
                      "storey": "", "finding": p.kind, "rooms": p.rooms, "basis": p.reason,
                      "action": ACTIONS[p.kind][0], "action_en": ACTIONS[p.kind][1],
                      "deadline": deadline})
    return sorted(items, key=lambda i: _department_order(i["department"]))


def _rule_title(key: str) -> str:
    from spaces.rules import bundled_rule_sets

    rule_set = bundled_rule_sets().get(key)
    return f"{rule_set.title} ({key})" if rule_set else key


def _room_records(report: ComplianceReport, allocations: Allocations) -> list[list[Any]]:
    """The Rooms table: one list of cell values per judged room (numbers stay numbers)."""
    return [[v.room, v.storey or "", _room_department(v, allocations), _label(v.verdict),
             _occupants(v, allocations), len(v.occupants), v.area_used and round(v.area_used, 2),
             v.area_source or "", v.limit_m2, v.excess_m2,
             None if v.excess_pct is None else v.excess_pct / 100,
             "、".join(_label(f, 0) for f in v.flags), v.reason] for v in report.rooms]


_ROOM_HEADER = ("房间 Room", "楼层 Storey", "部门 Department", "结论 Verdict",
                "使用人（职级）Occupants (grade)", "人数 People", "使用面积 Area m²",
                "面积来源 Source", "标准 Limit m²", "超标 Excess m²", "超标比例 Excess %",
                "提示 Flags", "依据 Reason")
_DEPT_HEADER = ("部门 Department", "房间 Offices", *(_label(k) for k in VERDICTS),
                "超标房间 Over standard", "超标面积 m² over", "人员问题 Person findings")


def _department_table(report: ComplianceReport, allocations: Allocations) -> list[list[Any]]:
    rows = [[r["department"], r["offices"], *(r[k] for k in VERDICTS), r["over_standard"],
             r["excess_m2"], r["people_findings"]] for r in department_summary(report, allocations)]
    return rows + [["合计 Total", *(round(sum(r[i] for r in rows), 3)
                                     for i in range(1, len(_DEPT_HEADER)))]]


def write_xlsx(report: ComplianceReport, allocations: Allocations, path: Path | str) -> Path:
    """Write the workbook: sheets ``Summary``, ``Rooms``, ``People`` and ``Actions``.

    Headers are bold and frozen; areas, counts and percentages are numbers, deadlines dates.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE3EA")
    formats = {"m²": "0.00", "%": "0.0%", "截止": "yyyy-mm-dd"}

    def table(ws, top: int, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        for col, text in enumerate(header, 1):
            cell = ws.cell(top, col, text)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, values in enumerate(rows, top + 1):
            for col, value in enumerate(values, 1):
                cell = ws.cell(r, col, value)
                fmt = next((f for k, f in formats.items() if k in header[col - 1]), None)
                if fmt and isinstance(value, int | float | date):
                    cell.number_format = fmt

    def widths(ws, sizes: Sequence[int]) -> None:
        for col, size in enumerate(sizes, 1):
            ws.column_dimensions[ws.cell(1, col).column_letter].width = size

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws["A1"] = "办公用房超标整改报告 Office-space rectification report"
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["核查日期 Date", report.day])
    ws["B2"].number_format = "yyyy-mm-dd"
    ws.append(["标准 Rule set", _rule_title(report.rule_set)])
    groups = report.by_verdict()
    counts = [[_label(k), len(groups[k]), round(sum(v.excess_m2 or 0 for v in groups[k]), 3)]
              for k in VERDICT_LABELS]
    table(ws, 5, ("结论 Verdict", "房间 Rooms", "超标面积 m² over"), counts)
    table(ws, 7 + len(counts), _DEPT_HEADER, _department_table(report, allocations))
    widths(ws, [22, 14, *[12] * (len(_DEPT_HEADER) - 2)])
    ws.freeze_panes = "A2"
    sheets = {"Rooms": (_ROOM_HEADER, _room_records(report, allocations),
                        [10, 8, 12, 18, 40, 8, 10, 10, 10, 10, 10, 18, 60])}
    items = action_items(report, allocations)
    people_actions = {(i["subject"], i["finding"]): i for i in items}
    sheets["People"] = (("人员 Person", "部门 Department", "问题 Finding", "房间 Rooms",
                         "依据 Reason", "整改措施 Action", "截止日期 Deadline"),
                        [[f"{p.name} ({p.person_id})", p.department, _label(p.kind),
                          "、".join(p.rooms), p.reason,
                          people_actions[f"{p.name} ({p.person_id})", p.kind]["action"],
                          people_actions[f"{p.name} ({p.person_id})", p.kind]["deadline"]]
                         for p in report.people], [20, 12, 30, 20, 50, 22, 12])
    sheets["Actions"] = (("序号 No.", "部门 Department", "对象 Subject", "楼层 Storey",
                          "问题 Finding", "整改措施 Action", "Action", "截止日期 Deadline",
                          "依据 Basis", "整改情况 Done"),
                         [[n, i["department"], i["subject"], i["storey"], _label(i["finding"]),
                           i["action"], i["action_en"], i["deadline"], i["basis"], ""]
                          for n, i in enumerate(items, 1)], [6, 12, 18, 8, 26, 24, 30, 12, 60, 14])
    for title, (header, rows, sizes) in sheets.items():
        ws = wb.create_sheet(title)
        table(ws, 1, header, rows)
        widths(ws, sizes)
        ws.freeze_panes = "A2"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _html_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f'<td class="n">{value:.2f}</td>'
        if isinstance(value, int):
            return f'<td class="n">{value}</td>'
        return f"<td>{html.escape('' if value is None else str(value))}</td>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(v) for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
sans-serif;font-size:10pt;margin:2em;color:#222}h1{font-size:18pt;margin-bottom:0}
h2{font-size:13pt;border-bottom:2px solid #345;margin-top:1.6em}table{border-collapse:collapse;
width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:2px 5px;vertical-align:top}
th{background:#dde3ea;text-align:left}td.n{text-align:right}tr:nth-child(even) td{
background:#f6f8fa}.key span{display:inline-block;padding:1px 8px;margin-right:6px;
border:1px solid #777}figure{margin:1em 0;page-break-inside:avoid}img{max-width:100%}
@page{size:A4;margin:15mm}@media print{body{margin:0}h2{page-break-after:avoid}
thead{display:table-header-group}figure{page-break-before:always}}"""


def write_html(report: ComplianceReport, allocations: Allocations, path: Path | str, *,
               plans: Mapping[str, Path] | None = None) -> Path:
    """Write one self-contained, printable HTML page (inline CSS, plans as base64 PNGs).

    Parameters
    ----------
    plans : mapping of str to path, optional
        Storey name -> floor-plan PNG, e.g. from :func:`render_verdict_plans`.
    """
    groups = report.by_verdict()
    counts = [[_label(k), len(groups[k]), round(sum(v.excess_m2 or 0 for v in groups[k]), 3)]
              for k in VERDICT_LABELS]
    people = [[f"{i['subject']}", i["department"], _label(i["finding"]), "、".join(i["rooms"]),
               i["basis"], i["action"], i["deadline"].isoformat()]
              for i in action_items(report, allocations)
              if i["finding"] in ("multiple_offices", "not_reclaimed")]
    actions = [[n, i["department"], i["subject"], i["storey"], _label(i["finding"]),
                f"{i['action']} {i['action_en']}", i["deadline"].isoformat(), i["basis"]]
               for n, i in enumerate(action_items(report, allocations), 1)]
    key = "".join(f'<span style="background:{VERDICT_COLOURS[k]}">{html.escape(_label(k))}'
                  f"</span>" for k in VERDICT_LABELS)
    figures = "".join(
        f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(Path(png).read_bytes()).decode("ascii")}">'
        f"<figcaption>{html.escape(name)} 楼层平面 Floor plan</figcaption></figure>"
        for name, png in (plans or {}).items())
    parts = [
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        f"<title>办公用房超标整改报告 {report.day}</title><style>{_CSS}</style></head><body>",
        "<h1>办公用房超标整改报告</h1><p>Office-space rectification report</p>",
        f"<p>核查日期 Date: <b>{report.day}</b> · 标准 Rule set: "
        f"<b>{html.escape(_rule_title(report.rule_set))}</b> · 整改期限 Deadline: "
        f"<b>{report.day + timedelta(days=DEADLINE_DAYS)}</b></p>",
        "<h2>汇总 Summary</h2>", _html_table(("结论 Verdict", "房间 Rooms", "超标面积 m² over"),
                                           counts),
        _html_table(_DEPT_HEADER, _department_table(report, allocations)),
        "<h2>房间 Rooms</h2>", _html_table(_ROOM_HEADER, _room_records(report, allocations)),
        "<h2>人员问题 People</h2>", _html_table(("人员 Person", "部门 Department", "问题 Finding",
                                                "房间 Rooms", "依据 Reason", "整改措施 Action",
                                                "截止日期 Deadline"), people),
        "<h2>整改措施 Actions</h2>", _html_table(("序号 No.", "部门 Department", "对象 Subject",
                                                 "楼层 Storey", "问题 Finding", "整改措施 Action",
                                                 "截止日期 Deadline", "依据 Basis"), actions),
    ]
    if figures:
        parts += ["<h2>楼层平面 Floor plans</h2>", f'<p class="key">{key}</p>', figures]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts) + "</body></html>", encoding="utf-8")
    return path


@cache
def cjk_fonts() -> tuple[str, ...]:
    """Font families with Chinese glyphs that matplotlib can use, best first (may be empty).

    Fonts installed after matplotlib built its font cache are found with ``fc-list :lang=zh``
    and added for this process.
    """
    from matplotlib import font_manager

    def known() -> set[str]:
        return {f.name for f in font_manager.fontManager.ttflist}
    found = [f for f in _CJK_FAMILIES if f in known()]
    if not found and shutil.which("fc-list"):
        before = known()
        try:
            files = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                                   text=True, timeout=20, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            files = ""
        for line in files.splitlines():
            try:
                font_manager.fontManager.addfont(line.strip().rstrip(":"))
            except (OSError, RuntimeError, ValueError):
                continue
        added = known() - before
        found = [f for f in _CJK_FAMILIES if f in added] + sorted(
            f for f in added if f not in _CJK_FAMILIES and "Mono" not in f)
    return tuple(found)


@contextmanager
def _fonts() -> Iterator[None]:
    """matplotlib settings with DejaVu Sans for Latin and a CJK font as the fallback."""
    import matplotlib

    with matplotlib.rc_context({"font.family": ["DejaVu Sans", *cjk_fonts()[:2]]}), \
            warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        yield


def render_verdict_plans(report: ComplianceReport, model: Any, graph: Any, out_dir: Path | str,
                         *, dpi: int = 110, title: str | None = None) -> dict[str, Path]:
    """One PNG per storey holding judged rooms, rooms coloured by verdict, with a legend.

    Returns
    -------
    dict of str to Path
        Storey name -> PNG, storeys in elevation order.
    """
    from viewer import render_storey_plan

    colours = {v.global_id: VERDICT_COLOURS[v.verdict] for v in report.rooms}
    legend = {_label(k): VERDICT_COLOURS[k] for k in VERDICT_LABELS}
    held = {model.spaces[g].storey for g in colours if g in model.spaces}
    plans: dict[str, Path] = {}
    for storey in sorted(model.storeys.values(), key=lambda s: s.elevation):
        if storey.global_id in held:
            name = storey.name or storey.global_id
            heading = f"{title or ''} {name} 办公用房核查结论 Office-space verdicts".strip()
            with _fonts():
                plans[name] = render_storey_plan(
                    model, graph, storey.global_id, Path(out_dir) / f"plan-{len(plans)}.png",
                    colour_by=colours, legend=legend, title=heading, dpi=dpi,
                    show_equipment=False)
    return plans


def _wrap(text: str, width_in: float, size: float) -> list[str]:
    """Lines of ``text`` that fit ``width_in`` at ``size`` pt (estimated glyph widths)."""
    limit, lines, line, used = width_in * 72 / size, [], "", 0.0
    for token in re.findall(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+\s*|\s+", str(text)):
        w = sum(1.0 if ord(c) >= 0x2E80 else 0.6 for c in token)
        if used + w > limit and line.strip():
            lines.append(line.rstrip())
            line, used, token = "", 0.0, token.lstrip()
        line, used = line + token, used + w
    return [*lines, line.rstrip()]


class _Pages:
    """A4 pages in a PdfPages, positions in inches from the top left, tables that flow on."""

    def __init__(self, pdf: Any, footer: str) -> None:
        self.pdf, self.footer, self.fig, self.count = pdf, footer, None, 0

    def new(self, landscape: bool = False) -> Any:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.finish()
        self.w, self.h = _A4[::-1] if landscape else _A4
        self.fig, self.y, self.count = Figure(figsize=(self.w, self.h), dpi=150), 0.7, \
            self.count + 1
        FigureCanvasAgg(self.fig)
        return self.fig

    def finish(self) -> None:
        if self.fig is not None:
            self.text(0.6, self.h - 0.4, self.footer, size=7, color="#666")
            self.text(self.w - 0.6, self.h - 0.4, f"第 {self.count} 页 Page {self.count}",
                      size=7, color="#666", ha="right")
            self.pdf.savefig(self.fig)
            self.fig = None

    def text(self, x: float, y: float, s: str, **kw: Any) -> None:
        self.fig.text(x / self.w, 1 - y / self.h, s, va=kw.pop("va", "top"), **kw)

    def rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        from matplotlib.patches import Rectangle

        self.fig.add_artist(Rectangle((x / self.w, 1 - (y + h) / self.h), w / self.w,
                                      h / self.h, transform=self.fig.transFigure, fc=colour,
                                      ec="#999", lw=0.4))

    def table(self, title: str, columns: Sequence[tuple[str, float]], rows: Sequence[Any],
              *, size: float = 7.5, numeric: Sequence[int] = ()) -> None:
        """A titled table; a ``str`` row is a section heading across all columns."""
        line, x0 = size / 72 * 1.3, 0.6

        def header() -> None:
            self.text(x0, self.y, title, size=11, weight="bold")
            self.y += 0.32
            height = max(len(_wrap(h, w - 0.08, size)) for h, w in columns) * line + 0.08
            self.rect(x0, self.y, sum(w for _, w in columns), height, "#dde3ea")
            x = x0
            for head, w in columns:
                self.text(x + 0.04, self.y + 0.04, "\n".join(_wrap(head, w - 0.08, size)),
                          size=size, weight="bold", linespacing=1.2)
                x += w
            self.y += height
        header()
        for n, row in enumerate(rows):
            cells = [[row]] if isinstance(row, str) else [
                _wrap(v, w - 0.08, size) for v, (_, w) in zip(row, columns, strict=True)]
            height = max(len(c) for c in cells) * line + 0.08
            if self.y + height > self.h - 0.7:
                self.new(self.w > self.h)
                title = title if title.endswith("（续 cont.）") else f"{title}（续 cont.）"
                header()
            if isinstance(row, str):
                self.rect(x0, self.y, sum(w for _, w in columns), height, "#eef1f5")
                self.text(x0 + 0.04, self.y + 0.04, row, size=size + 0.5, weight="bold")
            else:
                if n % 2:
                    self.rect(x0, self.y, sum(w for _, w in columns), height, "#f7f8fa")
                x = x0
                for col, (lines, (_, w)) in enumerate(zip(cells, columns, strict=True)):
                    right = col in numeric
                    self.text(x + (w - 0.04 if right else 0.04), self.y + 0.04,
                              "\n".join(lines), size=size, linespacing=1.2,
                              ha="right" if right else "left")
                    x += w
            self.y += height
        self.y += 0.25


def write_pdf(report: ComplianceReport, allocations: Allocations, path: Path | str, *,
              model: Any = None, graph: Any = None, organisation: str = "市机关事务管理局",
              building: str | None = None) -> Path:
    """Write the report as a multi-page A4 PDF (matplotlib, no pyplot).

    Page 1 is the title block and the counts per verdict and per department, then the room
    findings per department, then the person findings, then, when ``model`` and ``graph``
    (:func:`spaces.open_building`) are given, one landscape floor plan per storey holding judged
    rooms, coloured by verdict. ``building`` defaults to the model's first building name.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    if building is None and model is not None and model.buildings:
        building = next(iter(model.buildings.values())).name
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = report.day + timedelta(days=DEADLINE_DAYS)
    groups = report.by_verdict()
    items = action_items(report, allocations)
    with _fonts(), PdfPages(path, metadata={"Title": "办公用房超标整改报告"}) as pdf, \
            tempfile.TemporaryDirectory() as tmp:
        pages = _Pages(pdf, f"{organisation} · 办公用房超标整改报告 · {report.day}")
        pages.new()
        pages.text(pages.w / 2, 0.8, "办公用房超标整改报告", size=20, weight="bold",
                   ha="center")
        pages.text(pages.w / 2, 1.25, "Office-space rectification report", size=11,
                   ha="center", color="#444")
        pages.y = 1.8
        for key, value in (("报送单位 Organisation", organisation),
                           ("建筑 Building", building or "—"), ("核查日期 Date", report.day),
                           ("执行标准 Rule set", _rule_title(report.rule_set)),
                           ("整改期限 Deadline", f"{deadline}（{DEADLINE_DAYS} 日内 within "
                                                 f"{DEADLINE_DAYS} days）")):
            pages.text(0.8, pages.y, key, size=9.5, color="#444")
            pages.text(2.7, pages.y, str(value), size=9.5)
            pages.y += 0.27
        pages.y += 0.3
        pages.table("一、核查结论汇总 Verdicts", [("结论 Verdict", 3.0), ("房间 Rooms", 1.4),
                                           ("超标面积 m² over", 1.6)],
                    [(_label(k), str(len(groups[k])),
                      _num(sum(v.excess_m2 or 0 for v in groups[k]) if k in ("over",
                                                                            "shared_over")
                           else None)) for k in VERDICT_LABELS]
                    + [("合计 Total", str(len(report.rooms)),
                        _num(sum(v.excess_m2 or 0 for v in report.rooms)))], numeric=(1, 2))
        short = ("部门 Department", "房间 Offices", *(_label(k, 0) for k in VERDICTS),
                 "超标面积 m²", "人员问题 People")
        pages.table("二、分部门汇总 By department", [(h, w) for h, w in zip(
            short, (1.35, 0.65, 0.6, 0.6, 0.7, 0.6, 0.75, 0.75, 0.7), strict=True)],
                    [[str(c) if not isinstance(c, float) else f"{c:.1f}"
                      for i, c in enumerate(r) if i != len(VERDICTS) + 2]
                     for r in _department_table(report, allocations)],
                    numeric=range(1, 9))
        pages.text(0.8, pages.y + 0.2, "经办人 Prepared by：________　　审核人 Checked by："
                   "________　　日期 Date：________", size=9)
        pages.new()
        pages.table("三、房间问题及整改措施 Room findings and actions", [
            ("房间 Room", 0.62), ("楼层 Storey", 0.45), ("结论 Verdict", 0.72),
            ("使用人 Occupants", 1.05), ("面积 Area m²", 0.55), ("标准 Limit m²", 0.55),
            ("超标 Excess m² (%)", 0.78), ("整改措施 Action", 1.6), ("期限 Deadline", 0.75)],
            _finding_rows(report, allocations, items), numeric=(4, 5, 6))
        pages.table("四、人员问题及整改措施 Person findings and actions", [
            ("人员 Person", 1.0), ("部门 Department", 0.75), ("问题 Finding", 1.0),
            ("房间 Rooms", 0.75), ("依据 Reason", 1.75), ("整改措施 Action", 1.05),
            ("期限 Deadline", 0.77)],
            [(i["subject"], i["department"], _label(i["finding"]), "、".join(i["rooms"]),
              i["basis"], i["action"], str(i["deadline"])) for i in items
             if i["finding"] in ("multiple_offices", "not_reclaimed")] or ["无 None"])
        if model is not None and graph is not None:
            for name, png in render_verdict_plans(report, model, graph, tmp,
                                                  title=building).items():
                _plan_page(pages.new(landscape=True), png, name)
        pages.finish()
    return path


def _finding_rows(report: ComplianceReport, allocations: Allocations,
                  items: Sequence[dict]) -> list[Any]:
    """Room findings grouped under a heading per department, actions of a room joined."""
    actions: dict[str, list[dict]] = {}
    for i in items:
        if i["storey"] or i["finding"] in VERDICT_LABELS:
            actions.setdefault(i["subject"], []).append(i)
    rows: list[Any] = []
    by_department: dict[str, list[RoomVerdict]] = {}
    for v in report.rooms:
        if v.verdict != "compliant" or v.flags:
            by_department.setdefault(_room_department(v, allocations), []).append(v)
    for department in sorted(by_department, key=_department_order):
        rows.append(f"{department}（{len(by_department[department])} 间 rooms）")
        for v in by_department[department]:
            names = (_occupants(v, allocations, grades=False) if len(v.occupants) <= 2
                     else f"{len(v.occupants)} 人")
            excess = "" if v.excess_m2 is None else f"+{v.excess_m2:.1f} ({v.excess_pct:.0f}%)"
            verdict = "\n".join([_label(v.verdict, 0), *(_label(f, 0) for f in v.flags)])
            todo = actions.get(v.room, [])
            rows.append((v.room, v.storey or "", verdict, names or "—", _num(v.area_used),
                         _num(v.limit_m2), excess, "；".join(i["action"] for i in todo),
                         str(todo[0]["deadline"]) if todo else ""))
    return rows or ["无 None"]


def _plan_page(fig: Any, png: Path, storey: str) -> None:
    """Place a floor-plan PNG on a landscape page, scaled to fit, aspect kept."""
    from matplotlib.image import imread

    image = imread(png)
    h, w = image.shape[:2]
    box_w, box_h = 1 - 2 * 0.4 / fig.get_figwidth(), 1 - 1.0 / fig.get_figheight()
    scale = min(box_w * fig.get_figwidth() / w, box_h * fig.get_figheight() / h)
    aw, ah = w * scale / fig.get_figwidth(), h * scale / fig.get_figheight()
    ax = fig.add_axes(((1 - aw) / 2, 0.5 + 0.1 / fig.get_figheight() - ah / 2, aw, ah))
    ax.imshow(image, interpolation="antialiased")
    ax.set_axis_off()
    fig.text(0.5, 1 - 0.25 / fig.get_figheight(), f"五、楼层平面 Floor plan — {storey}",
             ha="center", va="top", size=11, weight="bold")
