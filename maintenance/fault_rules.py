"""Fault rules declared as data: defaults per device kind, overrides per device or per space.

A :class:`RuleSpec` names a rule, its type (one of :data:`RULE_TYPES`), its severity and its
parameters. A :class:`RuleConfig` holds the rules of each device kind and the overrides:

* per device: keyed by a device id or a glob pattern on it (``"AHU-*-temperature"``);
* per space: keyed by the space's GlobalId.

An override maps a rule name to ``None`` (switch the rule off), to a dict of parameters (and
optionally ``"severity"``) laid over the kind's rule, or to a whole :class:`RuleSpec` (add or
replace). Space overrides apply first, device overrides last, so the most specific one wins.

:data:`DEFAULT_RULES` are the defaults for the sample office building (GB/T 18883-style indoor
limits: 16-28 °C, CO2 1,200 ppm).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from types import MappingProxyType
from typing import Any

from bim_models.device_kinds import DEVICE_KINDS
from maintenance.choices import SEVERITIES
from maintenance.errors import RuleConfigError
from maintenance.readings import DeviceInfo

__all__ = ["DEFAULT_RULES", "RULE_PARAMETERS", "RULE_TYPES", "RuleConfig", "RuleSpec",
           "default_rule_config"]

#: Rule type -> its parameters and their defaults.
RULE_PARAMETERS: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    # value above ``above`` (or below ``below``) for ``min_duration_s``; clears once back by
    # ``hysteresis``.
    "threshold": {"above": None, "below": None, "hysteresis": 0.0, "min_duration_s": 0.0},
    # no reading for ``after_s`` (None: the kind's ``offline_after_s``); see check_stale.
    "stale": {"after_s": None},
    # the same value (within ``tolerance``) in ``count`` readings spanning ``min_duration_s``.
    "stuck": {"count": 12, "min_duration_s": 1800.0, "tolerance": 1e-9},
    # |change| / time above ``max_per_hour``, between readings ``min_interval_s`` apart.
    "rate": {"max_per_hour": 20.0, "min_interval_s": 60.0},
    # |value - mean| / std of the device's own history (per hour of day if ``seasonal``)
    # above ``z`` for ``consecutive`` readings; clears below ``z_clear``.
    "zscore": {"z": 5.0, "z_clear": 3.0, "window": 500, "min_count": 30, "seasonal": True,
               "min_std": 1e-3, "consecutive": 3},
    # a code other than ``ok`` (equipment fault code).
    "fault_code": {"ok": 0.0},
    # status off (< 0.5) during working hours for ``min_duration_s``.
    "status_off": {"start_hour": 8.0, "end_hour": 18.0, "weekdays": (0, 1, 2, 3, 4),
                   "min_duration_s": 600.0},
})
RULE_TYPES = tuple(RULE_PARAMETERS)
_SEVERITY_VALUES = tuple(c.value for c in SEVERITIES)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One fault rule.

    Attributes
    ----------
    name : str
        Stable name, unique per device (``"temperature_high"``); alarms are keyed by it.
    type : str
        One of :data:`RULE_TYPES`.
    severity : str
        One of :data:`maintenance.choices.SEVERITIES`.
    params : mapping
        Parameters of the type (see :data:`RULE_PARAMETERS`); missing ones take the defaults.
    """

    name: str
    type: str
    severity: str = "minor"
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in RULE_PARAMETERS:
            raise RuleConfigError(f"rule {self.name!r}: unknown type {self.type!r}; "
                                  f"expected one of {', '.join(RULE_TYPES)}")
        if self.severity not in _SEVERITY_VALUES:
            raise RuleConfigError(f"rule {self.name!r}: unknown severity {self.severity!r}; "
                                  f"expected one of {', '.join(_SEVERITY_VALUES)}")
        unknown = set(self.params) - set(RULE_PARAMETERS[self.type])
        if unknown:
            raise RuleConfigError(f"rule {self.name!r} ({self.type}): unknown parameter(s) "
                                  f"{', '.join(sorted(unknown))}")
        merged = {**RULE_PARAMETERS[self.type], **self.params}
        if self.type == "threshold" and (merged["above"] is None) == (merged["below"] is None):
            raise RuleConfigError(f"rule {self.name!r}: a threshold needs exactly one of "
                                  "'above' and 'below'")
        object.__setattr__(self, "params", MappingProxyType(merged))

    def with_overrides(self, overrides: Mapping[str, Any]) -> RuleSpec:
        """A copy with ``overrides`` (parameters, and ``"severity"``) laid over it."""
        params = {k: v for k, v in overrides.items() if k != "severity"}
        return replace(self, severity=overrides.get("severity", self.severity),
                       params={**self.params, **params})


Override = Mapping[str, "RuleSpec | Mapping[str, Any] | None"]


@dataclass(frozen=True)
class RuleConfig:
    """Rules per device kind, overridable per device (id or glob) and per space.

    Attributes
    ----------
    kinds : mapping of str to tuple of RuleSpec
        Device kind -> its rules.
    devices : mapping of str to override
        Device id or glob pattern -> {rule name: None | parameter dict | RuleSpec}.
    spaces : mapping of str to override
        Space GlobalId -> the same.
    utc_offset_s : float
        Local time = UTC + this (working hours, hour-of-day seasons). Default UTC+8 would be
        right for China; the sample's naive times are read as UTC, so the default is 0.
    """

    kinds: Mapping[str, tuple[RuleSpec, ...]]
    devices: Mapping[str, Override] = field(default_factory=dict)
    spaces: Mapping[str, Override] = field(default_factory=dict)
    utc_offset_s: float = 0.0

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in DEVICE_KINDS]
        if unknown:
            raise RuleConfigError(f"rules for unknown device kind(s): {', '.join(unknown)}; "
                                  f"known: {', '.join(DEVICE_KINDS)}")

    def rules_for(self, info: DeviceInfo) -> tuple[RuleSpec, ...]:
        """The rules that apply to a device, overrides applied (in declaration order)."""
        rules = {r.name: r for r in self.kinds.get(info.kind, ())}
        layers = []
        if info.space_global_id and info.space_global_id in self.spaces:
            layers.append(self.spaces[info.space_global_id])
        exact = self.devices.get(info.device_id)
        layers += [o for pattern, o in self.devices.items()
                   if o is not exact and _is_glob(pattern)
                   and fnmatchcase(info.device_id, pattern)]
        if exact is not None:
            layers.append(exact)
        for layer in layers:
            for name, change in layer.items():
                if change is None:
                    rules.pop(name, None)
                elif isinstance(change, RuleSpec):
                    rules[name] = change
                elif name in rules:
                    rules[name] = rules[name].with_overrides(change)
                else:
                    raise RuleConfigError(f"override of rule {name!r} for device "
                                          f"{info.device_id!r}: the device has no such rule")
        return tuple(rules.values())


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _threshold(name, severity, *, above=None, below=None, hysteresis=0.0, minutes=0.0):
    return RuleSpec(name, "threshold", severity, {
        "above": above, "below": below, "hysteresis": hysteresis,
        "min_duration_s": minutes * 60.0})


_OFFLINE = RuleSpec("offline", "stale", "major")
_STUCK = RuleSpec("stuck", "stuck", "minor")

_BY_KIND: dict[str, tuple[RuleSpec, ...]] = {
    "temperature": (
        _threshold("temperature_high", "major", above=28.0, hysteresis=0.5, minutes=10),
        _threshold("temperature_low", "major", below=16.0, hysteresis=0.5, minutes=10),
        RuleSpec("temperature_rate", "rate", "minor", {"max_per_hour": 20.0})),
    "co2": (_threshold("co2_high", "minor", above=1200.0, hysteresis=50.0, minutes=10),),
    "humidity": (
        _threshold("humidity_high", "minor", above=70.0, hysteresis=2.0, minutes=30),
        _threshold("humidity_low", "info", below=20.0, hysteresis=2.0, minutes=30)),
    "power": (RuleSpec("power_anomaly", "zscore", "info"),),
    "status": (RuleSpec("off_in_working_hours", "status_off", "major"),),
    "fault_code": (RuleSpec("fault_code", "fault_code", "critical"),),
    "smoke": (_threshold("smoke", "critical", above=0.5),),
}

#: Default rules of the sample building, per device kind: the rules above, a stuck-value
#: rule for every kind that expects change (``DeviceKind.expects_change``) and an offline
#: rule for every kind (after its ``offline_after_s``).
DEFAULT_RULES: Mapping[str, tuple[RuleSpec, ...]] = MappingProxyType({
    key: (*_BY_KIND.get(key, ()), *((_STUCK,) if kind.expects_change else ()), _OFFLINE)
    for key, kind in DEVICE_KINDS.items()
})

#: Sample-building overrides: the AHUs' supply-air sensors run at 13-20 °C.
_SAMPLE_DEVICE_OVERRIDES = MappingProxyType({
    "AHU-*-temperature": {"temperature_high": {"above": 22.0},
                          "temperature_low": {"below": 10.0}},
})


def default_rule_config(*, utc_offset_s: float = 0.0, devices: Mapping | None = None,
                        spaces: Mapping | None = None) -> RuleConfig:
    """The sample building's rules, with extra per-device or per-space overrides.

    Parameters
    ----------
    utc_offset_s : float, default 0
        See :attr:`RuleConfig.utc_offset_s`.
    devices, spaces : mapping, optional
        Overrides laid over the defaults (device ones after the sample's own).

    Examples
    --------
    >>> config = default_rule_config(spaces={"0BTB...": {"co2_high": {"above": 1500}}})
    ...     # doctest: +SKIP
    """
    return RuleConfig(DEFAULT_RULES, {**_SAMPLE_DEVICE_OVERRIDES, **(devices or {})},
                      dict(spaces or {}), utc_offset_s)
