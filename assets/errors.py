"""Errors raised by :mod:`assets`; every message is a clear one-liner for a user.

The running system maps them to HTTP in one place (:mod:`twin.assets.service`): a clash or a
refused transition is a conflict (409), acting for someone else a refusal (403), bad data
invalid input (422).
"""

from __future__ import annotations

__all__ = [
    "ApprovalChainError",
    "AssetsError",
    "ImportRowError",
    "InvalidTransitionError",
    "NotHolderError",
    "ReservationClashError",
    "SelfApprovalError",
    "UnknownRoomError",
]


class AssetsError(Exception):
    """Base class of every error raised by :mod:`assets`."""


class InvalidTransitionError(AssetsError):
    """A state change that the transition table (:data:`assets.choices.ASSET_TRANSITIONS`)
    does not allow; ``allowed`` lists where the item may go from its current state."""

    def __init__(self, identifier: str, current: str, requested: str,
                 allowed: tuple[str, ...]) -> None:
        self.identifier, self.current, self.requested = identifier, current, requested
        self.allowed = allowed
        super().__init__(
            f"asset {identifier} is {current!r} and may not become {requested!r}; "
            f"allowed from {current!r}: {', '.join(allowed) or 'nothing (final state)'}")


class ReservationClashError(AssetsError):
    """A reservation overlapping another one of the same item (or more than a lot holds)."""

    def __init__(self, message: str, clash: dict) -> None:
        self.clash = clash
        super().__init__(message)


class SelfApprovalError(AssetsError):
    """Someone approving their own request."""


class NotHolderError(AssetsError):
    """Returning (or confirming) an item one does not hold."""


class ApprovalChainError(AssetsError):
    """An approval chain file that cannot be used, or an approver not entitled to the step."""


class UnknownRoomError(AssetsError):
    """A room (number or GlobalId) that the building does not have."""


class ImportRowError(AssetsError):
    """One import row that cannot be used (the rest of the import is kept)."""
