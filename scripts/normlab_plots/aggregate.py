"""Seeds -> mean and 95% confidence interval, for final metrics (runs.csv) and curves (curves.csv).
Only runs that finished (status ok) enter a mean; diverged and failed runs are counted so that the
figures can show them."""
import math

import numpy as np
import pandas as pd

from . import stats, style


# Known choices in their natural order (pre before post, bias on before off); others sort as text.
CHOICE_ORDER = {"pre": 0, "post": 1, "none": 2, "true": 0, "auto": 1, "false": 2}


def _sort_value(value):
    """Numbers sort numerically, known choices in their natural order, everything else as text."""
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        text = str(value)
        return (1, float(CHOICE_ORDER.get(text.lower(), 9)), text)


def sort_groups(keys, group_values):
    """Sorts tuples of key values: norm in kind order, numbers numerically."""
    def sort_key(values):
        out = []
        for key, value in zip(keys, values):
            out.append((style.kind_sort_key(value), (0, 0.0, "")) if key == "norm" else ((0, ""), _sort_value(value)))
        return out
    return sorted(group_values, key=sort_key)


def groups(runs, keys):
    """[(values tuple, sub-frame)] over the distinct combinations of keys, sorted; one group of all
    runs when keys is empty."""
    if not keys:
        return [((), runs)]
    by = keys[0] if len(keys) == 1 else list(keys)  # a one-element list makes pandas 1.5 warn
    grouped = {k if isinstance(k, tuple) else (k,): g for k, g in runs.groupby(by, dropna=False, sort=False)}
    return [(k, grouped[k]) for k in sort_groups(keys, list(grouped))]


def status_counts(runs):
    counts = runs["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in ("ok", "diverged", "failed")}


def final_summary(runs, keys, metric):
    """One row per group: the keys, mean and 95% CI half-width of `metric` over ok runs, n ok,
    diverged, failed."""
    rows = []
    for values, group in groups(runs, keys):
        ok = group[group["status"] == "ok"]
        mean, half, n = stats.mean_ci(ok[metric]) if metric in ok else (math.nan, math.nan, 0)
        counts = status_counts(group)
        row = dict(zip(keys, values))
        row.update(mean=mean, half=half, n=n, runs=len(group), **counts)
        rows.append(row)
    return pd.DataFrame(rows)


def series(results, run_ids, split, metric):
    """{run_id: (steps, values)} of one curve for the given runs, sorted by step."""
    table = results.series_table("curves", split, metric)
    return {r: table[r] for r in run_ids if r in table}


def smoothing_window(point_count, target_points=20):
    """A moving-average window that leaves about target_points independent points on a curve."""
    return max(1, int(round(point_count / target_points)))


def moving_average(values, window):
    """Trailing moving average (the first points average what exists so far); NaN/inf pass through."""
    if window <= 1:
        return values
    return pd.Series(values).rolling(window, min_periods=1).mean().to_numpy()


def band(per_run):
    """Mean and 95% CI over runs at each step, over the runs that logged that step.
    per_run: {run_id: (steps, values)}. Returns a DataFrame step, mean, lo, hi, n (vectorized:
    curves have thousands of steps)."""
    if not per_run:
        return pd.DataFrame(columns=["step", "mean", "lo", "hi", "n"])
    frames = [pd.Series(v, index=s, name=r) for r, (s, v) in per_run.items()]
    table = pd.concat(frames, axis=1).sort_index()
    values = table.to_numpy(dtype=float)
    finite = np.isfinite(values)
    n = finite.sum(axis=1)
    safe = np.where(finite, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = safe.sum(axis=1) / n
        variance = (np.where(finite, values - mean[:, None], 0.0) ** 2).sum(axis=1) / (n - 1)
        quantiles = np.array([stats.t_quantile(0.975, k - 1) if k >= 2 else 0.0 for k in range(n.max() + 1)])
        half = np.where(n >= 2, quantiles[n] * np.sqrt(variance / n), 0.0)
    out = pd.DataFrame({"step": table.index.to_numpy(), "mean": mean, "lo": mean - half, "hi": mean + half, "n": n})
    return out[out["n"] > 0].reset_index(drop=True)
