"""Figure family 1: training loss and test accuracy against steps, one line per normalizer (or per
combination of the sweep's keys), seeds aggregated to a mean with a 95% CI band. Runs that diverged
or failed are drawn individually as thin lines ending in a cross and counted in the legend."""
import math

import matplotlib.pyplot as plt
import numpy as np

from . import aggregate, encoding, style

STEP_LABEL = "training step (optimizer updates)"
MAX_LINESTYLE_COMBOS = 4  # beyond this many non-normalizer combinations, one panel per combination
MIN_SEEDS_FOR_BAND = 3   # fewer finished seeds: one line per seed instead of a mean and a band
MAX_LINES = 6             # lines (with their bands) per panel before splitting into panels


def loss_name(results):
    loss = str(results.config_value("loss", "cross_entropy"))
    return "MSE" if loss.startswith("mse") else "cross-entropy, nats"


def accuracy_scale(results):
    """Accuracies are fractions in the CSVs; plot them in percent (tolerating files already in %)."""
    values = results.runs["test_accuracy"].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    return 100.0 if values.size == 0 or values.max() <= 1.0 + 1e-9 else 1.0


def draw_metric(ax, results, group_list, look_of, split, metric, scale=1.0, smooth=False):
    """Draws one metric for each group onto ax. Returns (handles, labels, smoothing window in steps)."""
    handles, labels = [], []
    window_steps = 0
    band_alpha = 0.2 * 3 / max(3, len(group_list))  # overlapping bands of many lines stay see-through
    finite_values = []
    ended = []  # (x, y, colour) of diverged/failed runs' last finite points
    for values, runs in group_list:
        look = look_of[values]
        ok_ids = runs["run_id"][runs["status"] == "ok"].tolist()
        bad_ids = runs["run_id"][runs["status"] != "ok"].tolist()
        per_run = aggregate.series(results, ok_ids + bad_ids, split, metric)
        if smooth and per_run:
            points = max(len(s) for s, _ in per_run.values())
            window = aggregate.smoothing_window(points)
            if window > 1:
                steps = next(iter(per_run.values()))[0]
                spacing = float(np.median(np.diff(steps))) if len(steps) > 1 else 1.0
                window_steps = max(window_steps, int(round(window * spacing)))
                per_run = {r: (s, aggregate.moving_average(v, window)) for r, (s, v) in per_run.items()}
        per_run = {r: (s, v * scale) for r, (s, v) in per_run.items()}
        ok_band = _thin(aggregate.band({r: per_run[r] for r in ok_ids if r in per_run}))
        # A t interval over few seeds can reach past what the quantity can be (a negative loss, an
        # accuracy above 100%): clip the band to the possible range.
        if metric == "loss" or metric.startswith("accuracy"):
            ok_band["lo"] = ok_band["lo"].clip(lower=0.0)
        if metric.startswith("accuracy"):
            ok_band["hi"] = ok_band["hi"].clip(upper=scale)
        label = look.label + encoding.status_note(aggregate.status_counts(runs))
        ok_series = [per_run[r] for r in ok_ids if r in per_run]
        if 1 <= len(ok_series) < MIN_SEEDS_FOR_BAND:
            # A t interval over two seeds is 12.7 standard errors wide: draw each seed instead.
            line = None
            for seed_index, (steps, vals) in enumerate(ok_series):
                keep = _thin_indices(len(steps))
                drawn, = ax.plot(steps[keep], vals[keep], color=look.colour, linestyle=look.linestyle,
                                 marker=look.marker, markevery=max(1, len(keep) // 6), markersize=3,
                                 linewidth=1.0, alpha=0.9 if seed_index == 0 else 0.6)
                line = line or drawn
                finite_values.extend(vals[np.isfinite(vals)])
            ax._normlab_seed_lines = ax._normlab_seed_lines or len(ok_series) > 1 if hasattr(ax, "_normlab_seed_lines") else len(ok_series) > 1
        elif len(ok_band):
            line, = ax.plot(ok_band["step"], ok_band["mean"], color=look.colour, linestyle=look.linestyle,
                            marker=look.marker, markevery=max(1, len(ok_band) // 6), markersize=3)
            ax.fill_between(ok_band["step"].astype(float), ok_band["lo"].astype(float),
                            ok_band["hi"].astype(float), color=look.colour, alpha=band_alpha, linewidth=0)
            finite_values.extend(ok_band["lo"][np.isfinite(ok_band["lo"])])
            finite_values.extend(ok_band["hi"][np.isfinite(ok_band["hi"])])
        else:  # no run finished: the legend entry is the diverged marker
            line, = ax.plot([], [], color=look.colour, linestyle=look.linestyle, marker=style.DIVERGED_MARKER)
        handles.append(line)
        labels.append(label)
        for run_id in bad_ids:
            if run_id not in per_run:
                continue
            steps, vals = per_run[run_id]
            finite = np.isfinite(vals)
            if finite.any():
                last = np.flatnonzero(finite)[-1]
                ended.append((steps[last], vals[last], look.colour))
                keep = _thin_indices(int(finite.sum()))
                ax.plot(steps[finite][keep], vals[finite][keep], color=look.colour, linestyle=look.linestyle,
                        linewidth=0.6, alpha=0.6)
    if finite_values:  # limits from finished runs, so that a diverging loss does not squash them
        lo, hi = float(np.min(finite_values)), float(np.max(finite_values))
        if metric == "loss" and lo > 0 and hi / lo > 30:
            ax.set_yscale("log")
            ax.set_ylim(lo / 1.3, hi * 1.3)
        else:
            pad = 0.06 * (hi - lo if hi > lo else max(abs(hi), 1.0))
            lo, hi = lo - pad, hi + pad
            if metric.startswith("accuracy"):  # a wide CI must not push the axis past 0..100 %
                lo, hi = max(lo, -0.02 * scale), min(hi, 1.02 * scale)
            ax.set_ylim(lo, hi)
    ax._normlab_finite = bool(finite_values)
    ax._normlab_ended = ended
    place_ended(ax)
    return handles, labels, window_steps


def place_ended(ax):
    """Crosses at the last finite value of each diverged/failed run, at the panel's edge (with an
    arrow) when that value is off the axis, which is set from the runs that finished: a diverging
    loss of 6e12 must not flatten every other curve."""
    for artist in getattr(ax, "_normlab_marks", []):
        artist.remove()
    marks = []
    bottom, top = ax.get_ylim()
    off_scale = False
    for x, y, colour in getattr(ax, "_normlab_ended", []):
        shown = min(max(y, bottom), top)
        marks.append(ax.plot([x], [shown], marker=style.DIVERGED_MARKER, color=colour, markersize=6,
                             markeredgewidth=1.2, clip_on=False, zorder=5)[0])
        if y > top or y < bottom:
            off_scale = True
            marks.append(ax.annotate("", (x, shown), xytext=(0, -12 if y > top else 12),
                                     textcoords="offset points", annotation_clip=False,
                                     arrowprops=dict(arrowstyle="->", color=colour, lw=0.8)))
    if off_scale:
        marks.append(ax.text(0.02, 0.03, "x↑ diverged, off scale", transform=ax.transAxes,
                             ha="left", va="bottom", fontsize=5, color="0.3"))
    ax._normlab_marks = marks
    ax._normlab_off_scale = off_scale


MAX_POINTS = 400  # per drawn line: enough for any paper figure, and keeps the PDFs small


def _thin_indices(count):
    """Evenly spaced indices, first and last included, at most MAX_POINTS of them."""
    if count <= MAX_POINTS:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, MAX_POINTS).round().astype(int))


def _thin(frame):
    """Keeps at most MAX_POINTS rows of a band; the training loss is already a moving average over
    about count/60 points, so thinning to 400 loses nothing visible."""
    return frame.iloc[_thin_indices(len(frame))].reset_index(drop=True) if len(frame) > MAX_POINTS else frame


def _loss_label(results, window_steps):
    label = f"training loss\n({loss_name(results)})"
    return label + (f"\nmoving average, {window_steps} steps" if window_steps else "")


def _panel_pair(ax_loss, ax_acc, results, group_list, look_of, scale, compact=False):
    handles, labels, window = draw_metric(ax_loss, results, group_list, look_of, "train", "loss", smooth=True)
    draw_metric(ax_acc, results, group_list, look_of, "test", "accuracy", scale=scale)
    if compact:
        ax_loss.set_ylabel("training loss")
        ax_acc.set_ylabel("test acc. (%)" if scale == 100.0 else "test accuracy")
    else:
        ax_loss.set_ylabel(_loss_label(results, window))
        ax_acc.set_ylabel("test accuracy (%)" if scale == 100.0 else "test accuracy")
    return handles, labels, window


def _band_note(results, window):
    seeds = results.runs.groupby(results.varying_keys() or ["status"]).size().max() if len(results.runs) else 0
    if seeds >= MIN_SEEDS_FOR_BAND:
        note = f"lines: mean over seeds (up to {seeds}); bands: 95% CI (Student's t)"
    elif seeds > 1:
        note = f"one line per seed ({seeds} seeds: too few for a confidence band)"
    else:
        note = "lines: one run each (one seed, so no confidence band)"
    note += "; x: last value of a diverged/failed run"
    if window:
        note += f"; training loss: moving average over {window} steps"
    return note


def draw(results, out_dir, formats):
    keys = results.varying_keys()
    group_list = aggregate.groups(results.runs, keys)
    default_norm = str(results.runs["norm"].iloc[0])
    look_of = encoding.looks(keys, [v for v, _ in group_list], default_norm)
    scale = accuracy_scale(results)
    facet_keys = [k for k in keys if k != "norm"]
    facets = aggregate.groups(results.runs, facet_keys)
    # One pair of panels while the lines stay readable; beyond that, a pair per combination of the
    # other keys (e.g. one per placement), each with one line per normalizer.
    if len(facets) == 1 or (len(facets) <= MAX_LINESTYLE_COMBOS and len(group_list) <= MAX_LINES):
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(style.TWO_COLUMN_IN, 2.3))
        handles, labels, window = _panel_pair(ax_loss, ax_acc, results, group_list, look_of, scale)
        for ax in (ax_loss, ax_acc):
            ax.set_xlabel(STEP_LABEL)
        _legend_below(fig, handles, labels, note=_band_note(results, 0))
        return style.save(fig, out_dir, "curves", formats)
    # Many combinations (e.g. a learning-rate grid): one pair of panels per combination.
    columns = min(4, max(2, math.ceil(len(facets) / math.ceil(len(facets) / 4))))
    facet_rows = math.ceil(len(facets) / columns)
    fig, axes = plt.subplots(2 * facet_rows, columns, figsize=(style.TWO_COLUMN_IN, 2.2 * facet_rows + 0.4),
                             squeeze=False, sharex=True)
    handles_by_label = {}
    windows = []
    # Facet titles name only what tells the facets apart (long model specs share most of their text).
    shorter = [encoding.short_specs(list(dict.fromkeys(v[i] for v, _ in facets))) for i in range(len(facet_keys))]
    for index, (facet_values, facet_runs) in enumerate(facets):
        row, col = divmod(index, columns)
        ax_loss, ax_acc = axes[2 * row, col], axes[2 * row + 1, col]
        inner_keys = ["norm"] if "norm" in keys else []
        inner = [(tuple(_full(keys, facet_keys, facet_values, v)), g)
                 for v, g in aggregate.groups(facet_runs, inner_keys)]
        # Legend by normalizer only; the facet title names the other keys.
        inner_look = {v: encoding.Look(look_of[v].colour, look_of[v].marker, "-",
                                       style.norm_label(v[keys.index("norm")]) if "norm" in keys else look_of[v].label)
                      for v, _ in inner}
        h, labels, window = _panel_pair(ax_loss, ax_acc, results, inner, inner_look, scale, compact=True)
        windows.append(window)
        bad = aggregate.status_counts(facet_runs)
        if bad["diverged"] or bad["failed"]:
            text = ", ".join(f"{bad[s]}/{len(facet_runs)} {s}" for s in ("diverged", "failed") if bad[s])
            ax_acc.text(0.98, 0.04, text, transform=ax_acc.transAxes, ha="right", va="bottom", fontsize=6)
        for handle, (v, _) in zip(h, inner):
            handles_by_label.setdefault(inner_look[v].label, handle)
        ax_loss.set_title(", ".join(encoding.describe(k, shorter[i].get(v, v))
                                    for i, (k, v) in enumerate(zip(facet_keys, facet_values))), fontsize=7)
        if col:
            ax_loss.set_ylabel("")
            ax_acc.set_ylabel("")
    for row_offset in (0, 1):  # one y range per metric, so that panels compare at a glance
        row_axes = [ax for ax in axes[row_offset::2].ravel() if ax.has_data()]
        limits = [ax.get_ylim() for ax in row_axes if getattr(ax, "_normlab_finite", False)]
        if limits:  # from panels with finished runs only: a panel of diverged runs does not stretch them
            log = any(ax.get_yscale() == "log" for ax in row_axes)
            lo, hi = min(l for l, _ in limits), max(h for _, h in limits)
            for ax in row_axes:
                if log and lo > 0:
                    ax.set_yscale("log")
                ax.set_ylim(lo, hi)
                place_ended(ax)
    for index in range(len(facets), facet_rows * columns):
        row, col = divmod(index, columns)
        axes[2 * row, col].set_visible(False)
        axes[2 * row + 1, col].set_visible(False)
    for col in range(columns):  # step labels under the lowest visible panel of each column
        last_row = (len(facets) - 1 - col) // columns
        bottom = axes[2 * last_row + 1, col]
        bottom.tick_params(labelbottom=True)
        bottom.set_xlabel("step")
    fig.tight_layout(h_pad=0.4, w_pad=0.4)
    _legend_below(fig, list(handles_by_label.values()), list(handles_by_label.keys()),
                  note=_band_note(results, max(windows, default=0)))
    return style.save(fig, out_dir, "curves", formats)


def _full(keys, facet_keys, facet_values, inner_values):
    """Rebuilds a full key tuple from the facet's values and the inner (norm) values."""
    facet = dict(zip(facet_keys, facet_values))
    inner = dict(zip(["norm"], inner_values))
    return [facet[k] if k in facet else inner[k] for k in keys]


def _legend_below(fig, handles, labels, note=None):
    """A legend under the panels, where it cannot cover data; the note (what lines, bands and
    crosses mean) is its title."""
    columns = 3 if max((len(s) for s in labels), default=0) > 24 else min(6, max(1, len(labels)))
    fig.tight_layout()
    legend = fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=columns,
                        handlelength=2.4, columnspacing=1.2, title=note, title_fontsize=6)
    return legend
