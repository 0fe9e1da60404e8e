"""Non-i.i.d. batches: final test accuracy per normalizer and training data order, (a) in
evaluation mode (running statistics where the normalizer keeps them; runs.csv test_accuracy) and
(b) in training mode, the test split in batches of the training batch size that mix the classes
(batch statistics; curves.csv metric accuracy_train_mode at the last step). For the `noniid`
preset: does batch norm suffer from batches drawn from few classes, and in which mode?"""
import matplotlib.pyplot as plt

from . import aggregate, bars, curves, style
from .load import ResultsError


def _train_mode_final(results):
    """{run_id: accuracy_train_mode at the run's last test evaluation}."""
    table = results.series_table("curves", "test", "accuracy_train_mode")
    return {run_id: values[-1] for run_id, (steps, values) in table.items() if len(values)}


def draw(results, out_dir, formats):
    results.require_run_columns(["norm", "order", "test_accuracy"], "non-i.i.d.")
    scale = curves.accuracy_scale(results)
    runs = results.runs
    train_mode = _train_mode_final(results)
    if not train_mode:
        raise ResultsError(f"{results.dir / 'curves.csv'}: the non-i.i.d. figure needs the test metric "
                           f"accuracy_train_mode")
    orders = [v[0] for v, _ in aggregate.groups(runs, ["order"])]
    orders.sort(key=lambda o: (o != "shuffled", o.startswith("class_sorted"), o))  # i.i.d. first, sorted last
    norms = [v[0] for v, _ in aggregate.groups(runs, ["norm"])]
    colours = [style.shade("#444444", i, len(orders)) for i in range(len(orders))]
    fig, axes = plt.subplots(1, 2, figsize=(style.TWO_COLUMN_IN, 2.7), sharey=True)
    panels = [("(a) evaluation mode (running statistics)", lambda ok: ok["test_accuracy"].to_numpy() * scale),
              ("(b) training mode (batch statistics)",
               lambda ok: [train_mode[r] * scale for r in ok["run_id"] if r in train_mode])]
    containers = {}
    for ax, (title, value_of) in zip(axes, panels):
        cells = []
        for norm in norms:
            of_norm = runs[runs["norm"] == norm]
            cells.append((style.norm_label(norm).replace(" (", "\n("),
                          {o: value_of(of_norm[(of_norm["order"] == o) & (of_norm["status"] == "ok")]) for o in orders}))
        containers = bars.grouped(ax, cells, orders, colours, bounds=(0.0, scale))
        for tick, norm in zip(ax.get_xticklabels(), norms):
            tick.set_color(style.kind_colour(style.norm_kind(norm)))
        ax.set_title(title)
        ax.set_ylim(0, scale * 1.02)
    axes[0].set_ylabel("test accuracy (%)" if scale == 100.0 else "test accuracy")
    fig.legend([containers[o] for o in orders if o in containers], [o for o in orders if o in containers],
               loc="lower center", ncol=len(orders), title="training data order", title_fontsize=6,
               bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(bottom=0.3, wspace=0.1)
    return style.save(fig, out_dir, "noniid", formats)
