"""BCF 3.0 topics (buildingSMART BIM Collaboration Format) written and read with
``bcf-client``: plain data in and out.

A topic written by :func:`write_bcf` has one viewpoint: the elements it is about selected by
GlobalId, a perspective camera looking at their position, and a snapshot PNG when one is
given. The twin's identifiers travel as labels (``facility-twin``, ``work-order:WO-…``,
``alarm:…``) so that a topic coming back can be recognised.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BcfTopic", "read_bcf", "write_bcf"]

_SNAPSHOT = "snapshot.png"


@dataclass
class BcfTopic:
    """One topic to write.

    Attributes
    ----------
    title, description : str
    author : str
        Who creates it (an e-mail address or user name).
    topic_type, status, priority : str
        BCF ``TopicType``, ``TopicStatus`` and ``Priority`` (free text; the twin writes its
        origin, state and priority).
    global_ids : list of str
        The elements selected in the viewpoint.
    position : tuple of float, optional
        Where the camera looks (the equipment's centroid, m); no viewpoint without it.
    snapshot : bytes, optional
        A PNG shown with the viewpoint.
    labels : list of str
    assigned_to : str, optional
    due : float, optional
        Unix seconds.
    """

    title: str
    description: str = ""
    author: str = "facility-twin"
    topic_type: str = "Issue"
    status: str = "Open"
    priority: str = ""
    global_ids: list[str] = field(default_factory=list)
    position: tuple[float, float, float] | None = None
    snapshot: bytes | None = None
    labels: list[str] = field(default_factory=list)
    assigned_to: str | None = None
    due: float | None = None


def write_bcf(topics: list[BcfTopic], out: Path | str, *,
              project_name: str = "Facility twin") -> Path:
    """Write ``topics`` to a BCF 3.0 zip (``.bcf``); return its path."""
    import numpy as np
    from bcf.v3 import model as mdl
    from bcf.v3.bcfxml import BcfXml
    from bcf.v3.visinfo import VisualizationInfoHandler
    from xsdata.models.datatype import XmlDateTime

    out = Path(out)
    document = BcfXml.create_new(project_name)
    for item in topics:
        handler = document.add_topic(item.title, item.description, item.author,
                                     topic_type=item.topic_type, topic_status=item.status)
        topic = handler.topic
        topic.priority = item.priority or None
        topic.labels = mdl.TopicLabels(label=list(item.labels)) if item.labels else None
        topic.assigned_to = item.assigned_to
        if item.due is not None:
            topic.due_date = XmlDateTime.from_datetime(
                dt.datetime.fromtimestamp(item.due, dt.UTC))
        if item.position is not None:
            viewpoint = VisualizationInfoHandler.create_from_point_and_guids(
                np.array(item.position, dtype=float), *item.global_ids)
            viewpoint.snapshot = item.snapshot
            handler.add_visinfo_handler(viewpoint, _SNAPSHOT if item.snapshot else None)
    document.save(out)
    document.close()
    return out


def read_bcf(path: Path | str) -> list[dict[str, Any]]:
    """The topics of a BCF file (3.0, or 2.1 when the file says so).

    Raises
    ------
    ValueError
        Not a BCF zip.

    Returns
    -------
    list of dict
        ``{"guid", "title", "description", "topic_type", "status", "priority", "labels",
        "assigned_to", "author", "global_ids", "camera", "snapshot"}``: ``global_ids`` are
        the selected components of every viewpoint, ``camera`` the first viewpoint's
        perspective camera position (or None), ``snapshot`` its PNG bytes (or None).
    """
    from bcf.bcfxml import load

    try:
        document = load(str(path))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"{Path(path).name}: not a BCF file ({exc})") from None
    if document is None:
        raise ValueError(f"{path}: not a BCF file")
    try:
        return [_topic(handler) for handler in document.topics.values()]
    finally:
        document.close()


def _topic(handler) -> dict[str, Any]:
    topic = handler.topic
    global_ids: list[str] = []
    camera, snapshot = None, None
    for viewpoint in handler.viewpoints.values():
        global_ids += [g for g in viewpoint.get_selected_guids() or [] if g not in global_ids]
        perspective = viewpoint.visualization_info.perspective_camera
        if camera is None and perspective is not None:
            point = perspective.camera_view_point
            camera = (point.x, point.y, point.z)
            snapshot = viewpoint.snapshot
    labels = topic.labels
    labels = list(labels.label if hasattr(labels, "label") else labels or [])
    return {"guid": topic.guid, "title": topic.title, "description": topic.description or "",
            "topic_type": topic.topic_type or "", "status": topic.topic_status or "",
            "priority": topic.priority or "", "labels": labels,
            "assigned_to": topic.assigned_to, "author": topic.creation_author,
            "global_ids": global_ids, "camera": camera, "snapshot": snapshot}
