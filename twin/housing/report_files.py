"""The rectification report (超标整改报告) a housing office files: XLSX, HTML and PDF.

Each shows the counts per verdict and department, the judged rooms, the person findings and each
finding's action and deadline; the PDF adds floor plans coloured by verdict. Its Chinese needs a
CJK font (:func:`cjk_fonts`; Debian ``fonts-noto-cjk``), else it shows boxes. Only the
presentation lives here: departments, actions and deadlines are the policy of
:mod:`spaces.rectification`.
"""

from __future__ import annotations

import base64
import html
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from contextlib import ExitStack, suppress
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from bim_models.choices import colours_of, labels_of
from spaces import choices
from spaces.allocations import Allocations
from spaces.compliance import VERDICTS, ComplianceReport
from spaces.rectification import (
    ActionItem,
    RectificationPlan,
    department_of_room,
    rectification_plan,
)

__all__ = ["VERDICT_COLOURS", "VERDICT_LABELS", "cjk_fonts", "render_verdict_plans",
           "write_html", "write_pdf", "write_xlsx"]

#: Verdict key -> (Chinese, English) label, in report order, and the plan fill of each:
#: read from the one vocabulary (:mod:`spaces.choices`), as the browser and snapshots do.
VERDICT_LABELS = labels_of(choices.VERDICTS)
VERDICT_COLOURS = colours_of(choices.VERDICTS)
#: Person findings and room flags -> (Chinese, English) label.
_FINDING_LABELS = labels_of((*choices.PERSON_FINDINGS, *choices.ROOM_FLAGS))
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei")
_A4, _TOTAL, _TITLE = (8.27, 11.69), "合计 Total", "办公用房超标整改报告"


def _label(key: str, lang: int | None = None) -> str:
    zh, en = VERDICT_LABELS.get(key) or _FINDING_LABELS.get(key) or (key, key)
    return f"{zh} {en}" if lang is None else (zh, en)[lang]


def _tables(report: ComplianceReport, allocations: Allocations,
            plan: RectificationPlan) -> dict[str, tuple]:
    """``{name: (header, rows, widths)}``; areas stay floats, percentages fractions, dates."""
    from spaces.area_standards import bundled_rule_sets

    groups, items = report.by_verdict(), plan.actions
    rules = getattr(bundled_rule_sets().get(report.rule_set), "title", "—")
    verdicts = [[_label(k), len(g), round(sum((v.excess_m2 or 0.0 for v in g), 0.0), 3)]
                for k, g in ((k, groups[k]) for k in VERDICT_LABELS)]
    depts = [list(d.to_dict().values()) for d in plan.departments]
    total = [[_TOTAL, *(round(sum(r[i] for r in rows), 3) for i in range(1, n))]
             for rows, n in ((verdicts, 3), (depts, len(VERDICTS) + 5))]
    return {
        "Particulars": (("项目 Item", "内容 Content"), [
            ("核查日期 Date", report.day), ("执行标准 Rule set", f"{rules} ({report.rule_set})"),
            ("整改期限 Deadline", plan.deadline)], (26, 12)),
        "Verdicts": (("结论 Verdict", "房间 Rooms", "超标面积 m² over"), verdicts + total[:1],
                     (26, 12, 16)),
        "Departments": (("部门 Department", "房间 Offices", *(_label(k) for k in VERDICTS),
                         "超标房间 Over standard", "超标面积 m² over", "人员问题 Person findings"),
                        depts + total[1:], (26, *[12] * 9)),
        "Rooms": (("房间 Room", "楼层 Storey", "部门 Department", "结论 Verdict",
                   "使用人（职级）Occupants (grade)", "人数 People", "使用面积 Area m²",
                   "面积来源 Source", "标准 Limit m²", "超标 Excess m²", "超标比例 Excess %",
                   "提示 Flags", "依据 Reason"),
                  [[v.room, v.storey or "", department_of_room(v, allocations),
                    _label(v.verdict),
                    "、".join(f"{p.name}（{p.grade}）" for p in map(allocations.people.get,
                                                                    v.occupants) if p),
                    len(v.occupants), v.area_used and round(v.area_used, 2), v.area_source or "",
                    v.limit_m2, v.excess_m2, None if v.excess_pct is None else v.excess_pct / 100,
                    "、".join(_label(f) for f in v.flags), v.reason] for v in report.rooms],
                  (10, 8, 12, 18, 40, 8, 10, 10, 10, 10, 10, 22, 60)),
        "People": (("人员 Person", "部门 Department", "问题 Finding", "房间 Rooms", "依据 Reason",
                    "整改措施 Action", "截止日期 Deadline"),
                   [[i.subject, i.department, _label(i.finding), "、".join(i.rooms), i.basis,
                     i.action, i.deadline] for i in items if i.about_person],
                   (20, 12, 30, 20, 50, 22, 12)),
        "Actions": (("序号 No.", "部门 Department", "对象 Subject", "楼层 Storey", "问题 Finding",
                     "整改措施 Action", "Action", "截止日期 Deadline", "依据 Basis",
                     "整改情况 Done"),
                    [[n, i.department, i.subject, i.storey, _label(i.finding), i.action,
                      i.action_en, i.deadline, i.basis, ""]
                     for n, i in enumerate(items, 1)], (6, 12, 18, 8, 26, 24, 34, 12, 60, 14))}


def write_xlsx(report: ComplianceReport, allocations: Allocations, path: Path | str) -> Path:
    """Write sheets ``Summary``, ``Rooms``, ``People``, ``Actions`` (typed cells, bold frozen
    headers) and return ``path``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    def put(ws: Any, top: int, header: Sequence[str], rows: Sequence[Sequence[Any]],
            widths: Sequence[int]) -> None:
        for r, values in enumerate([header, *rows], top):
            for col, value in enumerate(values, 1):
                cell = ws.cell(r, col, value)
                if cell.data_type == "f":  # text such as "=HYPERLINK(…)" stays text
                    cell.data_type = "s"
                if r == top:
                    cell.font, cell.fill = Font(bold=True), PatternFill("solid", "DDE3EA")
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                    ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
                elif isinstance(value, float | date):
                    cell.number_format = "yyyy-mm-dd" if isinstance(value, date) else \
                        "0.0%" if "%" in header[col - 1] else "0.00"
        ws.freeze_panes = ws.freeze_panes or f"A{top + 1}"

    tables, wb = _tables(report, allocations, rectification_plan(report, allocations)), Workbook()
    wb.active.title = "Summary"
    put(wb.active, 1, *tables["Particulars"])
    put(wb.active, 6, *tables["Verdicts"])
    put(wb.active, 8 + len(tables["Verdicts"][1]), *tables["Departments"])
    for name in ("Rooms", "People", "Actions"):
        put(wb.create_sheet(name), 1, *tables[name])
    (path := Path(path)).parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


_CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;
font-size:10pt;margin:2em}table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{
padding:2px 5px;border:1px solid #bbb;vertical-align:top}th{background:#dde3ea;text-align:left}
td.n{text-align:right}tr:nth-child(even) td{background:#f6f8fa}h2{border-bottom:2px solid #345}
img{max-width:100%}@page{size:A4;margin:15mm}@media print{body{margin:0}thead{display:
table-header-group}h2{page-break-after:avoid}figure{page-break-inside:avoid}}"""


def _html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *_: Any) -> str:
    def cell(v: Any, head: str) -> str:
        number = f"{v:{'.1%' if '%' in head else '.2f'}}" if isinstance(v, float) else str(v)
        return f'<td class="n">{number}</td>' if isinstance(v, int | float) else \
            f"<td>{html.escape('' if v is None else str(v))}</td>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>" + "".join(
        "<tr>" + "".join(cell(v, h) for v, h in zip(r, header, strict=True)) + "</tr>"
        for r in rows) + "</tbody></table>"


def write_html(report: ComplianceReport, allocations: Allocations, path: Path | str, *,
               plans: Mapping[str, Path] | None = None) -> Path:
    """Write one self-contained, printable HTML page (inline CSS, plans as base64 PNGs).

    Parameters
    ----------
    plans : mapping of str to path, optional
        Storey name -> floor-plan PNG, e.g. from :func:`render_verdict_plans`.
    """
    t = _tables(report, allocations, rectification_plan(report, allocations))
    sections = [("汇总 Summary", "".join(_html_table(*t[n]) for n in (
        "Particulars", "Verdicts", "Departments")))] + [
        (title, _html_table(*t[name])) for name, title in (("Rooms", "房间 Rooms"), (
            "People", "人员问题 People"), ("Actions", "整改措施 Actions"))]
    sections += [(f"楼层平面 Floor plan — {html.escape(name)}", '<figure><img alt="plan" src='
                  f'"data:image/png;base64,{base64.b64encode(Path(png).read_bytes()).decode()}">'
                  "</figure>") for name, png in (plans or {}).items()]
    (path := Path(path)).parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_TITLE} '
        f"{report.day}</title><style>{_CSS}</style></head><body><h1>{_TITLE}</h1>"
        "<p>Office-space rectification report</p>"
        + "".join(f"<h2>{title}</h2>{body}" for title, body in sections) + "</body></html>",
        encoding="utf-8")
    return path


@cache
def cjk_fonts() -> tuple[str, ...]:
    """Font families with Chinese glyphs matplotlib can use, best first (may be empty); fonts
    installed after matplotlib built its font cache are looked for among the system fonts."""
    from matplotlib import font_manager as fm

    def known() -> tuple[str, ...]:
        return tuple(f for f in _CJK_FAMILIES if f in {e.name for e in fm.fontManager.ttflist})
    for file in [] if known() else fm.findSystemFonts():
        with suppress(OSError, RuntimeError, ValueError):
            if re.search(r"cjk|wqy|wenquanyi|sourcehan|simhei|yahei|pingfang", file, re.I):
                fm.fontManager.addfont(file)
    return known()


def _fonts() -> ExitStack:
    """matplotlib settings: a CJK font first (its Latin too), DejaVu Sans as the fallback."""
    import matplotlib

    stack = ExitStack()
    stack.enter_context(matplotlib.rc_context({"font.family": [*cjk_fonts()[:1], "DejaVu Sans"]}))
    stack.enter_context(warnings.catch_warnings())
    warnings.filterwarnings("ignore", message="Glyph .* missing")  # no CJK font: boxes
    return stack


def render_verdict_plans(report: ComplianceReport, model: Any, graph: Any,
                         out_dir: Path | str) -> dict[str, Path]:
    """Draw one PNG per storey holding judged rooms, coloured by verdict, with a legend;
    returns ``{storey name: PNG path}`` in elevation order."""
    from viewer import render_storey_plan

    colours = {v.global_id: VERDICT_COLOURS[v.verdict] for v in report.rooms}
    held = {model.spaces[g].storey for g in colours if g in model.spaces} & set(model.storeys)
    plans: dict[str, Path] = {}
    for storey in sorted((model.storeys[s] for s in held), key=lambda s: s.elevation):
        with _fonts():
            plans[storey.name or storey.global_id] = render_storey_plan(
                model, graph, storey.global_id, Path(out_dir) / f"plan-{len(plans)}.png",
                colour_by=colours, legend={_label(k): c for k, c in VERDICT_COLOURS.items()},
                dpi=150, show_equipment=False,
                title=f"{storey.name} 办公用房核查结论 Office-space verdicts")
    return plans


def _cells(row: Any, widths: Sequence[float], size: float = 7.5) -> list[list[str]]:
    """The lines of each cell of a PDF table row that fit the column (glyph widths guessed);
    a ``str`` row is a heading line across the row."""
    if isinstance(row, str):
        return [[row], *[[""]] * (len(widths) - 1)]
    cells = []
    for value, width in zip(row, widths, strict=True):
        text = "—" if value is None else f"{value:.1f}" if isinstance(value, float) else value
        lines, limit = [], (width - 0.1) * 72 / size
        for paragraph in str(text).split("\n"):
            line, used = "", 0.0
            for token in re.findall(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+\s*|\s+", paragraph):
                w = sum(1.0 if ord(c) >= 0x2E80 else 0.58 for c in token)
                if used + w > limit and line.strip():
                    lines.append(line.rstrip())
                    line, used, token = "", 0.0, token.lstrip()
                line, used = line + token, used + w
            lines.append(line.rstrip())
        cells.append(lines)
    return cells


class _Pages:
    """A4 pages of a PdfPages; positions in inches from the top left; tables flow on."""

    def __init__(self, pdf: Any, footer: str) -> None:
        self.pdf, self.footer, self.fig, self.count, self.y = pdf, footer, None, 0, 0.0

    def new(self, landscape: bool = False) -> Any:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if self.fig is not None:
            self.pdf.savefig(self.fig)
        self.w, self.h = _A4[::-1] if landscape else _A4
        self.fig, self.y, self.count = Figure((self.w, self.h), dpi=150), 0.7, self.count + 1
        FigureCanvasAgg(self.fig)
        self.text(0.6, self.h - 0.4, f"{self.footer} · 第 {self.count} 页 Page {self.count}",
                  size=7, color="#666")
        return self.fig

    def text(self, x: float, y: float, s: Any, **kw: Any) -> None:
        self.fig.text(x / self.w, 1 - y / self.h, str(s), va="top", **kw)

    def table(self, title: str, heads: Sequence[str], widths: Sequence[float],
              rows: Sequence[Any], *, numeric: Sequence[int] = (), size: float = 7.5) -> None:
        """A titled table from x = 0.6 in; a ``str`` row is a heading across the columns."""
        from matplotlib.patches import Rectangle

        line, width, first, last = size / 72 * 1.45, sum(widths), True, None

        def rect(y: float, h: float, colour: str | None) -> None:
            self.fig.add_artist(Rectangle((0.6 / self.w, 1 - (y + h) / self.h), width / self.w,
                                          h / self.h, transform=self.fig.transFigure,
                                          fc=colour or "none", ec="none"))

        def draw(cells: Sequence[list[str]], fill: str | None, **kw: Any) -> None:
            height = max(map(len, cells)) * line + 0.1
            rect(self.y, height, fill)
            for col, lines in enumerate(cells):
                right, x = col in numeric, 0.6 + sum(widths[:col])
                self.text(x + (widths[col] - 0.05 if right else 0.05), self.y + 0.06,
                          "\n".join(lines), size=size, linespacing=1.25,
                          ha="right" if right else "left", **kw)
            rect(self.y + height - 0.006, 0.006, "#9aa5b1")
            self.y += height
        for n, row in enumerate(rows):
            heading, cells = isinstance(row, str), _cells(row, widths, size)
            if first or self.y + (max(map(len, cells)) * line + 0.1) * (1 + heading) > \
                    self.h - 0.75:
                if not first:
                    self.new(self.w > self.h)
                self.text(0.6, self.y, title + ("" if first else "（续 cont.）"), size=11,
                          weight="bold")
                self.y, first = self.y + 0.32, False
                draw(_cells(heads, widths, size), "#dde3ea", weight="bold")
                if last and not heading:  # the department heading, again, after a break
                    draw(_cells(f"{last}（续 cont.）", widths), "#e9edf2", weight="bold")
            last = row if heading else last
            draw(cells, "#e9edf2" if heading else "#f6f8fa" if n % 2 else None,
                 weight="bold" if heading else "normal")
        self.y += 0.3

    def plan(self, png: Path, storey: str, rows: Sequence[Any], **table: Any) -> None:
        """A landscape page: a floor-plan PNG scaled to fit, then the storey's findings."""
        from matplotlib.image import imread

        fig, image = self.new(landscape=True), imread(png)
        self.text(0.6, 0.45, f"五、楼层平面 Floor plan — {storey}", size=11, weight="bold")
        h, w = image.shape[:2]  # the whole page for the plan: readable room labels
        scale = min((self.w - 1.0) / w, (self.h - 1.3) / h)
        fig.add_axes(((1 - w * scale / self.w) / 2, 1 - (0.7 + h * scale) / self.h,
                      w * scale / self.w, h * scale / self.h)).set_axis_off()
        fig.axes[-1].imshow(image, interpolation="antialiased")
        self.y = 0.9 + h * scale
        if rows:  # the storey's findings on the pages after it
            self.new()
            self.table(f"{storey} 问题房间 Findings on this storey", rows=rows, **table)


def _finding_rows(report: ComplianceReport, allocations: Allocations,
                  items: Sequence[ActionItem], storey: str | None = None) -> list[Any]:
    """Room findings (on ``storey``) under a heading per department; a room's actions joined."""
    groups: dict[str, dict[str, list[ActionItem]]] = {}  # items come sorted by department
    for i in (i for i in items if not i.about_person and storey in (None, i.storey)):
        groups.setdefault(i.department, {}).setdefault(i.subject, []).append(i)
    rooms, rows = {v.room: v for v in report.rooms}, []
    for department, todo in groups.items():
        rows.append(f"{department}（{len(todo)} 间 rooms）")
        rows += [(v.room, v.storey or "", "\n".join(_label(f, 0) for f in (v.verdict, *v.flags)),
                  "、".join(allocations.people[p].name for p in v.occupants) or "—"
                  if len(v.occupants) <= 2 else f"{len(v.occupants)} 人", v.area_used, v.limit_m2,
                  "" if v.excess_m2 is None else f"+{v.excess_m2:.1f} ({v.excess_pct:.0f}%)",
                  "；\n".join(i.action for i in acts), acts[0].deadline)
                 for v, acts in ((rooms[r], acts) for r, acts in todo.items())]
    return rows or ["无 None"] * (storey is None)


def _organisation_of(allocations: Allocations) -> str | None:
    """The one organisation the allocations name (``organisation`` column), else ``None``."""
    names = {str(p.extra.get("organisation") or "").strip()
             for p in allocations.people.values()} - {""}
    return names.pop() if len(names) == 1 else None


def write_pdf(report: ComplianceReport, allocations: Allocations, path: Path | str, *,
              model: Any = None, graph: Any = None, organisation: str | None = None,
              building: str | None = None) -> Path:
    """Write the report as a multi-page A4 PDF (matplotlib, no pyplot) and return ``path``.

    Page 1 holds the title block and the counts per verdict and per department; then come the
    room findings per department, the person findings and, when ``model`` and ``graph``
    (:func:`spaces.open_building`) are given, one landscape floor plan per storey holding judged
    rooms, coloured by verdict. ``building`` defaults to the model's first building's name;
    ``organisation`` to the one body named in the allocations' ``organisation`` column, else
    it is left blank (never a name nobody gave).
    """
    from matplotlib.backends.backend_pdf import PdfPages

    building = building or next((b.name for b in getattr(model, "buildings", {}).values()), None)
    organisation = organisation or _organisation_of(allocations)
    (path := Path(path)).parent.mkdir(parents=True, exist_ok=True)
    plan = rectification_plan(report, allocations)
    t, items = _tables(report, allocations, plan), plan.actions
    with _fonts(), PdfPages(path, metadata={"Title": _TITLE}) as pdf, \
            tempfile.TemporaryDirectory() as tmp:
        pages = _Pages(pdf, " · ".join(str(t) for t in (organisation, _TITLE, report.day) if t))
        pages.new()
        pages.text(pages.w / 2, 0.8, _TITLE, size=20, weight="bold", ha="center")
        pages.text(pages.w / 2, 1.25, "Office-space rectification report", size=11,
                   ha="center", color="#444")
        pages.y = 1.7
        pages.table("基本情况 Particulars", t["Particulars"][0], (2.0, 5.05), [
            ("报送单位 Organisation", organisation or "—"), ("建筑 Building", building or "—"),
            *t["Particulars"][1]])
        pages.table("一、核查结论汇总 Verdicts", t["Verdicts"][0], (3.0, 1.4, 1.6),
                    t["Verdicts"][1], numeric=(1, 2))
        pages.table("二、分部门汇总 By department", (
            "部门 Department", "房间 Offices", *(_label(k, 0) for k in VERDICTS),
            "超标房间 Rooms over", "超标面积 m² over", "人员问题 People"), (1.2, *[0.65] * 9),
            t["Departments"][1], numeric=range(1, 10))
        pages.text(0.8, pages.y + 0.3, "　　　".join(f"{blank}：__________" for blank in (
            "经办人 Prepared by", "审核人 Checked by", "日期 Date")), size=9)
        pages.new()
        findings = {"numeric": (4, 5, 6), "widths": (.62, .45, .72, 1, .55, .55, .8, 1.63, .75),
                    "heads": ("房间 Room", "楼层 Storey", "结论 Verdict", "使用人 Occupants",
                              "面积 Area m²", "标准 Limit m²", "超标 Excess m² (%)",
                              "整改措施 Action", "期限 Deadline")}
        pages.table("三、房间问题及整改措施 Room findings and actions",
                    rows=_finding_rows(report, allocations, items), **findings)
        pages.table("四、人员问题及整改措施 Person findings and actions", t["People"][0],
                    (1.0, 0.75, 1.0, 0.75, 1.75, 1.05, 0.77), t["People"][1] or ["无 None"])
        if model is not None and graph is not None:
            for name, png in render_verdict_plans(report, model, graph, tmp).items():
                pages.plan(png, name, _finding_rows(report, allocations, items, name),
                           **findings)
        pdf.savefig(pages.fig)
    return path
