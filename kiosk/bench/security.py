"""``kiosk bench security``: how well the bagging-area rules catch fraud, and what they cost honest shoppers.

    kiosk bench security [--transactions 3000] [--warmup 300] [--sweep-transactions 1000] [--seed 1]
                         [--out bench-out/security] [--quick] [--no-sweep] [--jobs 2] [--config lane.toml]
                         [--mix 0.6,0.1,0.3]

Simulated shoppers (:mod:`kiosk.bench.shopper`) check out against two configurations of the same lane in one run:

- **lane**: the lane's rules as configured (learned item weights, nudges, confirmation, forgiveness, total check);
- **baseline**: the naive rules of a classic self-checkout: a fixed tolerance around the catalog weights, nothing
  learned, no nudge (every stop calls the attendant at once).

Each configuration first sells ``--warmup`` honest transactions (the lane learns its item weights from an empty
table; reported on a line of its own), then the measured set: the same transactions, drawn from the same seed, for
both. Every measured transaction is a scenario file (``DIR/lane/0007-unscanned.jsonl``) that ``kiosk replay``
replays with the same interventions (``--config DIR/lane.toml`` or ``DIR/baseline.toml``).

Reported per configuration: the share of unscanned items caught by weight class (< 50 g, 50-200 g, > 200 g): items
bagged with no scan at all (a thief's, and ones the shopper forgot: the target's figure), items stacked on a scanned
one (whose detection limit is the scanned item's own weight spread: a melon varies by more than a chocolate bar
weighs), and all together; the caught share per fraud, false
interventions (attendant alerts of the bagging-area kinds in honest transactions) per 100 honest transactions, nudges
per transaction and the share the shopper corrected before an attendant was called, time to detection, attendant
minutes per 100 transactions (alert to resolution plus half a minute of handling per alert). The sweep moves the
main tolerance setting (the lane's ``tolerance_sigma``; the baseline's tolerance percentage, catalog tolerances
scaled alike) and plots caught share against false interventions (``plot.png``). Figures are printed and written
(``report.md``, ``report.json``), never asserted; the same seed gives the same report.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import multiprocessing
import re
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable

from kiosk.bench.shopper import (FORGOT_SCAN, DOUBLE_SCAN, FRAUDS, HONEST, MISTAKE, MISTAKES, FRAUD, STACKED,
                                 UNSCANNED, WEIGHT_CLASSES, Action, Checkout, IvRecord, Mix, Plan, Store, TxnRecord,
                                 make_plan, weight_class)
from kiosk.lane.interventions import (AGE_CHECK, ITEM_NOT_BAGGED, ITEM_REMOVED, RESCAN_AUDIT, SECURITY_KINDS,
                                      TOTAL_MISMATCH, UNEXPECTED_ITEM, WEIGHT_MISMATCH)

#: Unscanned items bagged with no scan at all: not scanned by a thief, or forgotten by the shopper.
NO_SCAN = "no_scan"
#: A weight intervention that counts as catching a fraud raised after it.
CAUGHT_KINDS = frozenset({UNEXPECTED_ITEM, ITEM_REMOVED, WEIGHT_MISMATCH, TOTAL_MISMATCH})
#: The naive baseline: fixed tolerance around catalog weights, nothing learned, no nudge, no forgiveness.
BASELINE = {"nudge_s": 0.0, "confirm_s": 0.0, "forgive_first": False, "weight_model": "catalog",
            "total_check": False, "audit_seed": ""}
#: The lane as a store runs it: its default rules, with random rescan audits on (a store sets its own secret seed).
LANE = {"audit_seed": "bench-audit-seed"}
LANE_SWEEP = (2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)            # tolerance_sigma
BASELINE_SWEEP = (2.0, 3.0, 5.0, 8.0, 12.0, 20.0)          # default_tolerance_pct (catalog tolerances scaled alike)
QUICK_LANE_SWEEP = (3.0, 6.0)
QUICK_BASELINE_SWEEP = (3.0, 12.0)
DEFAULT_OUT = Path("bench-out/security")
SCRYPT_CHEAP_N = 16          # the bench's attendants: the same PIN, a cheap hash (sign-in is not what is measured)


class BenchError(Exception):
    """The benchmark cannot run; the message says why and what to do."""


# ------------------------------------------------------------------------------------------------------- metrics

def caught_by(rec: TxnRecord, action: Action) -> IvRecord | None:
    """The first weight intervention raised in the transaction at or after ``action`` (any status), or None."""
    hits = [iv for iv in rec.interventions if iv.kind in CAUGHT_KINDS and iv.t_raised >= action.t_action - 1e-6]
    return min(hits, key=lambda iv: (iv.t_raised, iv.id)) if hits else None


def _alerted_after(rec: TxnRecord, action: Action) -> float | None:
    times = [iv.t_alerted for iv in rec.interventions
             if iv.kind in CAUGHT_KINDS and iv.t_alerted is not None and iv.t_raised >= action.t_action - 1e-6]
    return min(times) if times else None


def _share(hit: int, n: int) -> float | None:
    return hit / n if n else None


def _count(n: int, hit: int) -> dict[str, Any]:
    return {"n": n, "caught": hit, "share": _share(hit, n)}


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]


def _dist(values: list[float]) -> dict[str, Any]:
    p90 = pct(values, 90)
    return {"n": len(values), "median": round(statistics.median(values), 2) if values else None,
            "p90": None if p90 is None else round(p90, 2)}


def _was_nudge(iv: IvRecord) -> bool:
    return iv.t_alerted is None or iv.t_alerted > iv.t_raised + 1e-9


def compute_metrics(records: Iterable[TxnRecord]) -> dict[str, Any]:
    """The benchmark's figures from per-transaction records (pure: the same records give the same figures)."""
    records = list(records)
    n = len(records)
    honest = [r for r in records if r.kind == HONEST]
    # Unscanned items by weight class: bagged with no scan at all (a thief's, or one the shopper forgot: the target
    # counts these), stacked on a scanned item (the detection limit is that item's own spread), and all together.
    classes: dict[str, dict[str, list[int]]] = {k: {c: [0, 0] for c in WEIGHT_CLASSES}
                                                for k in (UNSCANNED, FORGOT_SCAN, NO_SCAN, STACKED, "together")}
    ge50 = [0, 0]
    stacked_ge50 = [0, 0]
    behaviours: dict[str, list[int]] = {k: [0, 0] for k in FRAUDS + MISTAKES}
    fraud_all = [0, 0]
    audit_found = 0
    to_raise: list[float] = []
    to_alert: list[float] = []
    self_fixed_mistakes = 0
    for r in records:
        for a in r.actions:
            hit = caught_by(r, a)
            if a.kind == DOUBLE_SCAN:
                # A double scan is found by the lane waiting for the second unit, not by a weight change.
                hit_ok = any(iv.kind == ITEM_NOT_BAGGED and iv.t_raised >= a.t_action - 1e-6
                             for iv in r.interventions)
            else:
                hit_ok = hit is not None
            behaviours[a.kind][0] += 1
            behaviours[a.kind][1] += int(hit_ok)
            if a.kind in (UNSCANNED, FORGOT_SCAN, STACKED):
                c = weight_class(a.grams)
                for key in (a.kind, "together") + ((NO_SCAN,) if a.kind != STACKED else ()):
                    classes[key][c][0] += 1
                    classes[key][c][1] += int(hit_ok)
                if a.grams >= 50:
                    counter = stacked_ge50 if a.kind == STACKED else ge50
                    counter[0] += 1
                    counter[1] += int(hit_ok)
            if a.kind in FRAUDS:
                fraud_all[0] += 1
                fraud_all[1] += int(hit_ok)
                if not hit_ok and any(iv.kind == RESCAN_AUDIT and iv.resolution == "audit_found"
                                      and iv.t_raised >= a.t_action - 1e-6 for iv in r.interventions):
                    audit_found += 1
                if hit is not None:
                    to_raise.append(hit.t_raised - a.t_action)
                    alerted = _alerted_after(r, a)
                    if alerted is not None:
                        to_alert.append(alerted - a.t_action)
            if a.kind == FORGOT_SCAN and hit is not None and hit.resolved_by == "shopper" and hit.t_alerted is None:
                self_fixed_mistakes += 1
    false_alerts = sum(1 for r in honest for iv in r.interventions
                       if iv.kind in SECURITY_KINDS and iv.t_alerted is not None)
    false_by_kind: dict[str, int] = {}
    honest_stopped = 0
    for r in honest:
        stopped = False
        for iv in r.interventions:
            if iv.kind in SECURITY_KINDS and iv.t_alerted is not None:
                false_by_kind[iv.kind] = false_by_kind.get(iv.kind, 0) + 1
                stopped = True
        honest_stopped += int(stopped)
    nudges = [iv for r in records for iv in r.interventions if iv.kind in SECURITY_KINDS and _was_nudge(iv)]
    honest_nudges = [iv for r in honest for iv in r.interventions if iv.kind in SECURITY_KINDS and _was_nudge(iv)]
    corrected = [iv for iv in nudges if iv.resolved_by == "shopper" and iv.t_alerted is None]
    minutes = {"security": 0.0, "age_check": 0.0, "rescan_audit": 0.0, "other": 0.0}
    alerts = {"security": 0, "age_check": 0, "rescan_audit": 0, "other": 0}
    for r in records:
        for iv in r.interventions:
            if iv.t_alerted is None:
                continue
            end = iv.t_resolved if iv.t_resolved is not None else r.t_end
            group = ("security" if iv.kind in SECURITY_KINDS else iv.kind if iv.kind in (AGE_CHECK, RESCAN_AUDIT)
                     else "other")
            minutes[group] += max(0.0, end - iv.t_alerted) / 60.0 + 0.5
            alerts[group] += 1
    unpaid = [(sku, g) for r in records for sku, g in r.unpaid_left]
    audits = [iv for r in records for iv in r.interventions if iv.kind == RESCAN_AUDIT]
    per100 = (lambda x: 100.0 * x / n) if n else (lambda x: None)
    return {
        "transactions": n,
        "by_kind": {k: sum(1 for r in records if r.kind == k) for k in (HONEST, MISTAKE, FRAUD)},
        "unscanned_by_class": {k: {c: _count(*v) for c, v in cls.items()} for k, cls in classes.items()},
        "unscanned_ge50": _count(*ge50),
        "stacked_ge50": _count(*stacked_ge50),
        "fraud_all": _count(*fraud_all),
        "fraud_found_by_audit": _count(fraud_all[0], audit_found),
        "fraud_caught_or_audited": _count(fraud_all[0], fraud_all[1] + audit_found),
        "by_behaviour": {k: _count(*v) for k, v in behaviours.items()},
        "forgot_scan_self_corrected": self_fixed_mistakes,
        "false_interventions": false_alerts,
        "false_by_kind": dict(sorted(false_by_kind.items())),
        "false_per_100_honest": 100.0 * false_alerts / len(honest) if honest else None,
        "honest_with_false_intervention": _share(honest_stopped, len(honest)),
        "nudges_per_txn": len(nudges) / n if n else None,
        "nudges_per_honest_txn": len(honest_nudges) / len(honest) if honest else None,
        "nudges_self_corrected": _share(len(corrected), len(nudges)),
        "time_to_raise_s": _dist(to_raise),
        "time_to_alert_s": _dist(to_alert),
        "attendant_minutes_per_100": per100(sum(minutes.values())),
        "attendant_minutes_per_100_by": {k: per100(v) for k, v in minutes.items()},
        "alerts_per_100": {k: per100(v) for k, v in alerts.items()},
        "audits": {"n": len(audits), "found": sum(1 for iv in audits if "found" in (iv.resolution or ""))},
        "stuck": sum(1 for r in records if r.status == "stuck"),
        "not_paid": sum(1 for r in records if r.status not in ("paid", "stuck")),
        "unpaid_items_left": len(unpaid),
        "unpaid_grams_left": round(sum(g for _, g in unpaid), 1),
    }


# ---------------------------------------------------------------------------------------------------- the runs

@dataclass(frozen=True)
class Job:
    """One configuration to run: its name, its rule overrides, and whether its scenarios are written."""

    name: str                             # lane, baseline
    setting: str                          # the swept setting's name
    value: float                          # and its value here
    overrides: tuple[tuple[str, Any], ...]
    catalog_scale: float = 1.0            # catalog tolerances scaled (the baseline's sweep)
    write_dir: str | None = None
    is_default: bool = False
    transactions: int | None = None       # measured transactions, when not the run's (the sweep's points)


@dataclass(frozen=True)
class Params:
    config: str
    seed: str
    warmup: int
    transactions: int
    mix: Mix


@dataclass(frozen=True)
class JobResult:
    job: Job
    warmup: tuple[TxnRecord, ...]
    records: tuple[TxnRecord, ...]
    learned: int                          # learned weight entries at the end
    replay_checked: int = 0               # measured scenarios replayed afterwards ...
    replay_differ: int = 0                # ... whose interventions differed from the live run


class ScaledCatalog:
    """The catalog with every item's own weight tolerance scaled (the baseline's tolerance sweep)."""

    def __init__(self, catalog, factor: float):
        self._catalog = catalog
        self._factor = factor

    def _scaled(self, item):
        if item is None or not item.weight_tolerance_g or self._factor == 1.0:
            return item
        return replace(item, weight_tolerance_g=item.weight_tolerance_g * self._factor)

    def lookup_gtin(self, gtin14: str):
        return self._scaled(self._catalog.lookup_gtin(gtin14))

    def lookup_plu(self, plu: str):
        return self._scaled(self._catalog.lookup_plu(plu))


def _all_items(catalog) -> list:
    items = []
    for category in catalog.categories():
        items.extend(catalog.items_by_category(category, limit=1_000_000))
    return items


def bench_config(config, overrides: dict[str, Any]):
    """The lane config with rule overrides, and attendants whose PINs are checked cheaply (same PINs)."""
    from kiosk.attendants import hash_pin
    from kiosk.config import Attendant
    settings = replace(config.settings, **overrides)
    cheap = tuple(Attendant(a.id, a.name, a.role, hash_pin("1234", salt=a.id.encode(), n=SCRYPT_CHEAP_N)
                            if a.id == "anna" else None, a.badge) for a in config.attendants)
    return replace(config, settings=settings, attendants=cheap)


def play(plan: Plan, store: Store, config, lookup, book, attendants, t0: float, seed: str
         ) -> tuple[TxnRecord, list[str], dict[str, Any]]:
    """One transaction on a fresh lane (its own journal) that shares ``book``: its record, its scenario lines and the
    replay report of the live run."""
    from kiosk.replay import ScenarioRunner
    from kiosk.security.weights import category_key, sku_key
    cats = sorted({c for s in plan.skus if (c := store.by_sku[s].item.category)})
    learned = book.export([sku_key(s) for s in plan.skus] + [category_key(c) for c in cats])["estimates"]
    runner = ScenarioRunner(config, lookup, weights=book, start_t=t0, attendants=attendants)
    co = Checkout(plan, store, runner, t0, seed, learned=learned)
    rec = co.run()
    result = runner.finish()
    return rec, co.lines, result.report


def interventions_of(report: dict[str, Any]) -> list[tuple]:
    """What must be the same when a scenario is replayed: every intervention of every transaction."""
    return [(iv["kind"], iv["t_raised"], iv["t_resolved"], iv["resolved_by"], iv["resolution"])
            for txn in report["transactions"] for iv in txn["interventions"]]


def replay_lines(lines: list[str], config, lookup) -> dict[str, Any]:
    """Replay scenario lines on a fresh lane with a fresh weight table (seeded by the scenario's ``learned`` line)."""
    from kiosk.replay import parse_scenario, replay
    return replay(parse_scenario(lines), config, lookup).report


def run_job(job: Job, params: Params, replay_check: int = 0) -> JobResult:
    """Warm-up and measured transactions of one configuration, in order (learning carries over between them).
    ``replay_check``: replay that many measured scenarios afterwards and count those whose interventions differ."""
    from kiosk.attendants import Attendants, verify_pin
    from kiosk.catalog import open_for_replay
    from kiosk.config import load
    from kiosk.weights import WeightBook

    base = load(params.config)
    if not any(a.id == "anna" and a.role == "attendant" and a.pin_hash and verify_pin("1234", a.pin_hash)
               for a in base.attendants):
        raise BenchError(f"{params.config}: the benchmark's attendant 'anna' with PIN 1234 is not in the config")
    config = bench_config(base, dict(job.overrides))
    attendants = Attendants(config.attendants)
    out = Path(job.write_dir) if job.write_dir else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    with open_for_replay(None, base) as catalog:
        store = Store(_all_items(catalog), base.layouts, catalog, params.seed)
        lookup = ScaledCatalog(catalog, job.catalog_scale) if job.catalog_scale != 1.0 else catalog
        book = WeightBook()
        t = 0.0
        phases: dict[str, list[TxnRecord]] = {"warmup": [], "measured": []}
        checks: list[tuple[list[str], list[tuple]]] = []
        for phase, count in (("warmup", params.warmup), ("measured", job.transactions or params.transactions)):
            for k in range(count):
                seed = f"{params.seed}/{phase}/{k}"
                plan = make_plan(store, k + 1, seed, params.mix, force=HONEST if phase == "warmup" else None)
                rec, lines, report = play(plan, store, config, lookup, book, attendants, t, seed)
                phases[phase].append(rec)
                if phase == "measured":
                    if out is not None:
                        (out / f"{k + 1:04d}-{plan.label}.jsonl").write_text("\n".join(lines) + "\n",
                                                                            encoding="utf-8")
                    if len(checks) < replay_check:
                        checks.append((lines, interventions_of(report)))
                t = round(rec.t_end + 10.0, 1)
        differ = sum(1 for lines, want in checks if interventions_of(replay_lines(lines, config, lookup)) != want)
    return JobResult(job, tuple(phases["warmup"]), tuple(phases["measured"]), len(book), len(checks), differ)


def _run_job_args(args: tuple[Job, Params, int]) -> JobResult:
    return run_job(*args)


def make_jobs(config, out: Path | None, sweep: bool, quick: bool, sweep_transactions: int | None = None) -> list[Job]:
    """The two default configurations first (their scenarios written), then the sweep points."""
    lane_sigma = config.settings.tolerance_sigma
    pct0 = config.settings.default_tolerance_pct
    g0 = config.settings.default_tolerance_g
    jobs = [
        Job("lane", "tolerance_sigma", lane_sigma, tuple(LANE.items()), 1.0, str(out / "lane") if out else None,
            True),
        Job("baseline", "default_tolerance_pct", pct0, tuple(BASELINE.items()), 1.0,
            str(out / "baseline") if out else None, True),
    ]
    if sweep:
        for v in (QUICK_LANE_SWEEP if quick else LANE_SWEEP):
            if v != lane_sigma:
                jobs.append(Job("lane", "tolerance_sigma", v, tuple(LANE.items()) + (("tolerance_sigma", v),),
                                transactions=sweep_transactions))
        for v in (QUICK_BASELINE_SWEEP if quick else BASELINE_SWEEP):
            if v != pct0:
                f = v / pct0
                jobs.append(Job("baseline", "default_tolerance_pct", v, tuple(BASELINE.items()) + (
                    ("default_tolerance_pct", v), ("default_tolerance_g", round(g0 * f, 2))), f,
                    transactions=sweep_transactions))
    return jobs


def run_all(jobs: list[Job], params: Params, n_jobs: int, replay_check: int = 0) -> list[JobResult]:
    work = [(j, params, replay_check if j.is_default else 0) for j in jobs]
    if n_jobs <= 1 or len(work) <= 1:
        return [run_job(*w) for w in work]
    with multiprocessing.get_context().Pool(min(n_jobs, len(work))) as pool:
        return pool.map(_run_job_args, work, chunksize=1)


# ------------------------------------------------------------------------------------------------------- report

def sweep_point(result: JobResult) -> dict[str, Any]:
    m = compute_metrics(result.records)
    return {"config": result.job.name, "setting": result.job.setting, "value": result.job.value,
            "default": result.job.is_default, "caught_ge50": m["unscanned_ge50"]["share"],
            "caught_fraud": m["fraud_all"]["share"], "false_per_100_honest": m["false_per_100_honest"]}


def compare(lane: dict[str, Any], baseline: dict[str, Any], baseline_curve: list[dict[str, Any]]) -> dict[str, Any]:
    """False interventions of the baseline over the lane's: at the defaults, and at an equal or better caught rate
    (the baseline's fewest false interventions among its settings that catch at least as much fraud as the lane)."""
    lf, bf = lane["false_per_100_honest"], baseline["false_per_100_honest"]

    def ratio(b: float | None) -> float | None:
        if b is None or lf is None:
            return None
        return b / lf if lf > 0 else (math.inf if b > 0 else None)

    lane_caught = lane["fraud_all"]["share"]
    at_least = [p for p in baseline_curve if p["caught_fraud"] is not None and lane_caught is not None
                and p["caught_fraud"] >= lane_caught]
    best = min(at_least, key=lambda p: p["false_per_100_honest"]) if at_least else None
    return {
        "false_ratio_at_defaults": ratio(bf),
        "baseline_setting_at_equal_caught": None if best is None else best["value"],
        "false_ratio_at_equal_caught": None if best is None else ratio(best["false_per_100_honest"]),
        "baseline_reaches_lane_caught_rate": best is not None,
    }


def _fmt_share(c: dict[str, Any]) -> str:
    if not c["n"]:
        return "-"
    return f"{100 * c['share']:.1f} % ({c['caught']}/{c['n']})"


def _fmt(x: float | None, digits: int = 2, unit: str = "") -> str:
    if x is None:
        return "-"
    if x == math.inf:
        return "∞"
    return f"{x:.{digits}f}{unit}"


def targets(lane: dict[str, Any], cmp: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    c = lane["unscanned_ge50"]
    f = lane["false_per_100_honest"]
    ratio = cmp["false_ratio_at_equal_caught"]
    if not cmp["baseline_reaches_lane_caught_rate"]:
        ratio_ok: bool | None = True if f is not None else None
        ratio_txt = "no baseline setting catches as much fraud as the lane"
    else:
        ratio_ok = None if ratio is None else ratio >= 3.0
        ratio_txt = f"{_fmt(ratio)} x (baseline at {cmp['baseline_setting_at_equal_caught']} %)"
    return [
        (">= 99 % of unscanned items of 50 g or more caught (bagged with no scan)",
         None if c["share"] is None else c["share"] >= 0.99,
         _fmt_share(c)),
        ("<= 1 false intervention per 100 honest transactions", None if f is None else f <= 1.0, _fmt(f)),
        (">= 3 x fewer false interventions than the baseline at an equal or better caught rate", ratio_ok,
         ratio_txt),
    ]


def render(report: dict[str, Any]) -> str:
    """The report as markdown."""
    lane, base = report["configs"]["lane"]["metrics"], report["configs"]["baseline"]["metrics"]
    p = report["params"]
    out = [f"# Security benchmark (seed {p['seed']}, {p['transactions']} transactions, warm-up {p['warmup']})", ""]
    out.append(f"Mix: {p['mix']['honest']:.0%} honest, {p['mix']['mistake']:.0%} with a mistake, "
               f"{p['mix']['fraud']:.0%} with a fraud. Measured: {lane['by_kind'][HONEST]} honest, "
               f"{lane['by_kind'][MISTAKE]} mistake, {lane['by_kind'][FRAUD]} fraud transactions.")
    out.append("")
    for name in ("lane", "baseline"):
        w = report["configs"][name]["warmup"]
        out.append(f"Warm-up ({name}): {w['transactions']} honest transactions, "
                   f"{_fmt(w['false_per_100_honest'])} false interventions per 100, "
                   f"{report['configs'][name]['learned']} learned weight entries at the end.")
    for name in ("lane", "baseline"):
        rc = report["configs"][name]["replay_check"]
        if rc["replayed"]:
            out.append(f"Replay check ({name}): {rc['replayed'] - rc['differ']} of {rc['replayed']} recorded "
                       f"scenarios replayed with the same interventions.")
    out += ["", "| | lane | baseline |", "|---|---|---|"]

    def row(label: str, a: str, b: str) -> None:
        out.append(f"| {label} | {a} | {b} |")

    for key, title in ((UNSCANNED, "not scanned (fraud)"), (FORGOT_SCAN, "not scanned (forgotten)"),
                       (NO_SCAN, "not scanned (both)"), (STACKED, "stacked on a scanned item"),
                       ("together", "unscanned, all")):
        for c in WEIGHT_CLASSES:
            row(f"caught, {title}, {c}", _fmt_share(lane["unscanned_by_class"][key][c]),
                _fmt_share(base["unscanned_by_class"][key][c]))
    row("caught, not scanned >= 50 g", _fmt_share(lane["unscanned_ge50"]), _fmt_share(base["unscanned_ge50"]))
    row("caught, stacked >= 50 g", _fmt_share(lane["stacked_ge50"]), _fmt_share(base["stacked_ge50"]))
    for k in FRAUDS:
        row(f"caught, {k}", _fmt_share(lane["by_behaviour"][k]), _fmt_share(base["by_behaviour"][k]))
    row("caught, all fraud", _fmt_share(lane["fraud_all"]), _fmt_share(base["fraud_all"]))
    row("... missed by weight, found by a rescan audit", _fmt_share(lane["fraud_found_by_audit"]),
        _fmt_share(base["fraud_found_by_audit"]))
    row("caught or found, all fraud", _fmt_share(lane["fraud_caught_or_audited"]),
        _fmt_share(base["fraud_caught_or_audited"]))
    for k in MISTAKES:
        row(f"found, mistake {k}", _fmt_share(lane["by_behaviour"][k]), _fmt_share(base["by_behaviour"][k]))
    row("false interventions per 100 honest", _fmt(lane["false_per_100_honest"]),
        _fmt(base["false_per_100_honest"]))
    row("honest transactions with a false intervention",
        _fmt(None if lane["honest_with_false_intervention"] is None else 100 * lane["honest_with_false_intervention"],
             1, " %"),
        _fmt(None if base["honest_with_false_intervention"] is None else 100 * base["honest_with_false_intervention"],
             1, " %"))
    row("false interventions by kind", ", ".join(f"{k} {v}" for k, v in lane["false_by_kind"].items()) or "-",
        ", ".join(f"{k} {v}" for k, v in base["false_by_kind"].items()) or "-")
    row("nudges per transaction", _fmt(lane["nudges_per_txn"]), _fmt(base["nudges_per_txn"]))
    row("nudges corrected by the shopper", _fmt(None if lane["nudges_self_corrected"] is None
                                                else 100 * lane["nudges_self_corrected"], 1, " %"),
        _fmt(None if base["nudges_self_corrected"] is None else 100 * base["nudges_self_corrected"], 1, " %"))
    for key, title in (("time_to_raise_s", "time to detection (raised)"), ("time_to_alert_s", "time to attendant")):
        row(f"{title}, median / p90 (s)",
            f"{_fmt(lane[key]['median'], 1)} / {_fmt(lane[key]['p90'], 1)}",
            f"{_fmt(base[key]['median'], 1)} / {_fmt(base[key]['p90'], 1)}")
    row("attendant minutes per 100 transactions", _fmt(lane["attendant_minutes_per_100"], 1),
        _fmt(base["attendant_minutes_per_100"], 1))
    for k in ("security", "age_check", "rescan_audit", "other"):
        row(f"... of which {k} (alerts per 100)",
            f"{_fmt(lane['attendant_minutes_per_100_by'][k], 1)} ({_fmt(lane['alerts_per_100'][k], 1)})",
            f"{_fmt(base['attendant_minutes_per_100_by'][k], 1)} ({_fmt(base['alerts_per_100'][k], 1)})")
    row("rescan audits (found something)", f"{lane['audits']['n']} ({lane['audits']['found']})",
        f"{base['audits']['n']} ({base['audits']['found']})")
    row("items that left unpaid", str(lane["unpaid_items_left"]), str(base["unpaid_items_left"]))
    row("stuck transactions (cancelled by the attendant)", str(lane["stuck"]), str(base["stuck"]))
    cmp = report["comparison"]
    out += ["", f"False interventions, baseline over lane: {_fmt(cmp['false_ratio_at_defaults'])} x at the "
                f"defaults; at an equal or better caught rate: {_fmt(cmp['false_ratio_at_equal_caught'])} x"
                + (f" (baseline at {cmp['baseline_setting_at_equal_caught']} %)."
                   if cmp["baseline_reaches_lane_caught_rate"] else
                   " (no baseline setting catches as much fraud as the lane).")]
    if report["sweep"]:
        out += ["", "Sweep (caught shares and false interventions per 100 honest transactions):", "",
                "| configuration | setting | caught unscanned >= 50 g | caught all fraud | false per 100 |",
                "|---|---|---|---|---|"]
        for pnt in report["sweep"]:
            mark = " (default)" if pnt["default"] else ""
            out.append(f"| {pnt['config']} | {pnt['setting']} = {pnt['value']:g}{mark} | "
                       f"{_fmt(None if pnt['caught_ge50'] is None else 100 * pnt['caught_ge50'], 1, ' %')} | "
                       f"{_fmt(None if pnt['caught_fraud'] is None else 100 * pnt['caught_fraud'], 1, ' %')} | "
                       f"{_fmt(pnt['false_per_100_honest'])} |")
    out += ["", "Targets (lane, default settings):", ""]
    for text, ok, figure in report["targets"]:
        mark = "n/a" if ok is None else "met" if ok else "NOT met"
        out.append(f"- {text}: {figure} — {mark}")
    out += ["", "Replay a transaction: `kiosk replay DIR/lane/0001-honest.jsonl --config DIR/lane.toml` "
                "(baseline: `DIR/baseline/... --config DIR/baseline.toml`)."]
    return "\n".join(out) + "\n"


def plot(sweep: list[dict[str, Any]], path: Path) -> None:
    """Caught share against false interventions, one curve per configuration, the defaults marked."""
    try:
        import matplotlib
    except ImportError:
        raise BenchError("the plot needs matplotlib: pip install 'kiosk[bench]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    styles = {"lane": ("tab:blue", "σ"), "baseline": ("tab:red", "%")}
    for name, (colour, unit) in styles.items():
        pts = sorted((p for p in sweep if p["config"] == name and p["false_per_100_honest"] is not None),
                     key=lambda p: p["value"])
        for key, style, label in (("caught_fraud", "-o", "all fraud"), ("caught_ge50", ":s", "unscanned ≥ 50 g")):
            xy = [(p["false_per_100_honest"], 100 * p[key], p) for p in pts if p[key] is not None]
            if not xy:
                continue
            ax.plot([x for x, _, _ in xy], [y for _, y, _ in xy], style, color=colour, alpha=1.0 if key ==
                    "caught_fraud" else 0.55, label=f"{name}: {label}")
            for x, y, p in xy:
                if key == "caught_fraud":
                    ax.annotate(f"{p['value']:g}{unit}", (x, y), textcoords="offset points", xytext=(5, -11),
                                fontsize=7, color=colour)
                if p["default"]:
                    ax.plot([x], [y], "*", color=colour, markersize=15, markeredgecolor="black",
                            label=f"{name} default" if key == "caught_fraud" else None)
    ax.set_xscale("symlog", linthresh=1.0)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=0.8)
    ax.axhline(99.0, color="grey", linestyle="--", linewidth=0.8)
    ax.text(1.05, ax.get_ylim()[0], " target: ≤ 1 false / 100", fontsize=7, color="grey", va="bottom")
    ax.set_xlabel("false interventions per 100 honest transactions (log scale above 1)")
    ax.set_ylabel("caught (%)")
    ax.set_title("Bagging-area security: caught fraud against false interventions")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def write_config(src: Path, dst: Path, overrides: dict[str, Any]) -> None:
    """A copy of the lane config at ``src`` with [rules] ``overrides`` and its relative paths made absolute, so the
    copy works from wherever it lies (``kiosk replay FILE --config dst``)."""
    from kiosk.config import load
    text = src.read_text(encoding="utf-8")
    base = src.parent.resolve()
    out: list[str] = []
    section = ""
    rules_seen = False

    def value(v: Any) -> str:
        return json.dumps(v) if not isinstance(v, bool) else ("true" if v else "false")

    for line in text.splitlines():
        m = re.match(r"\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$", line)
        if m:
            section = m.group(1).strip()
            out.append(line)
            if section == "rules" and not line.lstrip().startswith("[["):
                rules_seen = True
                out.append("# Overrides written by `kiosk bench security`.")
                out += [f"{k} = {value(v)}" for k, v in overrides.items()]
            continue
        kv = re.match(r"\s*([A-Za-z0-9_]+)\s*=\s*\"([^\"]*)\"", line)
        if kv and ((section == "lane" and kv.group(1) == "data_dir") or (section == "catalog" and
                                                                          kv.group(1) == "seed")):
            p = Path(kv.group(2)).expanduser()
            out.append(f"{kv.group(1)} = {json.dumps(str(p if p.is_absolute() else (base / p).resolve()))}")
            continue
        key = re.match(r"\s*([A-Za-z0-9_]+)\s*=", line)
        if section == "rules" and key and key.group(1) in overrides:
            continue
        out.append(line)
    if not rules_seen:
        out += ["", "[rules]", "# Overrides written by `kiosk bench security`."]
        out += [f"{k} = {value(v)}" for k, v in overrides.items()]
    dst.write_text("\n".join(out) + "\n", encoding="utf-8")
    want = replace(load(src).settings, **overrides)
    got = load(dst).settings
    if got != want:
        raise BenchError(f"{dst}: the written config does not give the benchmark's settings")


def build_report(results: list[JobResult], params: Params, quick: bool) -> dict[str, Any]:
    defaults = {r.job.name: r for r in results if r.job.is_default}
    configs = {}
    for name, r in defaults.items():
        configs[name] = {
            "overrides": {k: v for k, v in r.job.overrides},
            "metrics": compute_metrics(r.records),
            "warmup": compute_metrics(r.warmup),
            "learned": r.learned,
            "replay_check": {"replayed": r.replay_checked, "differ": r.replay_differ},
            "scenarios": [f"{name}/{rec.index:04d}-{_label(rec)}.jsonl" for rec in r.records] if r.job.write_dir
            else [],
        }
    sweep = sorted((sweep_point(r) for r in results), key=lambda p: (p["config"] != "lane", p["value"]))
    cmp = compare(configs["lane"]["metrics"], configs["baseline"]["metrics"],
                  [p for p in sweep if p["config"] == "baseline"])
    report = {
        "format": 1,
        "params": {"seed": params.seed, "transactions": params.transactions, "warmup": params.warmup,
                   "mix": dataclasses.asdict(params.mix), "quick": quick},
        "configs": configs,
        "sweep": sweep if len(results) > 2 else [],
        "comparison": cmp,
    }
    report["targets"] = [list(t) for t in targets(configs["lane"]["metrics"], cmp)]
    return report


def _label(rec: TxnRecord) -> str:
    special = [b for b in rec.behaviours if b in MISTAKES + FRAUDS]
    return special[0] if special else HONEST


# ---------------------------------------------------------------------------------------------------------- main

def _mix(text: str) -> Mix:
    try:
        h, m, f = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected three shares: honest,mistake,fraud (e.g. 0.6,0.1,0.3)") from None
    if min(h, m, f) < 0 or h + m + f <= 0:
        raise argparse.ArgumentTypeError("shares must be >= 0 and not all 0")
    return Mix(h, m, f)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk bench security",
                                description="simulated shoppers against the lane's bagging-area rules and a naive "
                                            "baseline: caught fraud, false interventions, attendant time")
    p.add_argument("--transactions", type=int, default=None, help="measured transactions per configuration "
                                                                  "(default 3000; --quick 24)")
    p.add_argument("--sweep-transactions", type=int, default=None,
                   help="measured transactions of each sweep point (default: up to 1000)")
    p.add_argument("--warmup", type=int, default=None, help="honest transactions first, to learn weights "
                                                            "(default 300; --quick 10)")
    p.add_argument("--seed", default="1")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="report, plot, configs and scenario files go here")
    p.add_argument("--quick", action="store_true", help="a small run (tests, a first look)")
    p.add_argument("--no-sweep", action="store_true", help="only the two default configurations (no plot)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--config", help="lane config (default: as `kiosk run` finds it)")
    p.add_argument("--mix", type=_mix, default=Mix(), help="shares of honest, mistake and fraud transactions")
    p.add_argument("--replay-check", type=int, default=None,
                   help="replay this many recorded scenarios per configuration and compare (default 25; --quick 4)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from kiosk.config import ConfigError, find_config, load
    t0 = time.perf_counter()
    config_path = find_config(args.config)
    try:
        config = load(config_path)
    except ConfigError as exc:
        print(f"kiosk bench security: {exc}", file=sys.stderr)
        return 2
    transactions = args.transactions if args.transactions is not None else (24 if args.quick else 3000)
    warmup = args.warmup if args.warmup is not None else (10 if args.quick else 300)
    sweep_n = args.sweep_transactions if args.sweep_transactions is not None else (
        transactions if args.quick else min(transactions, 1000))
    if transactions < 1 or warmup < 0 or args.jobs < 1 or sweep_n < 1:
        print("kiosk bench security: --transactions must be >= 1, --warmup >= 0, --jobs >= 1", file=sys.stderr)
        return 2
    params = Params(str(config_path), str(args.seed), warmup, transactions, args.mix)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("lane", "baseline"):
        for old in (out / sub).glob("*.jsonl") if (out / sub).is_dir() else ():
            old.unlink()
    jobs = make_jobs(config, out, not args.no_sweep, args.quick, sweep_n)
    try:
        write_config(config_path, out / "lane.toml", dict(LANE))
        write_config(config_path, out / "baseline.toml", dict(BASELINE))
        check = args.replay_check if args.replay_check is not None else (4 if args.quick else 25)
        results = run_all(jobs, params, args.jobs, check)
        report = build_report(results, params, args.quick)
        text = render(report)
        (out / "report.json").write_text(json.dumps(_plain(report), indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
        (out / "report.md").write_text(text, encoding="utf-8")
        if report["sweep"]:
            plot(report["sweep"], out / "plot.png")
    except BenchError as exc:
        print(f"kiosk bench security: {exc}", file=sys.stderr)
        return 1
    print(text)
    total = sum((j.transactions or transactions) + warmup for j in jobs)
    print(f"{len(jobs)} configuration(s), {total} transactions in "
          f"{time.perf_counter() - t0:.0f} s; written to {out}/ (report.md, report.json"
          f"{', plot.png' if report['sweep'] else ''}, lane.toml, baseline.toml, lane/, baseline/)")
    return 0


def _plain(x: Any) -> Any:
    """JSON has no infinity: a ratio over zero false interventions is written as "inf"."""
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


if __name__ == "__main__":
    sys.exit(main())
