"""Figure family 4: learning-rate stability. Final training loss by normalizer (rows) and learning
rate (columns) as a heatmap on a log colour scale, mean over the seeds that finished; a cell where
every seed diverged is hatched and marked 'div.', and partial divergence is written in the cell
('2/3 div.'), so that instability is shown rather than averaged away."""
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np

from . import aggregate, curves, style


def draw(results, out_dir, formats):
    results.require_run_columns(["norm", "lr", "train_loss"], "learning-rate stability")
    runs = results.runs
    # One heatmap per combination of any other sweep key (e.g. placement), side by side.
    other_keys = [k for k in results.varying_keys() if k not in ("norm", "lr")]
    facets = aggregate.groups(runs, other_keys)
    norms = [v[0] for v, _ in aggregate.groups(runs, ["norm"])]
    lrs = sorted(runs["lr"].dropna().unique())
    summary_all = aggregate.final_summary(runs, other_keys + ["norm", "lr"], "train_loss")
    finite = summary_all["mean"][np.isfinite(summary_all["mean"]) & (summary_all["mean"] > 0)]
    if finite.empty:
        norm_colour = mcolors.Normalize(0, 1)
    elif finite.max() / finite.min() > 10:
        norm_colour = mcolors.LogNorm(finite.min(), finite.max())
    else:
        norm_colour = mcolors.Normalize(finite.min(), finite.max())
    cmap = plt.get_cmap("viridis")
    width = min(style.TWO_COLUMN_IN, 1.2 + 0.55 * len(lrs) * len(facets))
    fig, axes = plt.subplots(1, len(facets), figsize=(width, 0.45 * len(norms) + 1.0), squeeze=False,
                             sharey=True)
    image = None
    for ax, (facet_values, facet_runs) in zip(axes[0], facets):
        summary = aggregate.final_summary(facet_runs, ["norm", "lr"], "train_loss")
        grid = np.full((len(norms), len(lrs)), np.nan)
        for _, row in summary.iterrows():
            grid[norms.index(row["norm"]), lrs.index(row["lr"])] = row["mean"]
        image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm_colour, aspect="auto")
        ax.set_facecolor("white")
        for _, row in summary.iterrows():
            i, j = norms.index(row["norm"]), lrs.index(row["lr"])
            bad = int(row["diverged"] + row["failed"])
            if row["n"] == 0:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="0.85", edgecolor="0.4",
                                           hatch="xxx", linewidth=0.3))
                ax.text(j, i, "div." if row["diverged"] else "failed", ha="center", va="center", fontsize=5.5,
                        color="black", bbox=dict(facecolor="white", edgecolor="none", pad=0.6))
                continue
            value = row["mean"]
            light = np.mean(cmap(norm_colour(value))[:3]) > 0.5
            text = f"{value:.3g}" + (f"\n{bad}/{int(row['runs'])} div." if bad else "")
            ax.text(j, i, text, ha="center", va="center", fontsize=5, color="black" if light else "white")
        ax.set_xticks(range(len(lrs)))
        ax.set_xticklabels([f"{lr:g}" for lr in lrs], rotation=45, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(len(norms)))
        ax.set_yticklabels([style.norm_label(n) for n in norms])
        for tick, norm in zip(ax.get_yticklabels(), norms):
            tick.set_color(style.kind_colour(style.norm_kind(norm)))
        ax.set_xlabel("learning rate (log grid)")
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        if other_keys:
            ax.set_title("\n".join(f"{k}={v}" for k, v in zip(other_keys, facet_values)), fontsize=6)
    axes[0, 0].set_ylabel("normalizer")
    bar = fig.colorbar(image, ax=list(axes[0]), fraction=0.05, pad=0.02)
    bar.set_label(f"final training loss\n({curves.loss_name(results)})")
    return style.save(fig, out_dir, "lr_stability", formats)
