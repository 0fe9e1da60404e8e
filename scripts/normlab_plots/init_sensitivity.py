"""Figure family 5: final test accuracy against the initialization scale, one line per
normalizer (and per initialization family when several are swept). The scale is the number in the
init spec: 'normal:std=0.1' -> 0.1, 'kaiming:scale=2' -> 2 (a spec without a number has scale 1)."""
import re

import matplotlib.pyplot as plt
import numpy as np

from . import curves, finals, style
from .load import ResultsError

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def init_scale(spec):
    """The scale of an initialization spec: the value of its std=/scale= key (or its only number)."""
    text = str(spec)
    keys = dict(part.split("=", 1) for part in text.partition(":")[2].split(",") if "=" in part)
    for key in ("scale", "std", "gain", "a"):
        if key in keys:
            return float(keys[key])
    numbers = _NUMBER.findall(text.partition(":")[2])
    return float(numbers[0]) if numbers else 1.0


def init_family(spec):
    return str(spec).split(":", 1)[0]


def draw(results, out_dir, formats):
    results.require_run_columns(["norm", "init"], "initialization-sensitivity")
    runs = results.runs.copy()
    try:
        runs["init_scale"] = runs["init"].map(init_scale)
    except ValueError as error:
        raise ResultsError(f"{results.dir / 'runs.csv'}: cannot read an initialization scale from column 'init' ({error})")
    runs["init_family"] = runs["init"].map(init_family)
    scale = curves.accuracy_scale(results)
    line_keys = [k for k in results.varying_keys() if k != "init"]
    if runs["init_family"].nunique() > 1:
        line_keys.append("init_family")
    fig, ax = plt.subplots(figsize=(style.ONE_COLUMN_IN, 2.4))
    handles, labels, all_failed = finals.draw_lines(
        ax, runs, "init_scale", lambda ok: ok["test_accuracy"].to_numpy() * scale, line_keys,
        str(runs["norm"].iloc[0]), bounds=(0.0, scale))
    finals.log_axis_if_decades(ax, runs["init_scale"].unique())
    finals.mark_all_failed(ax, all_failed, handles, labels)
    if scale == 100.0:
        finals.clamp_percent(ax, scale)
    families = sorted(runs["init_family"].unique())
    ax.set_xlabel("initialization scale (" + ", ".join(families) + " std/scale)")
    ax.set_ylabel("final test accuracy (%)" if scale == 100.0 else "final test accuracy")
    finals.legend_below(ax, handles, labels)
    return style.save(fig, out_dir, "init_sensitivity", formats)
