"""Downsampled readings: 1 min, 1 h and 1 day buckets with count, min, max, sum (mean =
sum / count), first and last (delta of a counter = last - first), kept current as data
arrives by merging each batch's partial buckets into the stored ones."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import Connection, text

__all__ = ["RESOLUTIONS", "partials", "recompute", "upsert_sql"]

#: Bucket widths in seconds.
RESOLUTIONS = (60, 3600, 86400)

#: A bucket: (device_pk, resolution, bucket_s, count, min, max, sum, first, first_ts, last,
#: last_ts), times of first/last in ms.
Bucket = tuple[int, int, int, int, float, float, float, float, int, float, int]


def partials(rows: Sequence[tuple[int, int, float]],
             resolutions: Sequence[int] = RESOLUTIONS) -> list[Bucket]:
    """The buckets of ``rows`` ``(device_pk, ts_ms, value)``, one per device, width, start.

    Vectorised (numpy): the rows are ordered by device and time, so each bucket is a run of
    consecutive rows whose aggregates come from ``reduceat``.
    """
    if not rows:
        return []
    data = np.array(rows, dtype=np.float64)
    device, ts, value = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64), data[:, 2]
    order = np.lexsort((ts, device))
    device, ts, value = device[order], ts[order], value[order]
    out: list[Bucket] = []
    for res in resolutions:
        bucket = ts // (res * 1000) * res
        change = np.empty(len(ts), dtype=bool)
        change[0] = True
        change[1:] = (device[1:] != device[:-1]) | (bucket[1:] != bucket[:-1])
        starts = np.flatnonzero(change)
        ends = np.append(starts[1:], len(ts)) - 1
        out.extend(zip(device[starts].tolist(), [res] * len(starts), bucket[starts].tolist(),
                       np.diff(np.append(starts, len(ts))).tolist(),
                       np.minimum.reduceat(value, starts).tolist(),
                       np.maximum.reduceat(value, starts).tolist(),
                       np.add.reduceat(value, starts).tolist(),
                       value[starts].tolist(), ts[starts].tolist(),
                       value[ends].tolist(), ts[ends].tolist(), strict=True))
    return out


def upsert_sql(dialect: str) -> str:
    """The statement merging one partial bucket into ``rollups`` (SQLite or PostgreSQL)."""
    least, greatest = ("min", "max") if dialect == "sqlite" else ("LEAST", "GREATEST")
    mark = "?" if dialect == "sqlite" else "%s"
    values = ", ".join([mark] * 11)
    return (
        "INSERT INTO rollups (device_id, resolution, bucket, count, min, max, sum, first, "
        f"first_ts, last, last_ts) VALUES ({values}) "
        "ON CONFLICT (device_id, resolution, bucket) DO UPDATE SET "
        "count = rollups.count + excluded.count, "
        f"min = {least}(rollups.min, excluded.min), max = {greatest}(rollups.max, excluded.max), "
        "sum = rollups.sum + excluded.sum, "
        "first = CASE WHEN excluded.first_ts < rollups.first_ts THEN excluded.first "
        "ELSE rollups.first END, "
        f"first_ts = {least}(rollups.first_ts, excluded.first_ts), "
        "last = CASE WHEN excluded.last_ts >= rollups.last_ts THEN excluded.last "
        "ELSE rollups.last END, "
        f"last_ts = {greatest}(rollups.last_ts, excluded.last_ts)")


def recompute(connection: Connection, device_pk: int, start_ms: int, end_ms: int,
              resolution: int) -> list[Bucket]:
    """Buckets of one device recomputed from its raw readings in ``[start_ms, end_ms)``.

    What the stored rollups must equal; used by tests and to rebuild rollups.
    """
    rows = connection.execute(
        text("SELECT device_id, ts, value FROM readings WHERE device_id = :d AND ts >= :a "
             "AND ts < :b ORDER BY ts"), {"d": device_pk, "a": start_ms, "b": end_ms})
    return sorted(partials([(r[0], r[1], r[2]) for r in rows], (resolution,)))
