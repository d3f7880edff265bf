"""Approval chains as data: TOML rules by request kind, asset class, value threshold and unit
(申请人 → 处室负责人 → 公物仓管理员), and the check that a person may sign the next step.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from assets.choices import REQUEST_KINDS, STEP_ROLES
from assets.errors import ApprovalChainError, SelfApprovalError

__all__ = ["ApprovalRule", "Signer", "chain_for", "check_signer", "default_rules", "load_rules",
           "parse_rules"]

_KINDS = {c.value for c in REQUEST_KINDS}
_STEPS = {c.value for c in STEP_ROLES}


@dataclass(frozen=True)
class ApprovalRule:
    """One rule of a chain file: when it applies, and the steps it asks for, in order."""

    name: str
    steps: tuple[str, ...]
    kinds: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    min_value: float = 0.0

    def applies(self, kind: str, asset_class: str, value: float, unit: str) -> bool:
        """Whether every condition of the rule holds (an empty condition always does)."""
        return ((not self.kinds or kind in self.kinds)
                and (not self.classes or asset_class in self.classes)
                and (not self.units or unit in self.units)
                and value >= self.min_value)


def _rule(entry: dict, where: str) -> ApprovalRule:
    steps = tuple(entry.get("steps", ()))
    unknown = [s for s in steps if s not in _STEPS] + [
        k for k in entry.get("kind", ()) if k not in _KINDS]
    if not steps or unknown:
        raise ApprovalChainError(
            f"{where}: rule {entry.get('name', '?')!r} needs steps out of "
            f"{', '.join(sorted(_STEPS))} and kinds out of {', '.join(sorted(_KINDS))}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    return ApprovalRule(name=str(entry.get("name", "rule")), steps=steps,
                        kinds=frozenset(entry.get("kind", ())),
                        classes=frozenset(entry.get("classes", ())),
                        units=frozenset(entry.get("units", ())),
                        min_value=float(entry.get("min_value", 0)))


def parse_rules(text: str, *, where: str = "approval chains") -> tuple[ApprovalRule, ...]:
    """The rules of a chain file's text.

    Raises
    ------
    ApprovalChainError
        Not TOML, no rules, an unknown step or kind.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ApprovalChainError(f"{where}: not valid TOML ({error})") from None
    entries = data.get("rule", [])
    if not entries:
        raise ApprovalChainError(f"{where}: no [[rule]] tables")
    return tuple(_rule(e, where) for e in entries)


def load_rules(path: Path) -> tuple[ApprovalRule, ...]:
    """The rules of a chain file (see :func:`parse_rules`)."""
    return parse_rules(path.read_text(encoding="utf-8"), where=str(path))


def default_rules() -> tuple[ApprovalRule, ...]:
    """The bundled rules (``assets/data/approval_chains.toml``)."""
    text = resources.files("assets.data").joinpath("approval_chains.toml").read_text("utf-8")
    return parse_rules(text, where="approval_chains.toml")


def chain_for(rules: tuple[ApprovalRule, ...], *, kind: str, asset_class: str, value: float,
              unit: str) -> ApprovalRule:
    """The first rule that applies.

    Raises
    ------
    ApprovalChainError
        No rule applies.

    Examples
    --------
    >>> chain_for(default_rules(), kind="loan", asset_class="it", value=5000, unit="U01").steps
    ('unit_approver', 'pool_admin')
    """
    for rule in rules:
        if rule.applies(kind, asset_class, value, unit):
            return rule
    raise ApprovalChainError(f"no approval rule for a {kind} of a {asset_class} asset worth "
                             f"{value:.2f} by unit {unit}")


@dataclass(frozen=True)
class Signer:
    """Who wants to sign: the username, the system role, and the units they head."""

    username: str
    role: str
    heads: frozenset[str] = frozenset()


def check_signer(step: str, signer: Signer, *, requester: str, unit: str) -> None:
    """Raise unless ``signer`` may sign ``step`` of ``requester``'s request for ``unit``.

    Raises
    ------
    SelfApprovalError
        The signer made the request.
    ApprovalChainError
        The signer does not hold the step's role.
    """
    if signer.username == requester:
        raise SelfApprovalError(f"{signer.username} may not approve their own request")
    entitled = {"unit_approver": unit in signer.heads,
                "pool_admin": signer.role in ("pool_admin", "admin"),
                "admin": signer.role == "admin"}[step]
    if not entitled:
        label = next(c.label_zh for c in STEP_ROLES if c.value == step)
        raise ApprovalChainError(f"this step needs the {step} ({label})"
                                 + (f" of unit {unit}" if step == "unit_approver" else "")
                                 + f"; {signer.username} is not")
