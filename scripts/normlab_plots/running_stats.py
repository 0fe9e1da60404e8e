"""Figure family 7: batch normalization's running statistics. (a) running mean and (b) running
variance of feature 0 against training steps, beside the per-batch values they average, converging
towards the population value; (c) test accuracy in evaluation mode (running statistics) against
training mode (batch statistics). One seed is shown in (a, b) (the smallest; the trajectories of one
seed are what the running average smooths); (c) is the mean over seeds. Variants of batch norm
(momentum, cumulative averaging) are shades of batch norm's colour; any other sweep key (e.g. the
batch size) gets its own row of panels.

The population value is the layer_stats stat population_mean / population_var when the harness
records it; otherwise it is estimated from the batches of the last quarter of training (the dotted
line), and the legend says so: the mean of the batch means, and, for the variance, the mean of the
batch variances plus the variance of the batch means (the law of total variance; it is unbiased
for the population variance whatever the batch size, while the batch variance alone, which batch
norm normalizes with, is biased low by (n-1)/n)."""
import matplotlib.pyplot as plt
import numpy as np

from . import aggregate, curves, encoding, layers, style

NEEDED = ["running_mean", "running_var", "batch_mean", "batch_var"]


def draw(results, out_dir, formats, layer=None):
    keys = results.varying_keys()
    norm_keys = ["norm"] if "norm" in keys else []
    facet_keys = [k for k in keys if k != "norm"]
    facets = aggregate.groups(results.runs, facet_keys)
    variants = [v for v, _ in aggregate.groups(results.runs, norm_keys)]
    look_of = encoding.looks(norm_keys, variants, str(results.runs["norm"].iloc[0]))
    scale = curves.accuracy_scale(results)
    fig, axes = plt.subplots(len(facets), 3, figsize=(style.TWO_COLUMN_IN, 1.9 * len(facets) + 0.4),
                             squeeze=False)
    legend = {}
    population_label = "population (estimated from the batches of the last quarter)"
    chosen = None
    for row, (facet_values, facet_runs) in enumerate(facets):
        batch_series_seen = []
        train_mode_seen = []
        ax_mean, ax_var, ax_acc = axes[row]
        seed_shown = None
        for values, runs in aggregate.groups(facet_runs, norm_keys):
            look = look_of[values]
            if not layers.layers_with(results.layer_stats, runs["run_id"].tolist(), NEEDED):
                continue  # e.g. a run without batch norm in the same sweep
            ordered = runs.sort_values("seed") if "seed" in runs.columns else runs
            run_id = ordered["run_id"].iloc[0]
            seed_shown = ordered["seed"].iloc[0] if "seed" in runs.columns else None
            chosen = layers.choose_layer(results, [run_id], NEEDED, requested=layer, prefer_last=False)
            # Running statistics do not change training, so variants that differ only in momentum
            # see the same batches: their per-batch values and population are drawn once.
            batch_means = layers.stat_series(results, [run_id], chosen, "batch_mean").get(run_id, ([], []))[1]
            repeated = any(len(b) == len(batch_means) and np.allclose(b, batch_means, equal_nan=True)
                           for b in batch_series_seen)
            batch_series_seen.append(batch_means)
            for ax, stat in ((ax_mean, "mean"), (ax_var, "var")):
                steps, batch = layers.stat_series(results, [run_id], chosen, f"batch_{stat}").get(run_id, ([], []))
                steps_r, running = layers.stat_series(results, [run_id], chosen,
                                                      f"running_{stat}").get(run_id, ([], []))
                ax.plot(steps_r, running, color=look.colour, zorder=3)
                if repeated:
                    continue
                dots = "0.5" if len(variants) > 1 else look.colour
                ax.plot(steps, batch, linestyle="none", marker=".", markersize=2, color=dots, alpha=0.6, zorder=1)
                population = layers.stat_series(results, [run_id], chosen, f"population_{stat}").get(run_id)
                if population is not None and len(population[1]):
                    ax.axhline(population[1][-1], color="0.2", linestyle=":", linewidth=1.0, zorder=2)
                    population_label = "population value"
                elif len(batch):
                    start = int(len(batch) * 0.75)
                    estimate = np.nanmean(batch[start:])
                    if stat == "var" and len(batch_means) == len(batch):
                        estimate += np.nanvar(batch_means[start:])  # law of total variance
                    ax.axhline(estimate, color="0.2", linestyle=":", linewidth=1.0, zorder=2)
            # (c) evaluation-mode vs training-mode test accuracy, mean over seeds.
            ok_ids = runs["run_id"][runs["status"] == "ok"].tolist()
            for metric, linestyle in (("accuracy", "-"), ("accuracy_train_mode", "--")):
                band = aggregate.band({r: (s, v * scale) for r, (s, v)
                                       in aggregate.series(results, ok_ids, "test", metric).items()})
                if band.empty:
                    continue
                colour = look.colour
                if metric == "accuracy_train_mode":
                    # Training mode ignores the running statistics: variants differing only in them
                    # give one curve, drawn once in grey rather than hidden under each other.
                    if any(len(b) == len(band) and np.allclose(b, band["mean"], equal_nan=True)
                           for b in train_mode_seen):
                        continue
                    train_mode_seen.append(band["mean"].to_numpy())
                    colour = "0.45" if len(variants) > 1 else look.colour
                band["lo"] = band["lo"].clip(lower=0.0)  # accuracy is bounded: 0..100 %
                band["hi"] = band["hi"].clip(upper=scale)
                ax_acc.plot(band["step"], band["mean"], color=colour, linestyle=linestyle,
                            marker=look.marker if metric == "accuracy" else None,
                            markevery=max(1, len(band) // 6), markersize=3)
                ax_acc.fill_between(band["step"].astype(float), band["lo"].astype(float),
                                    band["hi"].astype(float), color=colour, alpha=0.12, linewidth=0)
            label = look.label + encoding.status_note(aggregate.status_counts(runs))
            legend.setdefault(label, plt.Line2D([], [], color=look.colour, marker=look.marker))
        where = ", ".join(encoding.describe(k, v) for k, v in zip(facet_keys, facet_values))
        seed_text = f", seed {int(seed_shown)}" if seed_shown is not None and np.isfinite(seed_shown) else ""
        letters = [chr(ord("a") + 3 * row + i) for i in range(3)]  # unique panel letters across rows
        ax_acc.set_ylim(-0.02 * scale, 1.02 * scale)
        ax_mean.set_title(f"({letters[0]}) mean of feature 0{seed_text}" + (f"\n{where}" if where else ""), fontsize=7)
        ax_var.set_title(f"({letters[1]}) variance of feature 0" + (f"\n{where}" if where else ""), fontsize=7)
        ax_acc.set_title(f"({letters[2]}) test accuracy, mean over seeds" + (f"\n{where}" if where else ""), fontsize=7)
        ax_mean.set_ylabel("mean (input units)")
        ax_var.set_ylabel("variance (input units²)")
        ax_acc.set_ylabel("test accuracy (%)" if scale == 100.0 else "test accuracy")
    if chosen is None:
        raise layers.ResultsError(f"{results.dir / 'layer_stats.csv'}: no run records "
                                  f"{', '.join(NEEDED)} (batch norm running statistics)")
    for ax in axes[-1]:
        ax.set_xlabel("training step (batches)")
    grey = "0.4"
    handles = list(legend.values()) + [
        plt.Line2D([], [], color=grey), plt.Line2D([], [], color=grey, linestyle="none", marker=".", markersize=4),
        plt.Line2D([], [], color=grey, linestyle=":"),
        plt.Line2D([], [], color=grey, linestyle="-"), plt.Line2D([], [], color=grey, linestyle="--"),
        plt.matplotlib.patches.Patch(color=grey, alpha=0.2, linewidth=0)]
    stat_panels = ", ".join(f"{chr(ord('a') + 3 * r)}, {chr(ord('a') + 3 * r + 1)}" for r in range(len(facets)))
    acc_panels = ", ".join(chr(ord("a") + 3 * r + 2) for r in range(len(facets)))
    labels = list(legend.keys()) + [f"({stat_panels}) running statistic (layer {chosen})",
                                    f"({stat_panels}) per-batch value", f"({stat_panels}) {population_label}",
                                    f"({acc_panels}) evaluation mode (running statistics)",
                                    f"({acc_panels}) training mode (batch statistics; grey when the same for all variants)",
                                    f"({acc_panels}) bands: 95% CI over seeds, clipped to 0..100%"]
    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, columnspacing=1.0)
    return style.save(fig, out_dir, "running_stats", formats)
