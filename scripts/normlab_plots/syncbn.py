"""Data-parallel batch normalization: final test accuracy against the per-device batch size
(batch_size / ranks), one panel per global batch size, one line per normalizer (per-device batch
norm, synchronized batch norm, and group norm as the control), mean and 95% CI over seeds. For the
`syncbn` preset: per-device statistics lose accuracy as each rank's share shrinks, while
sync=true keeps the global batch's whatever the number of ranks."""
import matplotlib.pyplot as plt
import matplotlib.ticker as ticker
import pandas as pd

from . import curves, finals, style


def draw(results, out_dir, formats):
    results.require_run_columns(["norm", "batch_size", "ranks", "test_accuracy"], "data-parallel")
    scale = curves.accuracy_scale(results)
    runs = results.runs.copy()
    for key in ("batch_size", "ranks"):
        runs[key] = pd.to_numeric(runs[key], errors="coerce")
    runs["per_device_batch"] = runs["batch_size"] / runs["ranks"]
    global_batches = sorted(runs["batch_size"].dropna().unique(), reverse=True)
    line_keys = [k for k in results.varying_keys() if k not in ("batch_size", "ranks", "lr")]
    fig, axes = plt.subplots(1, len(global_batches), figsize=(style.TWO_COLUMN_IN, 2.6), sharey=True,
                             squeeze=False)
    handles, labels = [], []
    for ax, batch in zip(axes[0], global_batches):
        of_batch = runs[runs["batch_size"] == batch]
        handles, labels, all_failed = finals.draw_lines(
            ax, of_batch, "per_device_batch", lambda ok: ok["test_accuracy"].to_numpy() * scale, line_keys,
            str(runs["norm"].iloc[0]), bounds=(0.0, scale))
        sizes = sorted(of_batch["per_device_batch"].dropna().unique())
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_locator(ticker.FixedLocator(sizes))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.invert_xaxis()  # from one rank (the whole batch) to many (small shares)
        finals.clamp_percent(ax, scale)
        finals.mark_all_failed(ax, all_failed, handles, labels)
        ranks = sorted(of_batch["ranks"].dropna().unique())
        ax.set_title(f"global batch {batch:g} over {', '.join(f'{r:g}' for r in ranks)} ranks")
        ax.set_xlabel("per-device batch size (batch_size / ranks)")
    axes[0][0].set_ylabel("test accuracy (%)" if scale == 100.0 else "test accuracy")
    fig.legend(handles, labels, loc="lower center", ncol=max(1, len(labels)), bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(bottom=0.3, wspace=0.08)
    return style.save(fig, out_dir, "syncbn", formats)
