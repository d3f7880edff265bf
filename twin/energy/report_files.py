"""The yearly energy statistics report (公共机构能源资源消费统计表) as XLSX and PDF.

Laid out like the yearly form of the public-institution energy data rules: the unit, year,
floor area and people; per carrier (电力, 水, 天然气, 热力) the physical quantity, its unit,
the conversion factor to standard coal (stated with its source), kgce and cost; the
intensities and the quota verdicts; electricity per month and per 分项 category. Only the
presentation lives here; the numbers come from :func:`twin.energy.analysis.indicators`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from energy.choices import CARRIERS, QUOTA_VERDICTS

__all__ = ["report_tables", "write_pdf", "write_report", "write_xlsx"]

_CARRIER = {c.value: c.label_zh for c in CARRIERS}
_VERDICT = {c.value: f"{c.label_zh} {c.label_en}" for c in QUOTA_VERDICTS}
_INDICATOR = {"electricity_per_m2": "单位面积电耗", "kgce_per_m2": "单位面积能耗",
              "kgce_per_person": "人均综合能耗", "water_per_person": "人均用水量"}
_TITLE = "公共机构能源资源消费统计表"


def _n(value: Any, digits: int = 1) -> Any:
    return None if value is None else round(float(value), digits)


def report_tables(data: Mapping[str, Any], building: str
                  ) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's tables: (title, header, rows), in order."""
    head = [["单位名称 Unit", building], ["统计年度 Year", data["year"]],
            ["建筑面积 Floor area (m²)", _n(data["area_m2"])],
            ["用能人数 People", data["people"]], ["气候区 Climate zone", data["zone"]]]
    carriers = []
    for c in data["carriers"]:
        factor = (c.get("factors") or {}).get("kgce") or {}
        carriers.append([_CARRIER.get(c["carrier"], c["carrier"]), c["unit"], _n(c["amount"]),
                         factor.get("value"), _n(c["kgce"]), _n(c["cost"], 2),
                         _n(c["co2_kg"]), factor.get("source", "")])
    carriers.append(["合计 Total", "", None, None, _n(data["kgce"]),
                     _n(sum(c["cost"] or 0 for c in data["carriers"]), 2), _n(data["co2_kg"]),
                     ""])
    quotas = [[_INDICATOR.get(q["indicator"], q["indicator"]), q["unit"], _n(q["value"], 2),
               q["constraint"], q["benchmark"], q["guide"], _VERDICT.get(q["verdict"]),
               ("" if q["verified"] else "示例 example: ") + q["table_id"]]
              for q in data["quotas"]]
    electricity = next((c for c in data["carriers"] if c["carrier"] == "electricity"), None)
    months = [[m, _n(v)] for m, v in zip(electricity["months"], electricity["monthly"],
                                         strict=True)] if electricity else []
    categories = [[g["label"], _n(g["total"]), _n(g["cost"], 2)]
                  for g in (electricity or {}).get("by_category", [])]
    storeys = [[g["label"], _n(g["total"]), _n(g["per_m2"], 2)] for g in data["by_storey"]]
    return [
        ("基本情况 General", ["项目 Item", "内容 Value"], head),
        ("能源消费 Energy by carrier", ["品种 Carrier", "单位 Unit", "实物量 Quantity",
                                      "折标系数 kgce/unit", "折标准煤 kgce", "金额 Cost (CNY)",
                                      "CO₂ (kg)", "系数来源 Factor source"], carriers),
        ("定额对标 Quotas", ["指标 Indicator", "单位 Unit", "实际 Actual", "约束值",
                            "基准值", "引导值", "结论 Verdict", "定额表 Table"], quotas),
        ("逐月用电 Electricity per month", ["月份 Month", "kWh"], months),
        ("分项用电 Electricity by category", ["分项 Category", "kWh", "金额 Cost (CNY)"],
         categories),
        ("楼层用电 Electricity by storey", ["楼层 Storey", "kWh", "kWh/m²"], storeys),
    ]


def write_xlsx(data: Mapping[str, Any], building: str, path: Path | str) -> Path:
    """The report as a workbook: one sheet with the form, one per detail table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    book = Workbook()
    sheet = book.active
    sheet.title = "统计表"
    sheet.append([f"{_TITLE} ({data['year']})"])
    sheet["A1"].font = Font(bold=True, size=14)
    for title, header, rows in report_tables(data, building)[:3]:
        sheet.append([])
        sheet.append([title])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        sheet.append(header)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True)
        for row in rows:
            sheet.append(row)
    for column, width in zip("ABCDEFGH", (26, 14, 14, 14, 14, 16, 14, 60), strict=True):
        sheet.column_dimensions[column].width = width
    for title, header, rows in report_tables(data, building)[3:]:
        detail = book.create_sheet(title.split(" ")[0])
        detail.append(header)
        for cell in detail[1]:
            cell.font = Font(bold=True)
        for row in rows:
            detail.append(row)
        detail.column_dimensions["A"].width = 30
    book.save(path)
    return path


def _float(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1 else f"{value:,.2f}"


def _table(ax, header: Sequence[str], rows: Sequence[Sequence[Any]], title: str,
           widths: Sequence[float] | None = None) -> None:
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=10, fontweight="bold")
    cells = [["" if v is None else (_float(v) if isinstance(v, float) else str(v))[:48]
              for v in row] for row in rows] or [["-"] * len(header)]
    table = ax.table(cellText=cells, colLabels=list(header), loc="upper left",
                     colWidths=widths, cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(6.5)
    table.scale(1, 1.25)


def write_pdf(data: Mapping[str, Any], building: str, path: Path | str) -> Path:
    """The report as a two-page A4 PDF: the form, then electricity per month and category."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from twin.housing.report_files import _fonts

    path = Path(path)
    tables = report_tables(data, building)
    with _fonts(), PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        fig.suptitle(f"{_TITLE}  {data['year']}\n{building}", fontsize=13)
        for n, (title, header, rows) in enumerate(tables[:3]):
            ax = fig.add_axes((0.05, 0.70 - n * 0.28, 0.9, 0.2))
            widths = None if n == 0 else [0.13, 0.08, 0.1, 0.09, 0.1, 0.11, 0.09, 0.3]
            if n == 0:
                widths = [0.35, 0.5]
            _table(ax, header, rows, title, widths)
        pdf.savefig(fig)
        plt.close(fig)
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.27, 11.69))
        months = tables[3][2]
        top.bar([m for m, _ in months], [v or 0 for _, v in months], color="#f1c40f")
        top.set_title("逐月用电 Electricity per month (kWh)")
        top.tick_params(axis="x", rotation=45, labelsize=7)
        categories = [r for r in tables[4][2] if r[1]]
        bottom.barh([r[0] for r in categories], [r[1] for r in categories], color="#3498db")
        bottom.set_title("分项用电 Electricity by category (kWh)")
        bottom.tick_params(axis="y", labelsize=7)
        fig.tight_layout()
        pdf.savefig(fig)
        plt.close(fig)
    return path


def write_report(data: Mapping[str, Any], building: str, path: Path | str) -> Path:
    """XLSX or PDF by the suffix of ``path``."""
    path = Path(path)
    return write_pdf(data, building, path) if path.suffix.lower() == ".pdf" else \
        write_xlsx(data, building, path)
