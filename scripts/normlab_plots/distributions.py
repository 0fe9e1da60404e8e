"""Figure family 8: the distribution of a normalizer's input before and after normalization, early
and late in training, one column per normalizer.

APPROXIMATE BY CONSTRUCTION. layer_stats.csv holds summary statistics of feature 0 of the layer's
input (mean, std and the 15/50/85th percentiles over the recorded batch and any spatial positions),
not the raw activations, so no real histogram can be drawn from it, and only feature 0 is known. Each curve is a two-piece
normal density through the recorded percentiles: mode at the median, left width
(p50 - p15) / z, right width (p85 - p50) / z with z = 1.0364, the 85th percentile of N(0, 1); it
keeps the location, spread and skew that the percentiles show and nothing else. "After" applies
the standardization (x - mean) / std with the recorded mean and std of feature 0 over the batch:
exactly batch normalization's x_hat in training mode (up to eps) before its affine step; for
layer, instance and group normalization, which standardize per sample (over features, positions
or groups), it is only an approximation of what they do. Weight
normalization and `none` leave activations unchanged, so their "after" row repeats "before"."""
import textwrap

import matplotlib.pyplot as plt
import numpy as np

from . import aggregate, encoding, layers, style
from .load import ResultsError

NEEDED = ["mean", "std", "p15", "p50", "p85"]
Z85 = 1.0364333894937898  # the 0.85 quantile of the standard normal


def two_piece_normal(x, median, left, right):
    """Density of a two-piece normal with mode `median` and half-widths left/right."""
    left, right = max(left, 1e-12), max(right, 1e-12)
    scale = np.sqrt(2.0 / np.pi) / (left + right)
    width = np.where(x < median, left, right)
    return scale * np.exp(-0.5 * ((x - median) / width) ** 2)


def _snapshot(results, run_id, layer, step_choice):
    """(step, {stat: value}) at the first or last step where every needed stat is recorded."""
    stats = results.layer_stats
    rows = stats[(stats["run_id"] == run_id) & (stats["layer"] == layer) & stats["stat"].isin(NEEDED)]
    table = rows.pivot_table(index="step", columns="stat", values="value", aggfunc="last").dropna()
    table = table[[c for c in NEEDED if c in table.columns]]
    if table.empty or len(table.columns) < len(NEEDED):
        return None
    step = table.index.min() if step_choice == "first" else table.index.max()
    return step, table.loc[step].to_dict()


def parse_choice(text):
    """'seed=1,placement=post' -> {'seed': '1', 'placement': 'post'} (the --run option)."""
    choice = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ResultsError(f"--run {text!r}: expected KEY=VALUE[,KEY=VALUE...] (e.g. seed=1,placement=post)")
        choice[key.strip()] = value.strip()
    return choice


def _matches(runs, choice, path):
    keep = np.ones(len(runs), dtype=bool)
    for key, value in choice.items():
        if key not in runs.columns:
            raise ResultsError(f"{path}: --run {key}={value}: runs.csv has no column {key!r}")
        column = runs[key]
        try:
            numeric = float(value)
            same = np.isclose(column.astype(float).to_numpy(), numeric)
        except (TypeError, ValueError):
            same = (column.astype(str) == value).to_numpy()
        keep &= same
    return runs[keep]


PLACEMENT_ORDER = {"pre": 0, "post": 1, "n/a": 2}


def representative_runs(results, keys, choice=None, layer=None):
    """[(values, group, run_id)]: one run per normalizer. By default the first finished run of the
    smallest seed, pre-activation placement first; `choice` ({column: value}) restricts the candidates
    (e.g. seed=1, placement=post); with a requested layer, a run that records that layer."""
    runs = results.runs
    sort_keys = []
    if "placement" in runs.columns:
        runs = runs.assign(_placement_order=runs["placement"].astype(str).str.lower().map(PLACEMENT_ORDER).fillna(3))
        sort_keys.append("_placement_order")
    if "seed" in runs.columns:
        sort_keys.insert(0, "seed")
    if sort_keys:
        runs = runs.sort_values(sort_keys, kind="stable")
    if choice:
        runs = _matches(runs, choice, results.dir / "runs.csv")
        if runs.empty:
            raise ResultsError(f"{results.dir / 'runs.csv'}: no run matches --run "
                               f"{','.join(f'{k}={v}' for k, v in choice.items())}")
    columns = []
    for values, group in aggregate.groups(runs, keys):
        finished = group[group["status"] == "ok"]
        candidates = (finished if len(finished) else group)["run_id"].tolist()
        for run_id in candidates:
            have = layers.layers_with(results.layer_stats, [run_id], NEEDED)
            if have and (not layer or layer in have):
                columns.append((values, group, run_id))
                break
    return columns


def _run_text(results, run_id):
    """'seed 0, pre' for the column title: which run is drawn."""
    row = results.runs[results.runs["run_id"] == run_id].iloc[0]
    parts = []
    if "seed" in row.index and row["seed"] == row["seed"]:
        parts.append(f"seed {int(row['seed'])}")
    if "placement" in row.index and str(row["placement"]).lower() not in ("", "nan", "n/a"):
        parts.append(str(row["placement"]))
    return ", ".join(parts)


def draw(results, out_dir, formats, layer=None, choice=None):
    if not results.has_layer_stats():
        return []  # nothing recorded: the figure is optional outside the presets that need it
    keys = [k for k in results.varying_keys() if k == "norm"]
    runs = results.runs
    choice = parse_choice(choice) if isinstance(choice, str) else (choice or {})
    columns = representative_runs(results, keys, choice, layer)
    if not columns and layer:
        raise ResultsError(f"{results.dir / 'layer_stats.csv'}: no run"
                           f"{' matching --run' if choice else ''} records layer '{layer}' with "
                           f"{', '.join(NEEDED)}")
    if not columns:
        return []
    look_of = encoding.looks(keys, [v for v, _, _ in columns], str(runs["norm"].iloc[0]))
    width = style.ONE_COLUMN_IN if len(columns) <= 2 else style.TWO_COLUMN_IN
    per_row = len(columns) if len(columns) <= 4 else (len(columns) + 1) // 2  # <= 4 columns fit one row
    grid_rows = 1 if len(columns) <= 4 else 2
    fig, axes_grid = plt.subplots(2 * grid_rows, per_row, figsize=(width, 3.3 * grid_rows), squeeze=False)
    axes = np.empty((2, len(columns)), dtype=object)
    for index in range(len(columns)):
        block, col_in = divmod(index, per_row)
        axes[0, index], axes[1, index] = axes_grid[2 * block, col_in], axes_grid[2 * block + 1, col_in]
    for index in range(len(columns), grid_rows * per_row):
        block, col_in = divmod(index, per_row)
        axes_grid[2 * block, col_in].set_visible(False)
        axes_grid[2 * block + 1, col_in].set_visible(False)
    steps_shown = set()
    for col, (values, group, run_id) in enumerate(columns):
        look = look_of[values]
        kind = style.norm_kind(values[0] if keys else runs["norm"].iloc[0])
        # The reconstruction below standardizes the input: what the activation normalizers do (exactly
        # for batch norm in training mode, approximately for the others).
        standardizes = style.kind_role(kind) == "activation"
        chosen = layers.choose_layer(results, [run_id], NEEDED, requested=layer)
        for row, after in enumerate((False, True)):
            ax = axes[row, col]
            degenerate = []
            for step_choice, linestyle, alpha in (("first", "--", 0.10), ("last", "-", 0.25)):
                snap = _snapshot(results, run_id, chosen, step_choice)
                if snap is None:
                    continue
                step, s = snap
                q15, q50, q85 = s["p15"], s["p50"], s["p85"]
                if after and standardizes and s["std"] > 0:
                    q15, q50, q85 = ((q - s["mean"]) / s["std"] for q in (q15, q50, q85))
                left, right = (q50 - q15) / Z85, (q85 - q50) / Z85
                if min(left, right) <= 1e-9 * max(1.0, abs(q50), abs(q85 - q15)):
                    # Coinciding percentiles (e.g. a post-activation input, a ReLU's many zeros): a
                    # point mass that no two-piece normal represents; said in the panel, not drawn.
                    degenerate.append(f"{'first' if step_choice == 'first' else 'last'}: p15={q15:.2g}, "
                                      f"p50={q50:.2g}, p85={q85:.2g}")
                    continue
                x = np.linspace(q50 - 4 * left, q50 + 4 * right, 300)
                density = two_piece_normal(x, q50, left, right)
                ax.plot(x, density, color=look.colour, linestyle=linestyle, linewidth=1.0)
                steps_shown.add(int(step))
                ax.fill_between(x, density, color=look.colour, alpha=alpha, linewidth=0)
            if degenerate:
                ax.text(0.97, 0.97, "percentiles coincide\n(point mass), not drawn:\n" + "\n".join(degenerate),
                        transform=ax.transAxes, ha="right", va="top", fontsize=5, color="0.3")
            ax.set_yticks([])
            ax.grid(axis="y", visible=False)
            if row == 0:
                name = "\n".join(textwrap.wrap(look.label, width=max(12, int(width * 17 / per_row / 1.1))))
                ax.set_title(f"{name}\nlayer {chosen}; {_run_text(results, run_id)}", fontsize=6.5)
            if after and not standardizes:
                ax.text(0.03, 0.97, "activations\nunchanged", transform=ax.transAxes, ha="left", va="top",
                        fontsize=5.5, color="0.3")
            ax.set_xlabel("standardized" if after and standardizes else "input value", fontsize=6)
    for index in range(0, len(columns), per_row):
        axes[0, index].set_ylabel("before\n(density, approx.)")
        axes[1, index].set_ylabel("after\n(density, approx.)")
    fig.tight_layout(h_pad=0.5, w_pad=0.8)
    grey = "0.3"
    handles = [plt.Line2D([], [], color=grey, linestyle="--"), plt.Line2D([], [], color=grey, linestyle="-")]
    first, last = min(steps_shown, default=0), max(steps_shown, default=0)
    legend = fig.legend(handles, ([f"first recorded step ({first})", f"last recorded step ({last})"] if steps_shown
                         else ["first recorded step", "last recorded step"]),
                        loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2)
    caption = ("Approximate densities: two-piece normals through the recorded 15/50/85th percentiles of the "
               "layer's input, feature 0 (not histograms); after = standardized with the batch's mean and std of "
               "feature 0 (exact for batch norm, approximate for layer/instance/group norm). One run per normalizer, "
               "named in its title (default: smallest seed, pre-activation; plot.py --run KEY=VALUE chooses).")
    legend.set_title(textwrap.fill(caption, width=int(width * 17)), prop={"size": 5.5})
    return style.save(fig, out_dir, "distributions", formats)
