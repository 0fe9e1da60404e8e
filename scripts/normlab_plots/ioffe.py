"""Figure family 6, after Ioffe & Szegedy (2015), Figure 1: (a) test accuracy against training
steps with and without batch normalization; (b, c, ...) the 15th, 50th and 85th percentiles of the
input to one last-hidden-layer sigmoid over training, one panel per normalizer. Percentiles are
averaged over seeds (band: 95% CI). Runs that diverged or failed are left out of the means and
counted in the panel titles."""
import matplotlib.pyplot as plt
import numpy as np

from . import aggregate, curves, encoding, layers, style

PERCENTILES = [("p85", "85th", "--"), ("p50", "50th", "-"), ("p15", "15th", ":")]


def draw(results, out_dir, formats, layer=None):
    results.require_run_columns(["norm"], "Ioffe & Szegedy")
    keys = results.varying_keys()
    group_list = aggregate.groups(results.runs, keys)
    look_of = encoding.looks(keys, [v for v, _ in group_list], str(results.runs["norm"].iloc[0]))
    scale = curves.accuracy_scale(results)
    panels = 1 + len(group_list)
    fig, axes = plt.subplots(1, panels, figsize=(style.TWO_COLUMN_IN, 2.2), squeeze=False)
    axes = axes[0]
    handles, labels, _ = curves.draw_metric(axes[0], results, group_list, look_of, "test", "accuracy", scale=scale)
    axes[0].set_ylabel("test accuracy (%)" if scale == 100.0 else "test accuracy")
    axes[0].set_xlabel("training step")
    axes[0].set_title("(a) test accuracy")
    axes[0].legend(handles, labels, loc="best")
    percentile_axes = []
    for index, ((values, runs), ax) in enumerate(zip(group_list, axes[1:])):
        look = look_of[values]
        ok_ids = runs["run_id"][runs["status"] == "ok"].tolist()
        ids = ok_ids or runs["run_id"].tolist()
        chosen = layers.choose_layer(results, ids, [p for p, _, _ in PERCENTILES], requested=layer)
        for stat, name, linestyle in PERCENTILES:
            band = layers.stat_band(results, ok_ids, chosen, stat)
            if band.empty:
                continue
            ax.plot(band["step"], band["mean"], color=look.colour, linestyle=linestyle,
                    linewidth=1.4 if stat == "p50" else 1.0)
            ax.fill_between(band["step"].astype(float), band["lo"].astype(float), band["hi"].astype(float),
                            color=look.colour, alpha=0.15, linewidth=0)
            ax.annotate(name, (band["step"].iloc[-1], band["mean"].iloc[-1]), textcoords="offset points",
                        xytext=(2, 0), va="center", fontsize=6, color=look.colour, annotation_clip=False)
        note = encoding.status_note(aggregate.status_counts(runs))
        if not ok_ids:
            ax.text(0.5, 0.5, "no run finished", transform=ax.transAxes, ha="center", va="center")
        ax.set_title(f"({chr(ord('b') + index)}) {look.label}{note}:\n15/50/85th pct., layer {chosen}", fontsize=7)
        ax.set_xlabel("training step")
        percentile_axes.append(ax)
    if percentile_axes:
        percentile_axes[0].set_ylabel("sigmoid input (pre-activation)")
        limits = [ax.get_ylim() for ax in percentile_axes if ax.has_data()]
        if limits:  # one y range, so that the drift with and without normalization compares directly
            for ax in percentile_axes:
                ax.set_ylim(min(l for l, _ in limits), max(h for _, h in limits))
    fig.tight_layout(w_pad=1.2)
    return style.save(fig, out_dir, "ioffe_figure1", formats)
