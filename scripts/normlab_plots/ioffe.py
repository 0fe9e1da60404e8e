"""Figure family 6, after Ioffe & Szegedy (2015), Figure 1: (a) test accuracy against training
steps with and without batch normalization; (b, c, ...) the 15th, 50th and 85th percentiles of
feature 0 at one last-hidden-layer normalization site over training, one panel per normalizer.
Percentiles are averaged over seeds (band: 95% CI). Runs that diverged or failed are left out of
the means and counted in the panel titles.

What is plotted: layer_stats.csv records the *input* of each normalization layer (feature 0 over
the batch). Without normalization (`none`, an identity at the same place) that is the sigmoid's
input, as in the paper. With batch normalization the sigmoid's input is gamma * x_hat + beta; the
CSVs do not hold gamma and beta, so the panel shows x_hat = (x - mean_B) / sqrt(var_B + eps),
computed exactly from the recorded batch percentiles, mean and std of the same batch (the
normalization is monotone), and says so in its title."""
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
    missing = []
    site_of = _common_site(results, group_list, layer)
    for index, ((values, runs), ax) in enumerate(zip(group_list, axes[1:])):
        look = look_of[values]
        ok_ids = runs["run_id"][runs["status"] == "ok"].tolist()
        ids = ok_ids or runs["run_id"].tolist()
        try:
            chosen, site, sites = site_of(ids)
        except layers.ResultsError:
            if layer and len(missing) + 1 == len(group_list):
                raise
            # e.g. `none` has no normalization layer, so the harness may record nothing for it.
            ax.text(0.5, 0.5, "no layer statistics\nrecorded for these runs", transform=ax.transAxes,
                    ha="center", va="center", fontsize=7, color="0.3")
            ax.set_title(f"({chr(ord('b') + index)}) {look.label}", fontsize=7)
            ax.set_xlabel("training step")
            ax.set_xlim(axes[0].get_xlim())
            ax.set_yticks([])
            missing.append(look.label)
            continue
        kind = style.norm_kind(values[keys.index("norm")] if "norm" in keys else results.runs["norm"].iloc[0])
        normalized = style.uses_running_batch_statistics(kind)
        for stat, name, linestyle in PERCENTILES:
            per_run = layers.stat_series(results, ok_ids, chosen, stat)
            if normalized:
                per_run = _batch_normalized(results, per_run, chosen, _eps(values, keys, results))
            band = aggregate.band(per_run)
            if band.empty:
                continue
            ax.plot(band["step"], band["mean"], color=look.colour, linestyle=linestyle,
                    linewidth=1.4 if stat == "p50" else 1.0)
            ax.fill_between(band["step"].astype(float), band["lo"].astype(float), band["hi"].astype(float),
                            color=look.colour, alpha=0.15, linewidth=0)
            ax.annotate(name, (band["step"].iloc[-1], band["mean"].iloc[-1]), textcoords="offset points",
                        xytext=(2, 0), va="center", fontsize=6, color=look.colour, annotation_clip=False)
        note = encoding.status_note(aggregate.status_counts(runs))
        if len(ok_ids) < 2:  # one seed: no band; say so rather than leave the reader guessing
            band_text = "one seed, no band" if ok_ids else ""
        else:
            band_text = f"bands: 95% CI, {len(ok_ids)} seeds"
        if not ok_ids:
            ax.text(0.5, 0.5, "no run finished", transform=ax.transAxes, ha="center", va="center")
        what = "x̂ (before γ, β)" if normalized else "sigmoid input"
        ax.set_title(f"({chr(ord('b') + index)}) {look.label}{note}: {what}\n15/50/85th pct., "
                     f"norm site {site}/{sites} (layer {chosen})"
                     + (f"\n{band_text}" if band_text else ""), fontsize=6.5)
        ax.set_xlabel("training step")
        percentile_axes.append(ax)
    if len(missing) == len(group_list):
        raise layers.ResultsError(f"{results.dir / 'layer_stats.csv'}: no run has 15/50/85th percentile records "
                                  f"(stats p15, p50, p85)")
    if percentile_axes:
        percentile_axes[0].set_ylabel("value of feature 0")
        limits = [ax.get_ylim() for ax in percentile_axes if ax.has_data()]
        if limits:  # one y range, so that the drift with and without normalization compares directly
            for ax in percentile_axes:
                ax.set_ylim(min(l for l, _ in limits), max(h for _, h in limits))
    fig.tight_layout(w_pad=1.2)
    return style.save(fig, out_dir, "ioffe_figure1", formats)


def _common_site(results, group_list, requested):
    """The same place in every panel. Model layer indices differ between normalizers (batch norm
    adds modules, `none` an identity), so the site is the k-th normalization site with percentile
    records: the one feeding the last hidden layer's sigmoid by default, or the site of --layer in
    the first group that has it. Returns run_ids -> (layer, site number, number of sites)."""
    needed = [p for p, _, _ in PERCENTILES]
    ordinal = None
    if requested:
        for _, runs in group_list:
            have = layers.layers_with(results.layer_stats, runs["run_id"].tolist(), needed)
            if requested in have:
                ordinal = have.index(requested)
                break
        if ordinal is None:
            layers.choose_layer(results, results.runs["run_id"].tolist(), needed, requested=requested)  # raises

    def site_of(ids):
        have = layers.layers_with(results.layer_stats, ids, needed)
        if not have:
            raise layers.ResultsError(f"{results.dir / 'layer_stats.csv'}: no percentile records for these runs")
        index = len(have) - 1 if ordinal is None else min(ordinal, len(have) - 1)
        return have[index], index + 1, len(have)
    return site_of


def _eps(values, keys, results):
    """The batch norm eps of a group's spec (PyTorch's default 1e-5 when not given)."""
    spec = str(values[keys.index("norm")] if "norm" in keys else results.runs["norm"].iloc[0])
    for part in spec.partition(":")[2].split(","):
        if part.startswith("eps="):
            try:
                return float(part[4:])
            except ValueError:
                break
    return 1e-5


def _batch_normalized(results, per_run, layer, eps):
    """Percentiles of x_hat from percentiles of x: (p - mean) / sqrt(std^2 + eps), same run and step."""
    means = layers.stat_series(results, list(per_run), layer, "mean")
    stds = layers.stat_series(results, list(per_run), layer, "std")
    out = {}
    for run_id, (steps, values) in per_run.items():
        if run_id not in means or run_id not in stds:
            continue
        mean = dict(zip(*means[run_id]))
        std = dict(zip(*stds[run_id]))
        keep = [i for i, s in enumerate(steps) if s in mean and s in std]
        steps_kept = steps[keep]
        out[run_id] = (steps_kept, np.array([(values[i] - mean[steps[i]]) / np.sqrt(std[steps[i]] ** 2 + eps)
                                             for i in keep]))
    return out
