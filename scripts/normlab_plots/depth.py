"""Accuracy against depth: for each model kind (plain MLP, plain CNN) a panel of final test accuracy
against the number of hidden layers, one line per normalizer (mean and 95% CI over seeds, per-seed
counts of diverged runs marked), and below it the final training loss (log axis where it spans a
decade; a network that does not train stays at its initial loss, about ln(classes)). For the
`depth` preset: does normalization make deep plain networks trainable? When probes.csv holds
the init_gradients probe, a third row draws ‖∂L/∂W_l‖ at initialization against the weight layer
l (1 = next to the input) for the deepest model of each kind, geometric mean over seeds (Yang et
al. 2019: gradients that grow towards the input are the explosion they predict for batch norm)."""
import matplotlib.pyplot as plt
import numpy as np

from . import curves, finals, model_specs, style

KIND_TITLES = {"mlp": "plain MLP", "vgg": "plain CNN (vgg, pool_every)"}


def draw(results, out_dir, formats):
    results.require_run_columns(["norm", "model", "test_accuracy", "train_loss"], "depth")
    runs = results.runs.copy()
    runs["depth"] = [model_specs.depth(m) for m in runs["model"]]
    runs["model kind"] = [model_specs.kind(m) for m in runs["model"]]
    runs = runs[runs["depth"].notna()]
    kinds = [k for k in dict.fromkeys(runs["model kind"]) if runs[runs["model kind"] == k]["depth"].nunique() >= 2]
    scale = curves.accuracy_scale(results)
    line_keys = [k for k in results.varying_keys() if k not in ("model",)]
    default_norm = str(runs["norm"].iloc[0])
    init = _init_gradients(results)
    rows = 3 if init is not None else 2
    fig, axes = plt.subplots(rows, len(kinds), figsize=(min(style.TWO_COLUMN_IN, 2.6 * len(kinds) + 0.6),
                                                        2.1 * rows), squeeze=False)
    handles, labels = [], []
    for column, model_kind in enumerate(kinds):
        frame = runs[runs["model kind"] == model_kind]
        depths = sorted(frame["depth"].unique())
        top, bottom = axes[0, column], axes[1, column]
        handles, labels, all_failed = finals.draw_lines(
            top, frame, "depth", lambda ok: ok["test_accuracy"].to_numpy() * scale, line_keys, default_norm,
            bounds=(0.0, scale))
        finals.clamp_percent(top, scale)
        finals.mark_all_failed(top, all_failed, handles, labels)
        top.set_title(f"({chr(ord('a') + column)}) {KIND_TITLES.get(model_kind, model_kind)}")
        top.set_ylabel("test accuracy (%)" if scale == 100.0 else "test accuracy")
        finals.draw_lines(bottom, frame, "depth", lambda ok: ok["train_loss"].to_numpy(), line_keys, default_norm)
        finals.log_axis_if_decades(bottom, frame["train_loss"].to_numpy(dtype=float), axis="y")
        bottom.set_ylabel(f"final training loss\n({curves.loss_name(results)})")
        bottom.set_xlabel("hidden layers (plain, no shortcuts)")
        for ax in (top, bottom):
            ax.set_xscale("log", base=2)
            ax.set_xticks(depths)
            ax.set_xticklabels([f"{int(d)}" for d in depths])
            ax.minorticks_off()
        top.tick_params(labelbottom=False)
        if init is not None:
            _draw_init_gradients(axes[2, column], frame, init)
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(bottom=0.16 if rows == 3 else 0.2, hspace=0.45 if rows == 3 else 0.25, wspace=0.35)
    return style.save(fig, out_dir, "depth", formats)


def _init_gradients(results):
    """probes.csv's init_gradients rows as {run_id: (layer depths l, gradient norms)}, or None."""
    if not results.has_probes():
        return None
    probes = results.probes
    rows = probes[(probes["probe"] == "init_gradients") & (probes["layer"] != "model")]
    if rows.empty:
        return None
    out = {}
    for run_id, run_rows in rows.groupby("run_id", sort=False):
        table = run_rows.pivot_table(index="layer", columns="stat", values="value", aggfunc="first")
        if {"depth", "grad_norm"} <= set(table.columns):
            table = table.sort_values("depth")
            out[run_id] = (table["depth"].to_numpy(), table["grad_norm"].to_numpy())
    return out or None


def _draw_init_gradients(ax, frame, init):
    deepest = frame[frame["depth"] == frame["depth"].max()]
    for norm in sorted(deepest["norm"].unique(), key=style.kind_sort_key):
        runs = [r for r in deepest[deepest["norm"] == norm]["run_id"] if r in init]
        if not runs:
            continue
        layers = init[runs[0]][0]
        norms = np.array([init[r][1] for r in runs if len(init[r][1]) == len(layers)], dtype=float)
        with np.errstate(divide="ignore"):
            geometric = np.exp(np.log(np.where(norms > 0, norms, np.nan)).mean(axis=0))
        kind = style.norm_kind(norm)
        ax.plot(layers, geometric, color=style.kind_colour(kind), marker=style.kind_marker(kind), markersize=2.5,
                linewidth=1.0, label=style.norm_label(norm))
    ax.set_yscale("log")
    ax.set_xlabel(f"weight layer l ({int(frame['depth'].max())} hidden + output)")
    ax.set_ylabel("‖∂L/∂W_l‖ at init")

