"""Learned item weights: what one unit of an article really weighs in the bagging area, and how much it varies.

Catalog weights are a start, not the truth: a catalog often lists the net weight, a pack changes, a loaf of bread
varies by a tenth. Every placement the lane accepts is an observation of the article's weight; a robust running
estimate (a weighted mean and variance, with outliers rejected once there is evidence) turns those observations into
the article's expected weight and spread, and the tolerance the lane applies follows from the spread
(``tolerance_sigma`` standard deviations of a prediction, never below ``tolerance_floor_g``, the scale's resolution).

- **Prior.** An article starts from its catalog weight, with a spread of half its catalog tolerance (or the category's
  relative spread, if that is wider) and the weight of ``prior_n`` observations, so a few placements move it.
- **Confirmed observations** (an attendant looked and approved the weight) count ``confirmed_weight`` times and are
  never rejected: this is how a wrong catalog weight is corrected.
- **Outliers.** Once ``min_obs_to_reject`` observations are in, an unconfirmed one further than ``reject_sigma``
  from the mean is counted but not learned (a second item slipped under a scan must not teach the lane).
- **Forgetting.** The evidence is capped at ``max_n``, so a new pack size is learned within a few dozen sales.
- **Categories.** Per category the lane learns the relative spread of units around their article's mean (bakery
  varies more than tins) and the range of unit weights (log scale), so an article without a catalog weight or
  observations still gets a plausible range instead of "anything up to 3 kg".

Pure: the shell (``kiosk/weights.py``) keeps the table on disk, enriches each scan with the estimates as they are at
that moment, and applies the observations the reducer reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kiosk.domain.item import Item
from kiosk.lane.settings import Settings


@dataclass(frozen=True, slots=True)
class WeightEstimate:
    """One article's unit weight: mean and variance (grams, grams squared) carrying ``n`` observations of evidence."""

    mean_g: float
    var_g2: float
    n: float
    obs: int = 0            # observations learned (the prior not counted)
    rejected: int = 0       # observations rejected as outliers
    confirmed: int = 0      # of ``obs``, how many an attendant confirmed

    @property
    def sd_g(self) -> float:
        return math.sqrt(max(self.var_g2, 0.0))


@dataclass(frozen=True, slots=True)
class CategoryEstimate:
    """A category: relative spread of units around their article's mean, and the spread of unit weights (log)."""

    cv2: float = 0.0        # mean squared relative deviation of a unit from its article's mean
    cv_n: float = 0.0
    log_mean: float = 0.0   # mean of ln(unit grams) over placements of the category's articles
    log_var: float = 0.0
    log_n: float = 0.0

    @property
    def cv(self) -> float:
        return math.sqrt(max(self.cv2, 0.0))


@dataclass(frozen=True, slots=True)
class Expected:
    """What the lane expects one unit to weigh: ``mean_g`` +- ``tolerance_g``; an unknown weight (``mean_g`` None) is
    accepted anywhere in ``min_g`` .. ``max_g``. ``sd_g`` is the predicted spread, for the total check at payment."""

    mean_g: float | None
    tolerance_g: float
    sd_g: float
    min_g: float = 0.0
    max_g: float = 0.0
    source: str = "catalog"     # catalog, learned, category, unknown


def sku_key(sku: str) -> str:
    return f"sku:{sku}"


def category_key(category: str) -> str:
    return f"cat:{category}"


def prior(item: Item, category: CategoryEstimate | None, settings: Settings) -> WeightEstimate | None:
    """The estimate an article starts from: its catalog weight (None when the catalog has none)."""
    if item.weight_g is None or item.weight_g <= 0:
        return None
    w = float(item.weight_g)
    sd = (item.weight_tolerance_g / 2.0) if item.weight_tolerance_g else w * settings.default_tolerance_pct / 200.0
    if category is not None and category.cv_n >= settings.min_obs_to_reject:
        sd = max(sd, category.cv * w)
    sd = max(sd, settings.tolerance_floor_g / settings.tolerance_sigma)
    return WeightEstimate(w, sd * sd, settings.prior_n)


def observe(est: WeightEstimate, grams: float, settings: Settings, confirmed: bool = False) -> WeightEstimate:
    """Learn one placement of one unit (``confirmed``: an attendant approved it)."""
    if not confirmed and est.obs >= settings.min_obs_to_reject:
        sd = max(est.sd_g, settings.tolerance_floor_g / settings.tolerance_sigma)
        if abs(grams - est.mean_g) > settings.reject_sigma * sd:
            return WeightEstimate(est.mean_g, est.var_g2, est.n, est.obs, est.rejected + 1, est.confirmed)
    w = settings.confirmed_weight if confirmed else 1.0
    n_old = min(est.n, settings.max_n)
    s_old = est.var_g2 * n_old
    n = n_old + w
    delta = grams - est.mean_g
    mean = est.mean_g + w * delta / n
    s = s_old + w * delta * (grams - mean)
    return WeightEstimate(mean, max(s / n, 0.0), n, est.obs + 1, est.rejected, est.confirmed + int(confirmed))


def observe_category(cat: CategoryEstimate | None, grams: float, article: WeightEstimate | None,
                     settings: Settings) -> CategoryEstimate:
    """Learn one unit placement of an article of the category (its estimate before this placement)."""
    cat = cat or CategoryEstimate()
    cv2, cv_n = cat.cv2, cat.cv_n
    if article is not None and article.obs >= settings.min_obs_to_reject and article.mean_g > 0:
        r = (grams - article.mean_g) / article.mean_g
        cv_n_old = min(cv_n, settings.max_n)
        cv_n = cv_n_old + 1
        cv2 = cv2 + (r * r - cv2) / cv_n
    log_mean, log_var, log_n = cat.log_mean, cat.log_var, cat.log_n
    if grams > 0:
        x = math.log(grams)
        n_old = min(log_n, settings.max_n * 5)
        log_n = n_old + 1
        delta = x - log_mean
        log_mean = log_mean + delta / log_n
        log_var = (log_var * n_old + delta * (x - log_mean)) / log_n
    return CategoryEstimate(cv2, cv_n, log_mean, max(log_var, 0.0), log_n)


def expected(item: Item, est: WeightEstimate | None, category: CategoryEstimate | None,
             settings: Settings, weighed_g: float | None = None) -> Expected:
    """The expected weight of one unit of ``item`` under the lane's weight model.

    ``weighed_g``: a weighed article's weight from its label (or the produce scale): that is the expectation,
    with the tolerance of the scale pair and the produce bag.
    """
    floor = settings.tolerance_floor_g
    if weighed_g is not None:
        tol = max(floor, settings.default_tolerance_g, weighed_g * settings.weighed_tolerance_pct / 100.0)
        return Expected(weighed_g, tol, tol / settings.tolerance_sigma, source="label")
    if settings.weight_model == "catalog":
        if item.weight_g is None:
            return _unknown(settings, None)
        tol = settings.tolerance_for(item.weight_g, item.weight_tolerance_g)
        return Expected(float(item.weight_g), tol, tol / settings.tolerance_sigma)
    source = "learned"
    if est is None or (est.obs == 0 and item.weight_g is not None):
        est = prior(item, category, settings)
        source = "catalog"
    if est is None:
        return _unknown(settings, category)
    sd = math.sqrt(est.var_g2 * (1.0 + 1.0 / max(est.n, 1e-9)))
    tol = max(floor, settings.tolerance_sigma * sd)
    return Expected(est.mean_g, tol, max(sd, floor / settings.tolerance_sigma), source=source)


def _unknown(settings: Settings, category: CategoryEstimate | None) -> Expected:
    """An article of unknown weight: the category's range of unit weights when known, else anything plausible."""
    lo, hi = settings.weight_threshold_g, settings.unknown_weight_max_g
    if category is not None and category.log_n >= settings.category_min_obs:
        spread = settings.category_range_sigma * math.sqrt(category.log_var)
        lo = max(lo, math.exp(category.log_mean - spread))
        hi = min(hi, max(lo + settings.tolerance_floor_g, math.exp(category.log_mean + spread)))
        return Expected(None, 0.0, (hi - lo) / 4.0, lo, hi, "category")
    return Expected(None, 0.0, (hi - lo) / 4.0, lo, hi, "unknown")
