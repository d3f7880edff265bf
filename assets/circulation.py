"""Circulation rules, as libraries do them (Koha's and FOLIO's loan policies): loan length and
renewals per asset class, when a reminder is due, when a loan is overdue and when it is
escalated to the unit head and then to the pool administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from assets.errors import AssetsError

__all__ = ["CIRCULATION_RULES", "CirculationRule", "loan_due", "reminder_level", "renewed_due"]


@dataclass(frozen=True)
class CirculationRule:
    """The loan policy of an asset class.

    Attributes
    ----------
    loan_days : int
        Longest loan asked at once.
    renewals : int
        How many times a loan may be renewed.
    renewal_days : int
        Days each renewal adds.
    remind_before_days : int
        A reminder goes out this many days before the due date.
    escalate_after_days : int
        Overdue this many days: the reminder goes to the pool administrator too.
    """

    loan_days: int = 30
    renewals: int = 2
    renewal_days: int = 30
    remind_before_days: int = 2
    escalate_after_days: int = 7


#: Per class; ``"*"`` for any other class.
CIRCULATION_RULES = {
    "*": CirculationRule(),
    "it": CirculationRule(loan_days=90, renewals=3, renewal_days=90),
    "furniture": CirculationRule(loan_days=180, renewals=4, renewal_days=180),
    "av": CirculationRule(loan_days=14, renewals=1, renewal_days=7, remind_before_days=1,
                          escalate_after_days=3),
    "vehicle": CirculationRule(loan_days=7, renewals=1, renewal_days=7, remind_before_days=1,
                               escalate_after_days=1),
}


def _rule(asset_class: str) -> CirculationRule:
    return CIRCULATION_RULES.get(asset_class, CIRCULATION_RULES["*"])


def loan_due(asset_class: str, start: date, end: date) -> date:
    """The due date of a loan asked for ``start`` .. ``end``.

    Raises
    ------
    AssetsError
        The span is longer than the class allows.
    """
    rule = _rule(asset_class)
    if (end - start).days + 1 > rule.loan_days:
        raise AssetsError(f"a {asset_class} loan may last at most {rule.loan_days} days; "
                          f"{start} .. {end} is {(end - start).days + 1}")
    return end


def renewed_due(asset_class: str, due: date, renewals_done: int, today: date) -> date:
    """The new due date after one more renewal.

    Raises
    ------
    AssetsError
        No renewal left, or the loan is overdue already (return it first).
    """
    rule = _rule(asset_class)
    if renewals_done >= rule.renewals:
        raise AssetsError(f"a {asset_class} loan may be renewed {rule.renewals} times; "
                          f"it was renewed {renewals_done}")
    if today > due:
        raise AssetsError(f"the loan was due on {due}; an overdue loan cannot be renewed")
    return due + timedelta(days=rule.renewal_days)


def reminder_level(asset_class: str, due: date, today: date) -> str | None:
    """``None``, ``"due_soon"``, ``"overdue"`` or ``"escalated"`` for a loan due on ``due``.

    Examples
    --------
    >>> reminder_level("it", date(2026, 3, 10), date(2026, 3, 20))
    'escalated'
    """
    rule = _rule(asset_class)
    late = (today - due).days
    if late > rule.escalate_after_days:
        return "escalated"
    if late > 0:
        return "overdue"
    if -late <= rule.remind_before_days:
        return "due_soon"
    return None
