"""Figure family 9: the whole normalization family side by side — final test accuracy of every
normalizer (in the registry's order, each in its own colour) at each batch size, as grouped bars
with 95% CI error bars: the large batch solid, smaller batches lighter. A condition whose every
seed diverged or failed gets an empty outline with a cross; partial failure is written above."""
import matplotlib.pyplot as plt
import numpy as np

from . import aggregate, curves, style


def draw(results, out_dir, formats):
    results.require_run_columns(["norm"], "family")
    runs = results.runs
    condition_key = "batch_size" if "batch_size" in runs.columns and runs["batch_size"].nunique() > 1 else None
    norms = [v[0] for v, _ in aggregate.groups(runs, ["norm"])]
    conditions = sorted(runs[condition_key].dropna().unique(), reverse=True) if condition_key else [None]
    keys = ["norm"] + ([condition_key] if condition_key else [])
    summary = aggregate.final_summary(runs, keys, "test_accuracy")
    scale = curves.accuracy_scale(results)
    fig, ax = plt.subplots(figsize=(style.TWO_COLUMN_IN, 2.6))
    width = 0.8 / len(conditions)
    top = 0.0
    for i, norm in enumerate(norms):
        colour = style.kind_colour(style.norm_kind(norm))
        for j, condition in enumerate(conditions):
            row = summary[summary["norm"] == norm]
            if condition_key:
                row = row[row[condition_key] == condition]
            if row.empty:
                continue
            row = row.iloc[0]
            x = i - 0.4 + width * (j + 0.5)
            fill = style.shade(colour, j, len(conditions) + 1)
            if row["n"] == 0:
                ax.bar(x, 0, width, color="none", edgecolor=colour, linewidth=0.6)
                ax.plot([x], [0], marker=style.DIVERGED_MARKER, color=colour, markersize=6, clip_on=False, zorder=5)
                continue
            mean = row["mean"] * scale
            half = row["half"] * scale if np.isfinite(row["half"]) else 0.0
            ax.bar(x, mean, width, color=fill, edgecolor=colour, linewidth=0.6, yerr=half if half > 0 else None,
                   error_kw=dict(elinewidth=0.7, capsize=1.5, ecolor="0.2"))
            top = max(top, min(mean + half, scale))
            bad = int(row["diverged"] + row["failed"])
            if bad:
                ax.annotate(f"{bad}/{int(row['runs'])}\ndiv.", (x, mean + half), textcoords="offset points",
                            xytext=(0, 1), ha="center", va="bottom", fontsize=5, color=colour)
    ax.set_xticks(range(len(norms)))
    ax.set_xticklabels([style.norm_label(n).replace(" (", "\n(") for n in norms], rotation=45, ha="right",
                       fontsize=6)
    ax.set_xlim(-0.5, len(norms) - 0.5)
    ax.set_ylim(0, min(scale, top * 1.12) if top > 0 else scale)
    ax.set_ylabel("final test accuracy (%)" if scale == 100 else "final test accuracy")
    ax.grid(axis="x", visible=False)
    if condition_key:
        handles = [plt.Rectangle((0, 0), 1, 1, color=style.shade("0.3", j, len(conditions) + 1))
                   for j in range(len(conditions))]
        ax.legend(handles, [f"{condition_key} {c:g}" for c in conditions], loc="upper right", ncol=len(conditions))
    return style.save(fig, out_dir, "family", formats)
