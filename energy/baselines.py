"""Baselines (能耗基线) on outdoor temperature, written with numpy.

* :func:`fit_daily` - a CalTRACK-style daily change-point model: intercept, heating degree
  days below a heating balance point and/or cooling degree days above a cooling balance point,
  balance points chosen on a grid, the candidate with the best adjusted R² whose slopes are
  positive;
* :func:`fit_hourly` - a time-of-week-and-temperature model: one coefficient per hour of
  the week plus a piecewise-linear temperature response, fitted separately for occupied and
  unoccupied hours of the week.

Each fitted model states CV(RMSE) and NMBE and whether it meets ASHRAE Guideline 14
(calibrated on monthly data: CV(RMSE) <= 15 %, |NMBE| <= 5 %; hourly: <= 30 %, <= 10 %), and
the data-sufficiency checks it passed. :func:`avoided_energy` and :func:`cusum` compare a
reporting period with the baseline's prediction.

Why numpy and not ``eemeter``/``opendsm``: those packages pull pandas-heavy pipelines and
their own data classes; the two models here are a few least-squares fits, and writing them
keeps the metrics and checks visible and the import light.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from energy.errors import BaselineError

__all__ = ["G14", "BaselineFit", "avoided_energy", "cusum", "fit_daily", "fit_hourly",
           "metrics", "month_sums"]

#: ASHRAE Guideline 14 calibration limits: (CV(RMSE) max, |NMBE| max), fractions.
G14 = {"monthly": (0.15, 0.05), "hourly": (0.30, 0.10)}
#: Temperature knots (°C) of the hourly model's piecewise-linear response (CalTRACK's
#: 30/45/55/65/75/90 °F).
HOURLY_KNOTS = (-1.1, 7.2, 12.8, 18.3, 23.9, 32.2)
_HEATING_GRID = tuple(float(t) for t in range(8, 22))
_COOLING_GRID = tuple(float(t) for t in range(14, 29))


@dataclass(frozen=True)
class BaselineFit:
    """A fitted baseline.

    Attributes
    ----------
    model : {"daily", "hourly"}
    form : str
        Daily: ``intercept``, ``heating``, ``cooling`` or ``heating_cooling``; hourly:
        ``towt``.
    coefficients : dict
        Daily: ``intercept`` (per day), ``heating_slope``/``cooling_slope`` (per degree day),
        ``heating_balance_c``/``cooling_balance_c``. Hourly: counts only (the vectors are in
        ``vectors``).
    n, parameters : int
        Observations used and parameters fitted.
    cv_rmse, nmbe : float
        On the calibration scale of the model (daily model: its monthly sums).
    cv_rmse_raw, nmbe_raw : float
        On the fitted observations themselves (days or hours).
    r2 : float
    verdict : {"meets", "fails", "insufficient"}
    sufficiency : dict
        The checks: coverage, days/hours, and whether each passed.
    """

    model: str
    form: str
    coefficients: dict
    n: int
    parameters: int
    cv_rmse: float
    nmbe: float
    cv_rmse_raw: float
    nmbe_raw: float
    r2: float
    verdict: str
    sufficiency: dict
    vectors: dict = field(default_factory=dict, repr=False)

    def predict(self, temperature: np.ndarray, hours_s: np.ndarray | None = None
                ) -> np.ndarray:
        """Predicted use for daily mean temperatures (daily model) or hourly temperatures
        at hours ``hours_s`` (Unix s; hourly model)."""
        temperature = np.asarray(temperature, dtype=np.float64)
        if self.model == "daily":
            return _daily_design(temperature, self.coefficients.get("heating_balance_c"),
                                 self.coefficients.get("cooling_balance_c")) @ \
                self.vectors["beta"]
        if hours_s is None:
            raise BaselineError("the hourly model needs the hours to predict for")
        return _towt_predict(self.vectors, temperature, np.asarray(hours_s, dtype=np.int64))

    def as_dict(self) -> dict:
        """JSON-ready form (without the coefficient vectors)."""
        return {"model": self.model, "form": self.form, "coefficients": self.coefficients,
                "n": self.n, "parameters": self.parameters,
                "cv_rmse": self.cv_rmse, "nmbe": self.nmbe, "cv_rmse_raw": self.cv_rmse_raw,
                "nmbe_raw": self.nmbe_raw, "r2": self.r2, "verdict": self.verdict,
                "criteria": {"scale": "monthly" if self.model == "daily" else "hourly",
                             "cv_rmse_max": G14["monthly" if self.model == "daily"
                                                else "hourly"][0],
                             "nmbe_max": G14["monthly" if self.model == "daily"
                                             else "hourly"][1]},
                "sufficiency": self.sufficiency}


def metrics(actual: np.ndarray, predicted: np.ndarray, parameters: int) -> tuple[float, float]:
    """CV(RMSE) and NMBE (fractions) as ASHRAE Guideline 14 defines them (n - p degrees of
    freedom).

    Examples
    --------
    >>> metrics(np.array([10.0, 12.0, 14.0]), np.array([10.0, 12.0, 14.0]), 1)
    (0.0, 0.0)
    """
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    dof = max(len(actual) - parameters, 1)
    mean = float(actual.mean()) if len(actual) else 0.0
    if mean == 0:
        return float("inf"), float("inf")
    residual = actual - predicted
    return (float(np.sqrt((residual ** 2).sum() / dof) / mean),
            float(residual.sum() / (dof * mean)))


def month_sums(days_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sums of daily ``values`` per calendar month of ``days_s`` (Unix s of each day)."""
    months = np.asarray(days_s, dtype="datetime64[s]").astype("datetime64[M]")
    _, index = np.unique(months, return_inverse=True)
    return np.bincount(index, weights=np.asarray(values, float))


def _daily_design(temperature: np.ndarray, heating: float | None, cooling: float | None
                  ) -> np.ndarray:
    columns = [np.ones_like(temperature)]
    if heating is not None:
        columns.append(np.maximum(heating - temperature, 0.0))
    if cooling is not None:
        columns.append(np.maximum(temperature - cooling, 0.0))
    return np.column_stack(columns)


def _adjusted_r2(y: np.ndarray, fitted: np.ndarray, parameters: int) -> float:
    total = ((y - y.mean()) ** 2).sum()
    if total == 0:
        return 1.0
    r2 = 1 - ((y - fitted) ** 2).sum() / total
    return float(1 - (1 - r2) * (len(y) - 1) / max(len(y) - parameters, 1))


def _daily_candidates():
    yield None, None
    for h in _HEATING_GRID:
        yield h, None
    for c in _COOLING_GRID:
        yield None, c
    for h in _HEATING_GRID:
        for c in _COOLING_GRID:
            if c > h:
                yield h, c


def _verdict(cv: float, nmbe: float, scale: str, sufficient: bool) -> str:
    if not sufficient:
        return "insufficient"
    cv_max, nmbe_max = G14[scale]
    return "meets" if cv <= cv_max and abs(nmbe) <= nmbe_max else "fails"


def fit_daily(days_s: np.ndarray, usage: np.ndarray, temperature: np.ndarray, *,
              min_days: int = 180, min_coverage: float = 0.9) -> BaselineFit:
    """The daily change-point baseline of ``usage`` per day on daily mean ``temperature``.

    Parameters
    ----------
    days_s : (n,) int64
        Unix seconds of each day's start; days with NaN usage or temperature are left out.
    usage, temperature : (n,) float64
    min_days, min_coverage : int, float
        Sufficiency: at least ``min_days`` usable days, covering at least ``min_coverage``
        of the span from the first to the last day (CalTRACK asks 365 days at 90 %; the
        default here accepts half a year so that a new meter gets a first model).

    Raises
    ------
    BaselineError
        Fewer than 10 usable days (nothing can be fitted).
    """
    days_s, usage, temperature = (np.asarray(a) for a in (days_s, usage, temperature))
    ok = ~(np.isnan(usage.astype(float)) | np.isnan(temperature.astype(float)))
    days_s, y, t = days_s[ok].astype(np.int64), usage[ok].astype(float), \
        temperature[ok].astype(float)
    if len(y) < 10:
        raise BaselineError(f"a daily baseline needs at least 10 days with usage and "
                            f"temperature; got {len(y)}")
    span = int((days_s.max() - days_s.min()) // 86400) + 1
    coverage = len(y) / span
    sufficiency = {"days": len(y), "span_days": span, "coverage": round(coverage, 4),
                   "min_days": min_days, "min_coverage": min_coverage,
                   "sufficient": len(y) >= min_days and coverage >= min_coverage}
    best = None
    for heating, cooling in _daily_candidates():
        design = _daily_design(t, heating, cooling)
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        if (beta[1:] <= 0).any():
            continue
        score = _adjusted_r2(y, design @ beta, design.shape[1])
        if best is None or score > best[0] + 1e-9:
            best = (score, heating, cooling, beta)
    _score, heating, cooling, beta = best
    fitted = _daily_design(t, heating, cooling) @ beta
    p = len(beta)
    cv_raw, nmbe_raw = metrics(y, fitted, p)
    cv, nmbe = metrics(month_sums(days_s, y), month_sums(days_s, fitted), p)
    form = {(False, False): "intercept", (True, False): "heating", (False, True): "cooling",
            (True, True): "heating_cooling"}[heating is not None, cooling is not None]
    coefficients = {"intercept": float(beta[0])}
    if heating is not None:
        coefficients |= {"heating_balance_c": heating, "heating_slope": float(beta[1])}
    if cooling is not None:
        coefficients |= {"cooling_balance_c": cooling, "cooling_slope": float(beta[-1])}
    total = ((y - y.mean()) ** 2).sum()
    r2 = float(1 - ((y - fitted) ** 2).sum() / total) if total else 1.0
    return BaselineFit("daily", form, coefficients, len(y), p, cv, nmbe, cv_raw, nmbe_raw, r2,
                       _verdict(cv, nmbe, "monthly", sufficiency["sufficient"]), sufficiency,
                       {"beta": beta})


def _hour_of_week(hours_s: np.ndarray) -> np.ndarray:
    # 1970-01-01 was a Thursday: shift so that 0 is Monday 00:00
    return ((hours_s // 3600) + 72) % 168


def _temperature_basis(temperature: np.ndarray) -> np.ndarray:
    """Piecewise-linear segments of ``temperature`` between :data:`HOURLY_KNOTS`."""
    knots = (-np.inf, *HOURLY_KNOTS, np.inf)
    columns = []
    for low, high in zip(knots[:-1], knots[1:], strict=True):
        if np.isinf(low):  # below the first knot: negative, 0 above it
            columns.append(np.minimum(temperature, high) - high)
        else:
            columns.append(np.clip(temperature, low, high) - low)
    return np.column_stack(columns)


def _towt_design(temperature: np.ndarray, hours_s: np.ndarray, occupied: np.ndarray
                 ) -> np.ndarray:
    how = _hour_of_week(hours_s)
    onehot = np.zeros((len(hours_s), 168))
    onehot[np.arange(len(hours_s)), how] = 1.0
    basis = _temperature_basis(temperature)
    occ = occupied[how][:, None]
    return np.hstack([onehot, basis * occ, basis * (1 - occ)])


def _towt_predict(vectors: dict, temperature: np.ndarray, hours_s: np.ndarray) -> np.ndarray:
    return _towt_design(temperature, hours_s, vectors["occupied"]) @ vectors["beta"]


def fit_hourly(hours_s: np.ndarray, usage: np.ndarray, temperature: np.ndarray, *,
               min_hours_per_slot: int = 4, min_coverage: float = 0.9) -> BaselineFit:
    """The hourly time-of-week-and-temperature baseline.

    An hour of the week is *occupied* where its mean use is above the midpoint between the
    10th and 90th percentiles of the 168 means; the temperature response is fitted
    separately for occupied and unoccupied hours.

    Parameters
    ----------
    hours_s : (n,) int64
        Unix seconds of each hour's start.
    usage, temperature : (n,) float64
        NaN rows are left out.
    min_hours_per_slot, min_coverage : int, float
        Sufficiency: every hour of the week seen at least this often, and the hours present
        covering this share of the span.

    Raises
    ------
    BaselineError
        Fewer than two weeks of usable hours.
    """
    hours_s, usage, temperature = (np.asarray(a) for a in (hours_s, usage, temperature))
    ok = ~(np.isnan(usage.astype(float)) | np.isnan(temperature.astype(float)))
    h, y, t = hours_s[ok].astype(np.int64), usage[ok].astype(float), \
        temperature[ok].astype(float)
    if len(y) < 336:
        raise BaselineError(f"an hourly baseline needs at least two weeks of hours with usage "
                            f"and temperature; got {len(y)} hours")
    how = _hour_of_week(h)
    counts = np.bincount(how, minlength=168)
    means = np.bincount(how, weights=y, minlength=168) / np.maximum(counts, 1)
    low, high = np.percentile(means, [10, 90])
    occupied = (means > (low + high) / 2).astype(float)
    span = int((h.max() - h.min()) // 3600) + 1
    coverage = len(y) / span
    sufficiency = {"hours": len(y), "span_hours": span, "coverage": round(coverage, 4),
                   "min_hours_per_slot": int(counts.min()), "min_coverage": min_coverage,
                   "sufficient": bool(counts.min() >= min_hours_per_slot
                                      and coverage >= min_coverage)}
    design = _towt_design(t, h, occupied)
    # normal equations: (p, p) instead of an SVD of the (n, p) design, same minimum-norm answer
    beta, _res, p, _sv = np.linalg.lstsq(design.T @ design, design.T @ y, rcond=None)
    fitted = design @ beta
    p = int(p)
    cv, nmbe = metrics(y, fitted, p)
    total = ((y - y.mean()) ** 2).sum()
    r2 = float(1 - ((y - fitted) ** 2).sum() / total) if total else 1.0
    return BaselineFit("hourly", "towt", {"occupied_hours_of_week": int(occupied.sum()),
                                          "knots_c": list(HOURLY_KNOTS)},
                       len(y), p, cv, nmbe, cv, nmbe, r2,
                       _verdict(cv, nmbe, "hourly", sufficiency["sufficient"]), sufficiency,
                       {"beta": beta, "occupied": occupied})


def avoided_energy(actual: Sequence[float], predicted: Sequence[float]) -> dict:
    """Avoided energy over a reporting period: Σ(predicted - actual), and as a share."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    saved = float((predicted - actual).sum())
    expected = float(predicted.sum())
    return {"avoided": saved, "predicted": expected, "actual": float(actual.sum()),
            "share": saved / expected if expected else None}


def cusum(actual: Sequence[float], predicted: Sequence[float]) -> np.ndarray:
    """Cumulative sum of (actual - predicted): a falling line is energy saved.

    Examples
    --------
    >>> cusum([10, 9, 8], [10, 10, 10]).tolist()
    [0.0, -1.0, -3.0]
    """
    return np.cumsum(np.asarray(actual, float) - np.asarray(predicted, float))
