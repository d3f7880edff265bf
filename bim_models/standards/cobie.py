"""COBie 2.4 handover workbooks through IfcOpenShell's ``ifcfm``, extended with what the twin
knows beyond the IFC file.

``ifcfm``'s ``cobie24`` preset reads Facility, Floor, Space, Zone, Type, Component, System,
Connection, Attribute and Coordinate from the model. :func:`write_cobie` then adds, from plain
data (:class:`CobieExtras`): more zones (the twin's room allocations, per department), more
attributes (device serial keys and last readings on their components or spaces), an Issue
sheet (open work orders; the preset has none) and Document rows (the source model). Extras
name elements by GlobalId; the rows they land on are found through the ``ExternalIdentifier``
columns of the Component and Space sheets.

Three work-arounds for ``ifcfm`` 0.9 with this IfcOpenShell: the Coordinate sheet's element query
adds tuples to lists (replaced by an equivalent); the Connection sheet fails on a port that
belongs to no element, as MEP models have (such connections are left out); and the writer reads
the preset afresh (handed the extended one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bim_models.load import open_ifc

__all__ = ["COBIE_SHEETS", "CobieExtras", "ISSUE_HEADERS", "read_cobie", "write_cobie"]

#: COBie 2.4 Issue columns (the ``cobie24`` preset of ifcfm has no Issue sheet).
ISSUE_HEADERS = ["Name", "CreatedBy", "CreatedOn", "Type", "Risk", "Chance", "Impact",
                 "SheetName1", "RowName1", "SheetName2", "RowName2", "Description", "Owner",
                 "Mitigation", "ExternalSystem", "ExternalObject", "ExternalIdentifier"]
#: The sheets a written workbook has, in order.
COBIE_SHEETS = ("Contact", "Facility", "Floor", "Space", "Zone", "Type", "Component", "System",
                "Assembly", "Connection", "Spare", "Resource", "Job", "Document", "Attribute",
                "Coordinate", "Issue")
_EXTERNAL_SYSTEM = "facility-twin"


@dataclass
class CobieExtras:
    """What the twin adds to the model's COBie data; elements named by GlobalId.

    Attributes
    ----------
    zones : list of dict
        ``{"name", "category", "spaces": [GlobalId], "description"}``: one Zone row per space.
    attributes : list of dict
        ``{"global_id", "name", "value", "unit", "category", "description"}`` on the
        component or space with that GlobalId (others are dropped).
    issues : list of dict
        ``{"name", "type", "risk", "chance", "impact", "global_ids": [GlobalId],
        "description", "owner", "mitigation", "created_on", "identifier"}``.
    documents : list of dict
        ``{"name", "category", "file", "description"}`` on the Facility row.
    """

    zones: list[dict[str, Any]] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)


def _parser():
    import ifcfm
    from ifcfm import cobie24

    def coordinates(ifc_file):
        elements = list(cobie24.get_floors(ifc_file)) + list(cobie24.get_spaces(ifc_file))
        return [data for element in elements for data in cobie24.get_coordinate_data_(element)]

    def connections(ifc_file):
        # a port that belongs to no element (MEP models have them) has no row to name: skip
        # its connection rather than fail the whole workbook
        from ifcopenshell.util.system import get_port_element

        return [c for c in cobie24.get_connections(ifc_file)
                if get_port_element(c.RelatingPort) is not None
                and get_port_element(c.RelatedPort) is not None]

    parser = ifcfm.Parser("cobie24")
    categories = dict(parser.config["categories"])
    categories["Coordinate"] = {**categories["Coordinate"],
                                "get_category_elements": coordinates}
    categories["Connection"] = {**categories["Connection"],
                                "get_category_elements": connections}
    categories["Issue"] = {"colour": "r", "keys": ["Name"], "headers": ISSUE_HEADERS,
                           "colours": "rrrrrrriiiiroooeee",
                           "get_category_elements": lambda ifc_file: [],
                           "get_element_data": lambda ifc_file, element: {}}
    parser.config = {**parser.config, "categories": categories}
    return parser


def _row(headers: list[str], values: dict[str, Any]) -> dict[str, Any]:
    return {header: values.get(header) for header in headers}


def _add_extras(parser, extras: CobieExtras, created_by: str, created_on: str,
                facility: str) -> None:
    categories = parser.config["categories"]
    rows_by_id: dict[str, tuple[str, str]] = {}
    for sheet in ("Space", "Component"):
        for row in parser.categories.get(sheet, {}).values():
            if row.get("ExternalIdentifier"):
                rows_by_id[str(row["ExternalIdentifier"])] = (sheet, str(row["Name"]))
    common = {"CreatedBy": created_by, "CreatedOn": created_on,
              "ExternalSystem": _EXTERNAL_SYSTEM}

    def add(sheet: str, values: dict[str, Any]) -> None:
        config = categories[sheet]
        row = _row(config["headers"], {**common, **values})
        parser.categories[sheet]["-".join(str(row[k]) for k in config["keys"])] = row

    add("Contact", {"Email": created_by, "Category": "Facility management",
                    "Company": _EXTERNAL_SYSTEM, "ExternalObject": "Contact"})
    for zone in extras.zones:
        for space in zone.get("spaces", []):
            if space in rows_by_id:
                add("Zone", {"Name": zone["name"], "Category": zone.get("category"),
                             "SpaceNames": rows_by_id[space][1], "ExternalObject": "Zone",
                             "Description": zone.get("description")})
    for attribute in extras.attributes:
        target = rows_by_id.get(str(attribute.get("global_id")))
        if target is None:
            continue
        add("Attribute", {"Name": attribute["name"], "Category": attribute.get("category"),
                          "SheetName": target[0], "RowName": target[1],
                          "Value": attribute.get("value"), "Unit": attribute.get("unit"),
                          "ExternalObject": "Attribute",
                          "Description": attribute.get("description")})
    for issue in extras.issues:
        targets = [rows_by_id[g] for g in issue.get("global_ids", []) if g in rows_by_id][:2]
        targets += [(None, None)] * (2 - len(targets))
        add("Issue", {"Name": issue["name"], "Type": issue.get("type"),
                      "Risk": issue.get("risk"), "Chance": issue.get("chance"),
                      "Impact": issue.get("impact"), "CreatedOn": issue.get("created_on")
                      or created_on, "SheetName1": targets[0][0], "RowName1": targets[0][1],
                      "SheetName2": targets[1][0], "RowName2": targets[1][1],
                      "Description": issue.get("description"), "Owner": issue.get("owner"),
                      "Mitigation": issue.get("mitigation"), "ExternalObject": "WorkOrder",
                      "ExternalIdentifier": issue.get("identifier")})
    for document in extras.documents:
        add("Document", {"Name": document["name"], "Category": document.get("category"),
                         "ApprovalBy": "n/a", "Stage": "Handover", "SheetName": "Facility",
                         "RowName": facility, "Directory": ".", "File": document.get("file"),
                         "ExternalObject": "Document",
                         "Description": document.get("description")})


def write_cobie(model_path: Path | str, out: Path | str, *, extras: CobieExtras | None = None,
                created_by: str = "twin@facility-twin.invalid") -> dict[str, int]:
    """Write the COBie 2.4 workbook (.xlsx) of a model, with the twin's extras.

    Parameters
    ----------
    model_path : Path or str
        The ``.ifc``/``.ifczip`` file.
    out : Path or str
        The ``.xlsx`` file to write.
    extras : CobieExtras, optional
        Zones, attributes, issues and documents to add.
    created_by : str
        The COBie contact (an e-mail address) of the added rows.

    Returns
    -------
    dict
        Rows per sheet (:data:`COBIE_SHEETS`).

    Raises
    ------
    bim_models.ModelLoadError
        The file cannot be read as IFC.
    """
    import ifcfm

    parser = _parser()
    parser.parse(open_ifc(model_path))
    facility = next((str(row["Name"]) for row in parser.categories["Facility"].values()), "")
    created_on = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    _add_extras(parser, extras or CobieExtras(), created_by, created_on, facility)
    writer = ifcfm.Writer(parser)
    writer.config = parser.config
    writer.write()
    writer.write_xlsx(str(out))
    return {sheet: len(writer.categories[sheet]["rows"]) for sheet in COBIE_SHEETS}


def read_cobie(path: Path | str) -> dict[str, list[dict[str, Any]]]:
    """Read a COBie workbook back with ``ifcfm`` (``Parser.federate``): rows per sheet."""
    parser = _parser()
    parser.federate([str(path)])
    return {sheet: list(parser.categories.get(sheet, {}).values()) for sheet in COBIE_SHEETS}
