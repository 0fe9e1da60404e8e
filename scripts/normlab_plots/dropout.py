"""Dropout and normalization: for every normalizer, the final train and test accuracy (both in
evaluation mode, from runs.csv) of each dropout setting (rate and position, read from the model
spec), and the train-test gap written above each pair. For the `dropout` preset: does a normalizer
reduce the need for dropout, and does the position of dropout relative to the normalizer matter?
95% intervals over seeds; with fewer than 3 seeds the seeds are drawn as dots instead."""
import matplotlib.pyplot as plt
import numpy as np

from . import aggregate, curves, model_specs, style


def setting_label(spec):
    rate = float(model_specs.value(spec, "dropout"))
    if rate == 0:
        return "no dropout"
    position = model_specs.value(spec, "dropout_position").replace("_norm", "")
    return f"p={rate:g} {position}"


def draw(results, out_dir, formats):
    results.require_run_columns(["norm", "model", "train_accuracy", "test_accuracy"], "dropout")
    scale = curves.accuracy_scale(results)
    runs = results.runs.copy()
    runs["setting"] = [setting_label(m) for m in runs["model"]]
    order = sorted(dict.fromkeys(runs["setting"]), key=lambda s: (s != "no dropout", s))
    norms = [v[0] for v, _ in aggregate.groups(runs, ["norm"])]
    fig, axes = plt.subplots(1, 2, figsize=(style.TWO_COLUMN_IN, 2.8), gridspec_kw=dict(width_ratios=[3, 2]))
    ax, gap_ax = axes
    width = 0.85 / len(order)
    shades = [style.shade("#0072B2", i, len(order)) for i in range(len(order))]
    for n_index, norm in enumerate(norms):
        for s_index, setting in enumerate(order):
            cell = runs[(runs["norm"] == norm) & (runs["setting"] == setting) & (runs["status"] == "ok")]
            x = n_index - 0.425 + width * (s_index + 0.5)
            if cell.empty:
                ax.plot([x], [0], marker=style.DIVERGED_MARKER, color="black", linestyle="none")
                continue
            train = cell["train_accuracy"].to_numpy() * scale
            test = cell["test_accuracy"].to_numpy() * scale
            ax.bar([x], [train.mean()], width * 0.9, color="none", edgecolor=shades[s_index], linewidth=0.8)
            mean, half, n = aggregate.stats.mean_ci(test)
            # Fewer than 3 seeds: no t interval (12.7 standard errors over two), the seeds as dots.
            half = 0.0 if n < 3 or not np.isfinite(half) else min(half, mean, scale - mean)
            ax.bar([x], [mean], width * 0.9, yerr=[[half], [half]], color=shades[s_index], capsize=1.5,
                   error_kw=dict(elinewidth=0.6), label=setting if n_index == 0 else None)
            gap = train - test
            g_mean, g_half, _ = aggregate.stats.mean_ci(gap)
            gap_ax.errorbar([x], [g_mean], yerr=[[0.0 if n < 3 or not np.isfinite(g_half) else g_half]] * 2,
                            marker="o", markersize=3, color=shades[s_index], capsize=1.5, elinewidth=0.6)
            if n < 3:
                ax.plot([x] * n, test, linestyle="none", marker=".", markersize=2.5, color="black", zorder=4)
                gap_ax.plot([x] * n, gap, linestyle="none", marker=".", markersize=2.5, color="black", zorder=4)
    for a in axes:
        a.set_xticks(range(len(norms)))
        a.set_xticklabels([style.norm_label(n).replace(" (", "\n(") for n in norms])
        for tick, norm in zip(a.get_xticklabels(), norms):
            tick.set_color(style.kind_colour(style.norm_kind(norm)))
    ax.set_ylim(0, scale * 1.02)
    percent = scale == 100.0
    ax.set_ylabel("accuracy (%)" if percent else "accuracy")
    ax.set_title("(a) test accuracy (filled) and train accuracy (outline)")
    gap_ax.axhline(0, color="0.5", linewidth=0.6)
    gap_ax.set_ylabel("train − test accuracy (points)" if percent else "train − test accuracy")
    gap_ax.set_title("(b) generalization gap")
    ax.legend(loc="upper center", bbox_to_anchor=(0.83, -0.12), ncol=len(order), fontsize=6,
              title="dropout (rate, position relative to the normalizer)", title_fontsize=6)
    fig.subplots_adjust(bottom=0.3, wspace=0.3)
    return style.save(fig, out_dir, "dropout", formats)
