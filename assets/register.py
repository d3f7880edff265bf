"""The register: book values (straight-line depreciation down to a residual value), useful lives
per class, asset codes (the QR label's text) and the transition check of an item's state.
"""

from __future__ import annotations

import re
from datetime import date

from assets.choices import ASSET_STATES, ASSET_TRANSITIONS
from assets.errors import InvalidTransitionError

__all__ = [
    "DEFAULT_RESIDUAL_RATE",
    "USEFUL_LIFE_YEARS",
    "asset_code",
    "book_value",
    "check_transition",
    "parse_asset_code",
]

#: Useful life (years) by asset class, after the national fixed-asset depreciation table for
#: administrative bodies (行政事业单位固定资产折旧年限): furniture 15, computers 6, office and
#: audio-visual equipment 6, appliances 5, vehicles 8.
USEFUL_LIFE_YEARS = {"furniture": 15, "it": 6, "office_equipment": 6, "av": 6,
                     "appliance": 5, "vehicle": 8, "other": 10}
#: Residual value as a fraction of the purchase value when none is given.
DEFAULT_RESIDUAL_RATE = 0.05

_CODE_PREFIX = "GWC"  # 公物仓


def book_value(value: float, purchase_date: date | None, on: date, *, life_years: float,
               residual: float = 0.0) -> float:
    """The value left on ``on``: straight-line by whole months (按月计提) from ``value`` at
    purchase to ``residual`` at the end of the useful life, never below ``residual``.

    Examples
    --------
    >>> book_value(1200.0, date(2020, 1, 1), date(2023, 1, 1), life_years=6, residual=0)
    600.0
    """
    if purchase_date is None or life_years <= 0:
        return round(value, 2)
    months = ((on.year - purchase_date.year) * 12 + on.month - purchase_date.month
              - (on.day < purchase_date.day))
    months = max(months, 0)
    if months >= life_years * 12:
        return round(residual, 2)
    return round(value - (value - residual) * months / (life_years * 12), 2)


def check_transition(identifier: str, current: str, requested: str) -> None:
    """Raise unless the table allows ``current`` -> ``requested``.

    Raises
    ------
    InvalidTransitionError
        Naming the item, both states and the allowed ones.
    """
    if requested not in {c.value for c in ASSET_STATES}:
        raise InvalidTransitionError(identifier, current, requested,
                                     ASSET_TRANSITIONS.get(current, ()))
    allowed = ASSET_TRANSITIONS.get(current, ())
    if requested not in allowed:
        raise InvalidTransitionError(identifier, current, requested, allowed)


def asset_code(number: int) -> str:
    """The printed code of asset ``number`` (what its QR label encodes).

    Examples
    --------
    >>> asset_code(42)
    'GWC-000042'
    """
    return f"{_CODE_PREFIX}-{number:06d}"


def parse_asset_code(text: str) -> int | None:
    """The asset number in a scanned code (``GWC-000042``, a URL ending with it, or a bare
    number); ``None`` when the text holds none.

    Examples
    --------
    >>> parse_asset_code("https://twin.local/pool/catalogue?q=GWC-000042")
    42
    """
    found = re.search(_CODE_PREFIX + r"-(\d+)", text.upper())
    if found:
        return int(found.group(1))
    tail = text.strip()
    return int(tail) if tail.isdigit() else None
