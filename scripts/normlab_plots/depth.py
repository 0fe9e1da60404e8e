"""Accuracy against depth: for each model kind (plain MLP, plain CNN) a panel of final test accuracy
against the number of hidden layers, one line per normalizer (mean and 95% CI over seeds, per-seed
counts of diverged runs marked), and below it the final training loss (log axis where it spans a
decade; a network that does not train stays at its initial loss, about ln(classes)). For the
`depth` preset: does normalization make deep plain networks trainable?"""
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
    fig, axes = plt.subplots(2, len(kinds), figsize=(min(style.TWO_COLUMN_IN, 2.6 * len(kinds) + 0.6), 4.2),
                             squeeze=False, sharex="col")
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
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(bottom=0.2, hspace=0.25, wspace=0.35)
    return style.save(fig, out_dir, "depth", formats)

