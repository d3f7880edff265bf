"""Office-space area standards as data: one rule set (TOML file) per jurisdiction and edition.

Bundled in ``spaces/rulesets/``: ``cn-2014`` (发改投资〔2014〕2674号), ``cn-1999`` (计投资〔1999〕
2250号, partial), ``uk-2016``, ``us-2025``. A user's own set (a province's 乡级 table) has the same
schema, read by :func:`load_rule_set` (any problem: :class:`RuleSetError` naming the file). Top
level (no other keys): ``key``, ``jurisdiction``, ``title``, ``source``, ``effective_from``
(date), ``basis`` (required); ``effective_to`` (inclusive), ``tolerance_m2`` (default 0),
``wc_max_m2``, ``reclaim_days``, ``utilisation_threshold`` (0-1), ``open_plan_m2_per_desk``
(> 0: the floor area that counts as one desk in an open-plan office, for its desk count and the
``under_used`` flag; without it neither is judged), ``per_person_m2`` (one figure
for every grade: uk, us), ``new_fit_out_m2`` (uk), ``notes``, ``rank_ladder``
(rank codes, highest first), ``[[tiers]]`` (unless ``per_person_m2``), ``extends`` (a bundled
key: fields but ``key``/``title``/``source`` are inherited, tiers too unless redefined). A tier:
``code``, ``name``, ``english``, ``aliases``, ``below`` (the tier whose figures its subordinate
and dispatched bodies use), ``cap_m2`` (rows may not exceed it), ``note``, ``rows``: ``grade``
(the post name as the standard writes it), ``key`` (English), ``rank`` (a ladder code, or a list
where the row covers several), ``limit_m2`` (> 0) or ``missing = true`` (figure not known: a
lookup raises :class:`RuleSetError`). Example::

    key = "cn-2014-hubei"
    jurisdiction = "cn"
    title = "党政机关办公用房建设标准, 湖北省乡级机关"
    source = "鄂发改投资〔…〕…号"
    extends = "cn-2014"
    [[tiers]]
    code = "乡"
    name = "乡级机关"
    english = "township"
    cap_m2 = 24
    rows = [{ grade = "乡级正职", key = "township_head", rank = "正科", limit_m2 = 24 }]

Grades match by post name or English key, ``org_level`` by code, code + 级, name, English word
or alias (NFKC: （） equals ()). A subordinate or dispatched body uses the ``below`` tier's row of
the same kind and rank: the body's own head and deputies (rows with ``leader = true``, 正职/副职)
the lower tier's leader rows, its department posts the lower tier's department rows (for a row
covering several ranks, 处级 = 正处/副处, its lowest unless ``rank=`` is given); where there is
no row of that kind and rank, the highest one not above it (the highest, for a rank above them
all). The standard's text: a 中央司局级派出机构 uses the 省级厅局
figures, a 省级 body's 处级 unit the 市级 ones, 科级 units the 县级 ones; so a 市 subordinate
body's 副局(处)级 gets the 县 正科级 18 m², not the 县级副职 24 m² (more than the same grade in
the parent body).
"""

from __future__ import annotations

import functools
import math
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from spaces.errors import RuleSetError, UnknownGradeError

__all__ = ["BUNDLED_KEYS", "RULESET_DIR", "GradeRow", "Limit", "RuleSet", "RuleSetError", "Tier",
           "UnknownGradeError", "bundled_rule_sets", "load_rule_set", "rule_set_for"]

RULESET_DIR = Path(__file__).with_name("rulesets")  #: folder of the bundled rule-set files
BUNDLED_KEYS = ("cn-2014", "cn-1999", "uk-2016", "us-2025")

# The keys of a file's tables and their kinds for _get ("!": required; "": checked by hand).
_TOP = {"key": "str!", "jurisdiction": "str!", "title": "str!", "source": "str!",
        "effective_from": "date!", "effective_to": "date", "basis": "str!",
        "tolerance_m2": "number", "wc_max_m2": "number", "reclaim_days": "int",
        "utilisation_threshold": "number", "open_plan_m2_per_desk": "number",
        "per_person_m2": "number", "new_fit_out_m2": "number", "notes": "str",
        "rank_ladder": "list", "tiers": "", "extends": ""}
_TIER = {"code": "str!", "name": "str!", "english": "str!", "aliases": "list", "below": "str",
         "cap_m2": "number", "note": "str", "rows": ""}
_ROW = {"grade": "str!", "key": "str!", "rank": "", "limit_m2": "number", "missing": "bool",
        "leader": "bool"}


class _Bad(Exception):  # a problem in a file, re-raised as RuleSetError naming the file
    pass


def _norm(text: str) -> str:  # NFKC, trimmed, case-folded, spaces and dashes as _
    text = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    return text.replace(" ", "_").replace("-", "_")


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Limit:
    """One person's area and its origin: ``tier``, ``grade``, ``rank`` are the row's it was read
    from (the lower tier's after a tier drop; ``"正处/副处"`` for a row covering two ranks)."""

    area_m2: float
    rule_set: str
    tier: str
    grade: str
    rank: str | None
    explanation: str


@dataclass(frozen=True)
class GradeRow:
    """One row of a tier's table; ``limit_m2`` is None where the figure is not encoded."""

    grade: str
    key: str
    ranks: tuple[str, ...]
    limit_m2: float | None
    leader: bool = False  # the body's own head or deputy (正职, 副职), not a department post


@dataclass(frozen=True)
class Tier:
    """A level of government (中央, 省, ...) and its table of grades."""

    code: str
    name: str
    english: str
    below: str | None
    aliases: tuple[str, ...]
    cap_m2: float | None
    note: str
    rows: tuple[GradeRow, ...]

    def names(self) -> set[str]:
        """Every spelling of ``org_level`` that selects this tier (normalised)."""
        extra = () if self.code.endswith("级") else (self.code + "级",)
        return {_norm(n) for n in (self.code, self.name, self.english, *extra, *self.aliases)}


@dataclass(frozen=True)
class RuleSet:
    """One edition of one jurisdiction's standard (see the module docstring for the file)."""

    key: str
    jurisdiction: str
    title: str
    source: str
    effective_from: date
    effective_to: date | None
    basis: str
    tolerance_m2: float = 0.0
    wc_max_m2: float | None = None
    reclaim_days: int | None = None
    utilisation_threshold: float | None = None
    open_plan_m2_per_desk: float | None = None
    per_person_m2: float | None = None
    notes: str = ""
    new_fit_out_m2: float | None = None
    rank_ladder: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = ()

    def tier(self, org_level: str) -> Tier:
        """The tier ``org_level`` names (中央, 省级, 中央机关, provincial...); else RuleSetError."""
        for tier in self.tiers:
            if _norm(org_level) in tier.names():
                return tier
        valid = ", ".join(f"{t.code} ({t.english})" for t in self.tiers) or "none"
        raise RuleSetError(f"{self.key}: unknown org_level {org_level!r}; valid: {valid}")

    def limit(self, grade: str, org_level: str | None = None, *, subordinate: bool = False,
              rank: str | None = None) -> Limit:
        """The usable area one person of ``grade`` may have.

        Parameters
        ----------
        grade : str
            Post name as the standard writes it (``正局(处)级``) or its English key.
        org_level : str, optional
            Tier of the body (needed where the grade is in several); ignored by uk/us sets.
        subordinate : bool
            A subordinate or dispatched body of ``org_level``: the ``below`` tier's figure for
            the same rank (``rank``: the person's, where the row covers several, as 处级).

        Raises
        ------
        UnknownGradeError
            The tier has no such grade (``valid`` lists its grades).
        RuleSetError
            Unknown or ambiguous tier, no lower tier, bad ``rank``, or a figure not encoded.
        """
        if not self.tiers:
            area = float(self.per_person_m2 or 0.0)
            why = f"{self.key}: {_fmt(area)} m² {self.basis} per person (every grade)"
            return Limit(area, self.key, "all", grade, None, why)
        tier, row = self._find(grade, org_level)
        if rank is not None and rank not in row.ranks:
            raise RuleSetError(f"{self.key}: {tier.name} {row.grade} has rank "
                               f"{'/'.join(row.ranks)}, not {rank!r}")
        if not subordinate:
            return self._limit(tier, row, "")
        if tier.below is None:
            raise RuleSetError(f"{self.key}: {tier.name} has no lower tier for a subordinate body")
        low, person = self.tier(tier.below), rank or row.ranks[-1]
        kind = "leader" if row.leader else "department"
        why = (f" (a subordinate or dispatched body of {tier.name}: {row.grade}, rank {person}, "
               f"uses the {low.name} figures, its {kind} rows")
        # the body sits one tier down and its posts keep their kind: its head and deputies use
        # the lower tier's 正职/副职 rows, its department posts the lower tier's department rows
        # (a 市 body's 副局(处)级 is not a 县级副职)
        rows = [r for r in low.rows if r.leader == row.leader] or list(low.rows)
        match, level = next((r for r in rows if person in r.ranks), None), self._level
        if match is None:
            under = [r for r in rows if level(r) >= self.rank_ladder.index(person)]
            match = min(under, key=level) if under else max(rows, key=level)
            which = ("highest row" if len(under) == len(rows) else
                     f"highest row below {person}" if under else "lowest row")
            why += f"; {low.name} has no {person} row, so its {which} is used"
        return self._limit(low, match, why + ")")

    def _level(self, row: GradeRow) -> int:
        return self.rank_ladder.index(row.ranks[0])

    def _find(self, grade: str, org_level: str | None) -> tuple[Tier, GradeRow]:
        wanted = _norm(grade)
        tiers = self.tiers if org_level is None else (self.tier(org_level),)
        hits = [(t, r) for t in tiers for r in t.rows if wanted in (_norm(r.grade), _norm(r.key))]
        if len(hits) == 1:
            return hits[0]
        if hits:
            where = ", ".join(t.code for t, _ in hits)
            raise RuleSetError(f"{self.key}: {grade!r} is in tiers {where}: give org_level")
        valid = tuple(f"{r.grade} ({r.key})" for t in tiers for r in t.rows)
        name, code = (tiers[0].name, tiers[0].code) if org_level else ("no tier", None)
        raise UnknownGradeError(f"{self.key}: {name} has no grade {grade!r}; valid grades: "
                                f"{', '.join(valid)}", grade, code, valid)

    def _limit(self, tier: Tier, row: GradeRow, why: str) -> Limit:
        if row.limit_m2 is None:
            raise RuleSetError(f"{self.key} has no figure for {tier.name} {row.grade} (see its "
                               "notes): use another edition or a custom rule set")
        note = f" ({tier.note})" if tier.note else ""
        text = f"{self.key} {tier.name} {row.grade}: {_fmt(row.limit_m2)} m² per person"
        return Limit(row.limit_m2, self.key, tier.code, row.grade, "/".join(row.ranks),
                     text + note + why)

    def open_plan_desks(self, area_m2: float) -> int | None:
        """The desks an open-plan office of ``area_m2`` holds: whole multiples of
        ``open_plan_m2_per_desk`` (``None`` where the rule set gives no such figure).

        Examples
        --------
        >>> bundled_rule_sets()["cn-2014"].open_plan_desks(40.0)
        4
        """
        if self.open_plan_m2_per_desk is None:
            return None
        return int(area_m2 // self.open_plan_m2_per_desk)

    def in_force(self, day: date) -> bool:
        """Whether this edition applies on ``day`` (``effective_to`` inclusive)."""
        day = day.date() if isinstance(day, datetime) else day
        return self.effective_from <= day <= (self.effective_to or date.max)

    def with_tolerance(self, tolerance_m2: float) -> RuleSet:
        """A copy whose rooms may exceed the summed limits by ``tolerance_m2`` (≥ 0)."""
        if not _number(tolerance_m2) or tolerance_m2 < 0:
            raise RuleSetError(f"{self.key}: tolerance_m2 must be ≥ 0, got {tolerance_m2!r}")
        return replace(self, tolerance_m2=float(tolerance_m2))


def _number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _need(ok: bool, problem: str) -> None:
    if not ok:
        raise _Bad(problem)


def _get(table: Mapping[str, Any], name: str, kind: str, where: str, default: Any) -> Any:
    _need(name in table or default is not ..., f"{where}: '{name}' is missing")
    value = table.get(name, default)
    if name not in table:
        return value
    ok = {"str": isinstance(value, str) and value.strip() != "", "number": _number(value),
          "int": type(value) is int, "date": type(value) is date, "bool": type(value) is bool,
          "list": isinstance(value, list) and all(isinstance(v, str) for v in value)}[kind]
    what = {"str": "non-empty string", "date": "date (YYYY-MM-DD, unquoted)"}.get(kind, kind)
    _need(ok, f"{where}: '{name}' must be a {what}, got {value!r}")
    return value


def _fields(raw: Any, spec: dict[str, str], where: str, base: Any = None) -> dict[str, Any]:
    _need(isinstance(raw, Mapping), f"{where}: must be a table, got {raw!r}")
    unknown = ", ".join(sorted(set(raw) - set(spec)))
    _need(not unknown, f"{where}: unknown key(s) {unknown}; allowed: {', '.join(sorted(spec))}")
    return {name: _get(raw, name, kind.rstrip("!"), where, getattr(base, name)
                       if base is not None and name not in ("key", "title", "source") else
                       ... if kind.endswith("!") else None)
            for name, kind in spec.items() if kind}


def _row(raw: Any, where: str, ladder: tuple[str, ...], cap: float | None) -> GradeRow:
    row = _fields(raw, _ROW, where)
    where = f"{where} ({row['grade']})"
    ranks = rank if isinstance(rank := raw.get("rank"), list) else [rank]
    _need(bool(ranks) and all(r in ladder for r in ranks),
          f"{where}: rank {rank!r} is not on rank_ladder ({', '.join(ladder)})")
    area = row["limit_m2"]
    if row["missing"]:
        _need(area is None, f"{where}: a row marked missing has no limit_m2")
    else:
        _need(area is not None, f"{where}: 'limit_m2' is missing (or mark the row missing)")
        _need(0 < area <= (cap or math.inf), f"{where}: limit_m2 {area} must be > 0 and at "
              f"most the tier's cap_m2 ({cap})")
    return GradeRow(row["grade"], row["key"], tuple(sorted(ranks, key=ladder.index)),
                    None if area is None else float(area), bool(row["leader"]))


def _tier(raw: Any, where: str, ladder: tuple[str, ...]) -> Tier:
    tier = _fields(raw, _TIER, where)
    where, rows = f"tier {tier['code']}", raw.get("rows")
    _need(isinstance(rows, list) and bool(rows), f"{where}: 'rows' must be a non-empty list")
    parsed = tuple(_row(r, f"{where} row {i + 1}", ladder, tier["cap_m2"])
                   for i, r in enumerate(rows))
    for attr in ("grade", "key"):
        names = [_norm(getattr(r, attr)) for r in parsed]
        _need(len(set(names)) == len(names), f"{where}: two rows have the same {attr}")
    return Tier(**{**tier, "aliases": tuple(tier["aliases"] or ()), "note": tier["note"] or "",
                   "rows": parsed})


def _build(data: dict[str, Any]) -> RuleSet:
    base = None
    if "extends" in data:
        base = bundled_rule_sets().get(str(data["extends"]))
        _need(base is not None, f"extends {data['extends']!r}: not a bundled rule set "
                                f"({', '.join(BUNDLED_KEYS)})")
    fields = _fields(data, _TOP, "top level", base)
    ladder = fields["rank_ladder"] = tuple(fields["rank_ladder"] or ())
    tiers = {t.code: t for t in (base.tiers if base else ())}
    raw_tiers = data.get("tiers", [])
    _need(isinstance(raw_tiers, list), "'tiers' must be a list of [[tiers]] tables")
    for i, raw in enumerate(raw_tiers):
        tier = _tier(raw, f"tier {i + 1}", ladder)
        _need(all(t.get("code") != tier.code for t in raw_tiers[:i]),
              f"tier {tier.code} is defined twice")
        tiers[tier.code] = tier
    seen: dict[str, str] = {}
    for tier in tiers.values():
        _need(tier.below is None or tier.below in tiers, f"tier {tier.code}: below "
              f"{tier.below!r} is an unknown tier; tiers: {', '.join(tiers)}")
        for alias in tier.names():
            _need(seen.setdefault(alias, tier.code) == tier.code,
                  f"tiers {seen[alias]} and {tier.code} both answer to {alias!r}")
    per_person, threshold = fields["per_person_m2"], fields["utilisation_threshold"]
    _need(bool(tiers) or per_person is not None, "give per_person_m2 or [[tiers]] with rows")
    _need(per_person is None or per_person > 0, f"per_person_m2 must be > 0, got {per_person}")
    _need(threshold is None or 0 < threshold <= 1,
          f"utilisation_threshold must be in (0, 1], got {threshold}")
    per_desk = fields["open_plan_m2_per_desk"]
    _need(per_desk is None or per_desk > 0, f"open_plan_m2_per_desk must be > 0, got {per_desk}")
    if per_desk is not None:
        fields["open_plan_m2_per_desk"] = float(per_desk)
    start, end = fields["effective_from"], fields["effective_to"]
    _need(end is None or end >= start, f"effective_to {end} is before effective_from {start}")
    fields["tolerance_m2"] = float(fields["tolerance_m2"] or 0.0)
    _need(fields["tolerance_m2"] >= 0, f"tolerance_m2 must be ≥ 0, got {fields['tolerance_m2']}")
    fields["jurisdiction"] = _norm(fields["jurisdiction"])
    fields["notes"] = (fields["notes"] or "").strip()
    return RuleSet(**fields, tiers=tuple(tiers.values()))


def load_rule_set(path: Path | str) -> RuleSet:
    """Read and validate a rule-set TOML file (schema: module docstring).

    Raises
    ------
    RuleSetError
        Unreadable, not TOML, or against the schema; the message names the file and problem.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise RuleSetError(f"{path}: cannot read the rule set: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return _build(data)
    except _Bad as exc:
        raise RuleSetError(f"{path}: {exc}") from None


@functools.cache
def _bundled() -> tuple[RuleSet, ...]:
    return tuple(load_rule_set(RULESET_DIR / f"{key}.toml") for key in BUNDLED_KEYS)


def bundled_rule_sets() -> dict[str, RuleSet]:
    """The bundled rule sets by key (the files are read once per process)."""
    return {rule_set.key: rule_set for rule_set in _bundled()}


def rule_set_for(day: date, jurisdiction: str = "cn", *,
                 rule_sets: Mapping[str, RuleSet] | Iterable[RuleSet] | None = None) -> RuleSet:
    """The edition of ``jurisdiction`` in force on ``day``, from ``rule_sets`` (default: the
    bundled ones; custom editions may be added): where several are in force, the latest wins.

    Raises
    ------
    RuleSetError
        No rule set of that jurisdiction, or none in force that day.
    """
    pool = bundled_rule_sets() if rule_sets is None else rule_sets
    sets = list(pool.values() if isinstance(pool, Mapping) else pool)
    same = [s for s in sets if s.jurisdiction == _norm(jurisdiction)]
    if not same:
        known = ", ".join(sorted({s.jurisdiction for s in sets})) or "none"
        raise RuleSetError(f"no rule set for jurisdiction {jurisdiction!r}; known: {known}")
    live = [s for s in same if s.in_force(day)]
    if not live:
        editions = ", ".join(f"{s.key} ({s.effective_from} – {s.effective_to or ''})"
                             for s in same)
        raise RuleSetError(f"no {jurisdiction} rule set in force on {day}; editions: {editions}")
    return max(live, key=lambda s: s.effective_from)
