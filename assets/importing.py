"""Import of the register from CSV/XLSX rows and from the model's furniture and equipment.

Each row is checked on its own: a row with an unknown room or a bad value is reported with its
number and reason, the other rows are kept.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assets.choices import ASSET_CLASSES, ASSET_KINDS
from assets.errors import ImportRowError, UnknownRoomError

__all__ = ["AssetDraft", "RowProblem", "class_of_ifc", "drafts_from_elements", "parse_rows",
           "read_table"]

_CLASSES = {c.value for c in ASSET_CLASSES}
_KINDS = {c.value for c in ASSET_KINDS}
#: IFC class -> asset class for items taken from the model.
_IFC_CLASSES = {"IfcFurnishingElement": "furniture", "IfcFurniture": "furniture",
                "IfcSystemFurnitureElement": "furniture", "IfcAudioVisualAppliance": "av",
                "IfcCommunicationsAppliance": "it", "IfcElectricAppliance": "appliance",
                "IfcOutlet": "other"}


@dataclass(frozen=True)
class AssetDraft:
    """One asset to register (before it has an id)."""

    name: str
    asset_class: str
    owner_unit: str
    space_global_id: str | None
    value: float = 0.0
    model: str = ""
    kind: str = "item"
    quantity: int = 1
    purchase_date: date | None = None
    source_global_id: str | None = None


@dataclass(frozen=True)
class RowProblem:
    """A row left out of an import, and why."""

    row: int
    message: str


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, BOM allowed) or XLSX file (first sheet) as dicts of text.

    Raises
    ------
    ImportRowError
        Neither CSV nor XLSX.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ImportRowError(f"{path.name}: import reads .csv or .xlsx files")
    try:
        if suffix == ".csv":
            return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        return [{h: "" if v is None else str(v) for h, v in zip(header, row, strict=False)}
                for row in rows if any(v is not None for v in row)]
    except (UnicodeDecodeError, zipfile.BadZipFile, csv.Error, KeyError, ValueError,
            OSError, IndexError) as error:
        raise ImportRowError(f"{path.name} cannot be read as {suffix[1:].upper()} "
                             f"({type(error).__name__})") from None


def _draft(row: Mapping[str, str], room_of: Callable[[str], str | None]) -> AssetDraft:
    name = (row.get("name") or "").strip()
    asset_class = (row.get("asset_class") or "other").strip()
    unit = (row.get("owner_unit") or "").strip()
    kind = (row.get("kind") or "item").strip()
    if not name or not unit:
        raise ImportRowError("name and owner_unit are required")
    if asset_class not in _CLASSES or kind not in _KINDS:
        raise ImportRowError(f"asset_class must be one of {', '.join(sorted(_CLASSES))} and "
                             f"kind one of {', '.join(sorted(_KINDS))}")
    room = (row.get("room") or "").strip()
    space = room_of(room) if room else None
    if room and space is None:
        raise UnknownRoomError(f"unknown room {room!r}")
    try:
        value = float(row.get("value") or 0)
        quantity = int(row.get("quantity") or 1)
        bought = (row.get("purchase_date") or "").strip()[:10]
        purchase = date.fromisoformat(bought) if bought else None
    except ValueError as error:
        raise ImportRowError(f"bad number or date ({error})") from None
    if not math.isfinite(value) or value < 0 or quantity < 1:
        raise ImportRowError("value must be >= 0 and quantity >= 1")
    return AssetDraft(name=name, asset_class=asset_class, owner_unit=unit,
                      space_global_id=space, value=value, model=(row.get("model") or "").strip(),
                      kind=kind, quantity=quantity, purchase_date=purchase)


def parse_rows(rows: Iterable[Mapping[str, str]], room_of: Callable[[str], str | None]
               ) -> tuple[list[AssetDraft], list[RowProblem]]:
    """Drafts from table rows (columns: ``name``, ``asset_class``, ``owner_unit``, ``room``
    (number or GlobalId), ``value``, ``model``, ``kind``, ``quantity``, ``purchase_date``),
    and the rows left out. Row numbers count the header as row 1.
    """
    drafts, problems = [], []
    for number, row in enumerate(rows, start=2):
        try:
            drafts.append(_draft(row, room_of))
        except (ImportRowError, UnknownRoomError) as error:
            problems.append(RowProblem(number, str(error)))
    return drafts, problems


def class_of_ifc(ifc_class: str) -> str | None:
    """The asset class of a model element, ``None`` for classes the pool does not hold."""
    return _IFC_CLASSES.get(ifc_class)


def drafts_from_elements(elements: Iterable[Mapping], owner_unit: str) -> list[AssetDraft]:
    """Drafts for the model's furniture and appliances (elements as ``global_id``,
    ``ifc_class``, ``name``, ``space``), each keeping its GlobalId as ``source_global_id``."""
    drafts = []
    for element in elements:
        asset_class = class_of_ifc(element.get("ifc_class", ""))
        if asset_class is None:
            continue
        drafts.append(AssetDraft(name=element.get("name") or element["ifc_class"],
                                 asset_class=asset_class, owner_unit=owner_unit,
                                 space_global_id=element.get("space"),
                                 model=element.get("ifc_class", ""),
                                 source_global_id=element["global_id"]))
    return drafts
