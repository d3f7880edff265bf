"""Insight, stock counts (盘点) and QR labels of 公物仓: idle assets per unit, utilisation,
request → hand-over times; counts with their scans and discrepancies; a PDF sheet of labels.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assets.audits import discrepancies
from assets.insight import Loan, idle_by_unit, lead_time_summary, utilisation
from assets.register import asset_code, parse_asset_code
from twin.assets.schemas import AssetAuditPublic
from twin.assets.service import get_asset, resolve_room, visible_buildings
from twin.assets.tables import (
    AssetAuditRow,
    AssetAuditScanRow,
    AssetRequestRow,
    AssetRow,
    AssetUnitRow,
)
from twin.core.errors import ConflictError, InvalidInputError, NotFoundError
from twin.core.tables import User
from twin.portfolio import service as portfolio

__all__ = ["add_scan", "audit_public", "close_audit", "create_audit", "get_audit", "insight",
           "label_sheet", "list_audits"]

#: States in which an item counts as part of the pool's stock.
_POOL_STATES = ("available", "reserved", "on_loan", "overdue", "returned", "repair", "intake")


def insight(session: Session, user: User | None, *, idle_days: int = 180,
            today: date | None = None, window_days: int = 90) -> dict[str, Any]:
    """The pool's figures: states, idle assets per unit, utilisation over the last
    ``window_days`` and the request → hand-over distribution of loans."""
    today = today or date.today()
    scope = visible_buildings(user)
    states = dict(session.execute(select(AssetRow.state, func.count()).where(scope)
                                  .group_by(AssetRow.state)).all())
    by_class = dict(session.execute(select(AssetRow.asset_class, func.count()).where(scope)
                                    .group_by(AssetRow.asset_class)).all())
    units = dict(session.execute(select(AssetUnitRow.id, AssetUnitRow.code)).all())
    names = dict(session.execute(select(AssetUnitRow.code, AssetUnitRow.name)).all())
    rows = session.execute(select(AssetRow.id, AssetRow.owner_unit_id, AssetRow.last_loan_end)
                           .where(scope, AssetRow.state == "available")).all()
    idle = idle_by_unit(((i, units.get(u, "?"), last) for i, u, last in rows), today, idle_days)
    start = today - timedelta(days=window_days - 1)
    loans = [Loan(a, (c or s).date() if c else s, r.date() if r else None)
             for a, s, c, r in session.execute(
                 select(AssetRequestRow.asset_id, AssetRequestRow.start,
                        AssetRequestRow.confirmed_at, AssetRequestRow.returned_at).where(
                     AssetRequestRow.kind == "loan", AssetRequestRow.confirmed_at.is_not(None)))]
    lendable = sum(states.get(s, 0) for s in _POOL_STATES)
    pairs = list(session.execute(select(AssetRequestRow.created_at,
                                        AssetRequestRow.handed_over_at).where(
        AssetRequestRow.kind == "loan", AssetRequestRow.handed_over_at.is_not(None))))
    return {
        "today": today.isoformat(), "total": sum(states.values()), "states": states,
        "classes": by_class, "idle_days": idle_days,
        "idle": sorted(({"unit": u, "name": names.get(u, u), "count": len(ids),
                         "assets": ids[:20]} for u, ids in idle.items()),
                       key=lambda e: -e["count"]),
        "idle_total": sum(len(ids) for ids in idle.values()),
        "utilisation": utilisation(loans, start, today, lendable),
        "window_days": window_days,
        "lead_time": lead_time_summary((_aware(a), _aware(b)) for a, b in pairs),
        "overdue": states.get("overdue", 0),
    }


def _aware(moment):
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- stock counts --------------------------------------------------------------------------

def create_audit(session: Session, user: User, *, name: str, building: int,
                 room: str | None = None, scheduled: date | None = None) -> AssetAuditRow:
    """Schedule a count of a building (or a room): what it expects where is fixed now."""
    found = portfolio.get_building(session, building, user)
    space = resolve_room(session, found, room)[0] if room else None
    where = [AssetRow.building_id == found.id, AssetRow.state.in_(
        ("available", "reserved", "returned", "repair", "intake"))]
    if space:
        where.append(AssetRow.space_global_id == space)
    expected = {str(i): s for i, s in session.execute(
        select(AssetRow.id, AssetRow.space_global_id).where(*where))}
    audit = AssetAuditRow(name=name, building_id=found.id, space_global_id=space,
                          scheduled=scheduled or date.today(), state="scheduled",
                          expected=expected, created_by=user.username)
    session.add(audit)
    session.flush()
    return audit


def get_audit(session: Session, audit_id: int) -> AssetAuditRow:
    """One count; :class:`NotFoundError` otherwise."""
    audit = session.get(AssetAuditRow, audit_id)
    if audit is None:
        raise NotFoundError(f"no count {audit_id}")
    return audit


def add_scan(session: Session, user: User, audit_id: int, code: str, room: str | None
             ) -> dict[str, Any]:
    """Record a QR scan: the asset, and the room it was found in (number or GlobalId)."""
    audit = get_audit(session, audit_id)
    if audit.state == "closed":
        raise ConflictError(f"count {audit_id} is closed")
    number = parse_asset_code(code)
    if number is None:
        raise InvalidInputError(f"{code!r} is not an asset code (GWC-000123)")
    asset = get_asset(session, number, user)
    space = None
    if room:
        space = resolve_room(session, portfolio.get_building(session, audit.building_id, user),
                             room)[0]
    session.add(AssetAuditScanRow(audit_id=audit.id, asset_id=asset.id, space_global_id=space,
                                  by=user.username))
    audit.state = "counting"
    expected = audit.expected.get(str(asset.id), "absent")
    status = ("unexpected" if expected == "absent" else
              "misplaced" if space and expected and space != expected else "ok")
    return {"asset": asset.id, "code": asset_code(asset.id), "name": asset.name,
            "status": status}


def audit_public(session: Session, audit: AssetAuditRow) -> AssetAuditPublic:
    """A count with its progress and its discrepancies."""
    scanned: dict[int, str | None] = {}
    for asset_id, space in session.execute(select(
            AssetAuditScanRow.asset_id, AssetAuditScanRow.space_global_id).where(
            AssetAuditScanRow.audit_id == audit.id).order_by(AssetAuditScanRow.id)):
        scanned[asset_id] = space
    expected = {int(k): v for k, v in audit.expected.items()}
    found = discrepancies(expected, scanned)
    names = dict(session.execute(select(AssetRow.id, AssetRow.name).where(
        AssetRow.id.in_([d.asset_id for d in found]))).all()) if found else {}
    return AssetAuditPublic(
        id=audit.id, name=audit.name, state=audit.state, scheduled=audit.scheduled,
        building=audit.building_id, space_global_id=audit.space_global_id,
        expected=len(expected), scanned=len(scanned),
        discrepancies=[{"kind": d.kind, "asset": d.asset_id, "code": asset_code(d.asset_id),
                        "name": names.get(d.asset_id, "?"), "expected_room": d.expected_room,
                        "found_room": d.found_room} for d in found])


def close_audit(session: Session, audit_id: int) -> AssetAuditRow:
    """Close a count (its discrepancies stay readable)."""
    audit = get_audit(session, audit_id)
    audit.state = "closed"
    return audit


def list_audits(session: Session) -> list[AssetAuditPublic]:
    """Every count, newest first."""
    return [audit_public(session, a) for a in session.scalars(
        select(AssetAuditRow).order_by(AssetAuditRow.id.desc()))]


# -- labels --------------------------------------------------------------------------------

def label_sheet(session: Session, user: User | None, asset_ids: list[int], *,
                base_url: str = "") -> bytes:
    """A PDF of QR labels, 3 × 8 per A4 page: the code (``base_url`` + code in the QR), the
    name and the room."""
    import warnings

    import matplotlib
    import segno
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from twin.housing.report_files import cjk_fonts

    assets = [get_asset(session, i, user) for i in asset_ids]
    if not assets:
        raise InvalidInputError("no assets to label")
    out = io.BytesIO()
    per_page, columns = 24, 3
    fonts = {"font.family": [*cjk_fonts()[:1], "DejaVu Sans"]}
    with matplotlib.rc_context(fonts), warnings.catch_warnings(), PdfPages(out) as pdf:
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        for first in range(0, len(assets), per_page):
            figure = Figure(figsize=(8.27, 11.69))
            for n, asset in enumerate(assets[first:first + per_page]):
                col, row = n % columns, n // columns
                code = asset_code(asset.id)
                matrix = [list(r) for r in segno.make(base_url + code, error="m").matrix]
                x0, y0 = 0.03 + col * 0.32, 1 - (row + 1) * 0.12 + 0.01
                ax = figure.add_axes((x0, y0, 0.1, 0.1))
                ax.imshow(matrix, cmap="Greys", interpolation="nearest")
                ax.set_axis_off()
                figure.text(x0 + 0.11, y0 + 0.07, code, fontsize=9, weight="bold")
                figure.text(x0 + 0.11, y0 + 0.045, asset.name[:22], fontsize=7)
                figure.text(x0 + 0.11, y0 + 0.02, f"room {asset.room or '-'}", fontsize=7)
            pdf.savefig(figure)
    return out.getvalue()
