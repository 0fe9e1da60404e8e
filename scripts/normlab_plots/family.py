"""Figure family 9: the whole normalization family side by side — final test accuracy of every
normalizer (in the registry's order, each in its own colour) at each batch size and, when the sweep
varies it, with and without a weight reparameterization (`reparam`), as grouped bars with 95% CI
error bars: the large batch dark, smaller batches lighter, a reparameterized weight hatched. A condition whose every
seed diverged or failed gets an empty outline with a cross; partial failure is written above."""
import matplotlib.pyplot as plt
import numpy as np

from . import aggregate, curves, style


def draw(results, out_dir, formats):
    results.require_run_columns(["norm"], "family")
    runs = results.runs
    condition_keys = [k for k in ("reparam", "batch_size") if k in runs.columns and runs[k].nunique() > 1]
    norms = [v[0] for v, _ in aggregate.groups(runs, ["norm"])]
    conditions = [v for v, _ in aggregate.groups(runs, condition_keys)] if condition_keys else [()]
    if "batch_size" in condition_keys:  # the large batch first, as the figure reads from large to small
        at = condition_keys.index("batch_size")
        conditions.sort(key=lambda c: (-float(c[at]), [str(x) for x in c]))
    sizes = sorted({c[condition_keys.index("batch_size")] for c in conditions}, reverse=True) \
        if "batch_size" in condition_keys else [None]
    keys = ["norm"] + condition_keys
    summary = aggregate.final_summary(runs, keys, "test_accuracy")

    def shade_index(condition):
        return sizes.index(condition[condition_keys.index("batch_size")]) if "batch_size" in condition_keys else 0

    def hatched(condition):
        return "reparam" in condition_keys and str(condition[condition_keys.index("reparam")]) != "none"

    def label(condition):
        return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in zip(condition_keys, condition))
    scale = curves.accuracy_scale(results)
    fig, ax = plt.subplots(figsize=(style.TWO_COLUMN_IN, 2.6))
    width = 0.8 / len(conditions)
    top = 0.0
    for i, norm in enumerate(norms):
        colour = style.kind_colour(style.norm_kind(norm))
        for j, condition in enumerate(conditions):
            row = summary[summary["norm"] == norm]
            for k, v in zip(condition_keys, condition):
                row = row[row[k] == v]
            if row.empty:
                continue
            row = row.iloc[0]
            x = i - 0.4 + width * (j + 0.5)
            fill = style.shade(colour, shade_index(condition), len(sizes) + 1)
            if row["n"] == 0:
                ax.bar(x, 0, width, color="none", edgecolor=colour, linewidth=0.6)
                ax.plot([x], [0], marker=style.DIVERGED_MARKER, color=colour, markersize=6, clip_on=False, zorder=5)
                continue
            mean = row["mean"] * scale
            half = row["half"] * scale if np.isfinite(row["half"]) else 0.0
            # The interval clipped to the accuracy's range [0, scale].
            yerr = [[min(half, mean)], [min(half, scale - mean)]] if half > 0 else None
            ax.bar(x, mean, width, color=fill, edgecolor=colour, linewidth=0.6, yerr=yerr,
                   hatch="////" if hatched(condition) else None, error_kw=dict(elinewidth=0.7, capsize=1.5, ecolor="0.2"))
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
    if condition_keys:
        handles = [plt.Rectangle((0, 0), 1, 1, facecolor=style.shade("0.3", shade_index(c), len(sizes) + 1),
                                 edgecolor="0.3", hatch="////" if hatched(c) else None) for c in conditions]
        ax.legend(handles, [label(c) for c in conditions], loc="upper center", bbox_to_anchor=(0.5, -0.42),
                  ncol=min(4, len(conditions)), fontsize=6)
    return style.save(fig, out_dir, "family", formats)
