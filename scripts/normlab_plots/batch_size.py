"""Figure family 2: test error against batch size, one line per normalizer, mean and 95% CI over
seeds (Wu & He, Group Normalization, 2018, Figure 1)."""
import matplotlib.pyplot as plt
import matplotlib.ticker as ticker
import numpy as np

from . import curves, finals, style


def draw(results, out_dir, formats):
    results.require_run_columns(["norm", "batch_size"], "batch-size")
    scale = curves.accuracy_scale(results)
    line_keys = [k for k in results.varying_keys() if k not in ("batch_size",)]
    fig, ax = plt.subplots(figsize=(style.ONE_COLUMN_IN, 2.4))
    handles, labels, all_failed = finals.draw_lines(
        ax, results.runs, "batch_size", lambda ok: scale - ok["test_accuracy"].to_numpy() * scale,
        line_keys, str(results.runs["norm"].iloc[0]), bounds=(0.0, scale))
    sizes = sorted(results.runs["batch_size"].dropna().unique())
    finals.log_axis_if_decades(ax, sizes, base=2)
    if ax.get_xscale() == "log":
        ax.xaxis.set_major_locator(ticker.FixedLocator(sizes))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
    elif len(sizes) > 1:
        ax.set_xticks(sizes)
    finals.clamp_percent(ax, scale)
    ax.invert_xaxis()  # as in the paper: from large to small batches
    finals.mark_all_failed(ax, all_failed, handles, labels)
    ax.set_xlabel("batch size (samples per step)")
    ax.set_ylabel("test error (%)" if scale == 100.0 else "test error")
    finals.legend_below(ax, handles, labels)
    return style.save(fig, out_dir, "batch_size", formats)
