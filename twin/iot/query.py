"""Reading queries: a device's readings over a range at a fitting resolution, the latest state
of the devices of a building, storey or space, and values aggregated per space for colouring."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, text

from twin.core.errors import InvalidInputError
from twin.iot.rollups import RESOLUTIONS

__all__ = ["Series", "choose_resolution", "read_series", "running_hours", "space_values"]

#: The most points a series answer holds before a coarser resolution is chosen.
MAX_POINTS = 2000


@dataclass(frozen=True)
class Series:
    """Readings of one device: ``resolution`` 0 for raw readings, else the bucket width (s).

    ``points`` rows: raw ``(ts_ms, value)``; rolled up ``(bucket_ms, mean, min, max, last,
    count, delta)`` where delta is last - first in the bucket (for counters).
    """

    resolution: int
    points: list[tuple]


def choose_resolution(connection: Connection, device_pk: int, start_ms: int, end_ms: int,
                      max_points: int = MAX_POINTS) -> int:
    """Raw (0) when the range holds at most ``max_points`` readings, else the finest rollup
    whose bucket count over the range stays within ``max_points``."""
    count = connection.execute(text(
        "SELECT count(*) FROM readings WHERE device_id = :d AND ts >= :a AND ts < :b"),
        {"d": device_pk, "a": start_ms, "b": end_ms}).scalar_one()
    if count <= max_points:
        return 0
    span_s = (end_ms - start_ms) / 1000
    return next((r for r in RESOLUTIONS if span_s / r <= max_points), RESOLUTIONS[-1])


def read_series(connection: Connection, device_pk: int, start_ms: int, end_ms: int,
                resolution: str | int = "auto") -> Series:
    """Readings of the device ``device_pk`` in ``[start_ms, end_ms)`` (ms since the epoch).

    Parameters
    ----------
    resolution : "auto", "raw", or 60, 3600, 86400
        ``auto`` picks with :func:`choose_resolution`.

    Raises
    ------
    InvalidInputError
        An empty range or an unknown resolution.
    """
    if end_ms <= start_ms:
        raise InvalidInputError("the range is empty: 'end' must be after 'start'")
    if resolution == "auto":
        resolution = choose_resolution(connection, device_pk, start_ms, end_ms)
    elif resolution == "raw":
        resolution = 0
    else:
        try:
            resolution = int(resolution)
        except ValueError:
            resolution = -1
        if resolution not in RESOLUTIONS:
            raise InvalidInputError(f"resolution must be auto, raw or one of "
                                    f"{', '.join(map(str, RESOLUTIONS))} (seconds)")
    if resolution == 0:
        rows = connection.execute(text(
            "SELECT ts, value FROM readings WHERE device_id = :d AND ts >= :a AND ts < :b "
            "ORDER BY ts"), {"d": device_pk, "a": start_ms, "b": end_ms})
        return Series(0, [tuple(r) for r in rows])
    rows = connection.execute(text(
        "SELECT bucket, sum, count, min, max, last, first FROM rollups WHERE device_id = :d "
        "AND resolution = :r AND bucket >= :a AND bucket < :b ORDER BY bucket"),
        {"d": device_pk, "r": resolution, "a": start_ms // 1000 // resolution * resolution,
         "b": end_ms // 1000})
    return Series(resolution, [(b * 1000, s / n, lo, hi, last, n, last - first)
                               for b, s, n, lo, hi, last, first in rows])


def space_values(connection: Connection, building_id: int, kind: str,
                 at_ms: int | None = None, window_s: int = 900
                 ) -> dict[str, tuple[float, int, int]]:
    """Per space: the mean over its devices of ``kind``, their count, the newest time (ms).

    Now (``at_ms`` None): each online device's live value. At a past instant: each device's
    mean over the newest 1-minute bucket in the ``window_s`` before ``at_ms``.
    """
    if at_ms is None:
        rows = connection.execute(text(
            "SELECT d.space, s.value, s.last_reported FROM devices d JOIN device_states s "
            "ON s.device_id = d.id WHERE d.building_id = :b AND d.kind = :k "
            "AND d.space IS NOT NULL AND s.online"), {"b": building_id, "k": kind})
    else:
        at_s = at_ms // 1000
        rows = connection.execute(text(
            "SELECT d.space, r.sum / r.count, r.last_ts FROM devices d JOIN rollups r "
            "ON r.device_id = d.id AND r.resolution = 60 WHERE d.building_id = :b "
            "AND d.kind = :k AND d.space IS NOT NULL AND r.bucket = ("
            "SELECT max(x.bucket) FROM rollups x WHERE x.device_id = d.id "
            "AND x.resolution = 60 AND x.bucket <= :at AND x.bucket > :since)"),
            {"b": building_id, "k": kind, "at": at_s, "since": at_s - window_s})
    grouped: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for space, value, ts in rows:
        grouped[space].append((value, ts))
    return {space: (sum(v for v, _ in values) / len(values), len(values),
                    max(t for _, t in values)) for space, values in grouped.items()}


def running_hours(connection: Connection, building_id: int, *, since_ms: int = 0,
                  until_ms: int | None = None) -> dict[str, float]:
    """Per equipment GlobalId: hours its on/off ``status`` device reported "on", from the
    hourly rollups (each hour counts its mean: 0.5 = on half the hour), in
    ``[since_ms, until_ms)``."""
    rows = connection.execute(text(
        "SELECT d.equipment, sum(r.sum / r.count) FROM rollups r JOIN devices d "
        "ON d.id = r.device_id WHERE d.building_id = :b AND d.kind = 'status' "
        "AND d.equipment IS NOT NULL AND r.resolution = 3600 AND r.bucket >= :a "
        "AND r.bucket < :z GROUP BY d.equipment"),
        {"b": building_id, "a": since_ms // 1000,
         "z": (until_ms // 1000) if until_ms is not None else 2**62})
    return {equipment: float(hours) for equipment, hours in rows}
