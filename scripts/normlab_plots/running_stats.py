"""Figure family 7: batch normalization's running statistics. (a) running mean and (b) running
variance of feature 0 against training steps, beside the per-batch values they average, converging
towards the population value; (c) test accuracy in evaluation mode (running statistics) against
training mode (batch statistics). One seed is shown in (a, b) (the smallest; the trajectories of one
seed are what the running average smooths); (c) is the mean over seeds.

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
    group_list = aggregate.groups(results.runs, keys)
    look_of = encoding.looks(keys, [v for v, _ in group_list], str(results.runs["norm"].iloc[0]))
    fig, axes = plt.subplots(1, 3, figsize=(style.TWO_COLUMN_IN, 2.3))
    handles, labels = [], []
    batch_series_seen = []
    population_label = ["population (estimated from the batches of the last quarter)"]
    chosen = None
    for values, runs in group_list:
        look = look_of[values]
        ids_with_stats = layers.layers_with(results.layer_stats, runs["run_id"].tolist(), NEEDED)
        if not ids_with_stats:
            continue  # e.g. a run without batch norm in the same sweep
        ordered = runs.sort_values("seed") if "seed" in runs.columns else runs
        run_id = ordered["run_id"].iloc[0]
        chosen = layers.choose_layer(results, [run_id], NEEDED, requested=layer, prefer_last=False)
        # Running statistics do not change training, so variants that differ only in momentum see
        # the same batches: their per-batch values and population are drawn once.
        batch_means = layers.stat_series(results, [run_id], chosen, "batch_mean").get(run_id, ([], []))[1]
        repeated = any(len(b) == len(batch_means) and np.allclose(b, batch_means, equal_nan=True)
                       for b in batch_series_seen)
        batch_series_seen.append(batch_means)
        for ax, stat in zip(axes[:2], ("mean", "var")):
            steps, batch = layers.stat_series(results, [run_id], chosen, f"batch_{stat}").get(run_id, ([], []))
            steps_r, running = layers.stat_series(results, [run_id], chosen, f"running_{stat}").get(run_id, ([], []))
            ax.plot(steps_r, running, color=look.colour, linestyle=look.linestyle, zorder=3)
            if repeated:
                continue
            dots = "0.5" if len(group_list) > 1 else look.colour
            ax.plot(steps, batch, linestyle="none", marker=".", markersize=2, color=dots, alpha=0.6, zorder=1)
            population = layers.stat_series(results, [run_id], chosen, f"population_{stat}").get(run_id)
            if population is not None and len(population[1]):
                ax.axhline(population[1][-1], color="0.2", linestyle=":", linewidth=1.0, zorder=2)
                population_label[0] = "population value"
            elif len(batch):
                start = int(len(batch) * 0.75)
                estimate = np.nanmean(batch[start:])
                if stat == "var" and len(batch_means) == len(batch):
                    estimate += np.nanvar(batch_means[start:])
                ax.axhline(estimate, color="0.2", linestyle=":", linewidth=1.0, zorder=2)
        # (c) evaluation-mode vs training-mode test accuracy, mean over seeds.
        scale = curves.accuracy_scale(results)
        for metric, linestyle in (("accuracy", "-"), ("accuracy_train_mode", "--")):
            ok_ids = runs["run_id"][runs["status"] == "ok"].tolist()
            band = aggregate.band({r: (s, v * scale) for r, (s, v)
                                   in aggregate.series(results, ok_ids, "test", metric).items()})
            if band.empty:
                continue
            axes[2].plot(band["step"], band["mean"], color=look.colour, linestyle=linestyle,
                         marker=look.marker if metric == "accuracy" else None, markevery=max(1, len(band) // 6),
                         markersize=3)
            axes[2].fill_between(band["step"].astype(float), band["lo"].astype(float), band["hi"].astype(float),
                                 color=look.colour, alpha=0.15, linewidth=0)
        handles.append(plt.Line2D([], [], color=look.colour, linestyle=look.linestyle, marker=look.marker))
        labels.append(look.label + encoding.status_note(aggregate.status_counts(runs)))
    if chosen is None:
        raise layers.ResultsError(f"{results.dir / 'layer_stats.csv'}: no run records "
                                  f"{', '.join(NEEDED)} (batch norm running statistics)")
    axes[0].set_title(f"(a) mean of feature 0, layer {chosen}", fontsize=7)
    axes[1].set_title("(b) variance of feature 0", fontsize=7)
    axes[2].set_title("(c) test accuracy", fontsize=7)
    axes[0].set_ylabel("mean (input units)")
    axes[1].set_ylabel("variance (input units²)")
    axes[0].text(0.02, 0.98, f"seed {int(results.runs['seed'].min()) if 'seed' in results.runs else 0}",
                 transform=axes[0].transAxes, ha="left", va="top", fontsize=6)
    axes[2].set_ylabel("test accuracy (%)")
    for ax in axes:
        ax.set_xlabel("training step (batches)")
    grey = "0.4"
    handles += [plt.Line2D([], [], color=grey, linestyle="none", marker=".", markersize=4),
                plt.Line2D([], [], color=grey), plt.Line2D([], [], color=grey, linestyle=":"),
                plt.Line2D([], [], color=grey, linestyle="-"), plt.Line2D([], [], color=grey, linestyle="--")]
    labels += ["per-batch value", "running statistic", population_label[0],
               "(c) evaluation mode (running stats)", "(c) training mode (batch stats)"]
    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, columnspacing=1.0)
    return style.save(fig, out_dir, "running_stats", formats)
