"""Shared drawing of a final metric (from runs.csv) against a numeric sweep key, one line per
normalizer: used by the batch-size (Wu & He 2018, Figure 1) and initialization-scale figures.
With fewer than 3 finished seeds a point has no interval but its seeds drawn as dots beside it.
Points where some seeds diverged say so next to the point; where every seed diverged (or failed) a
cross is drawn at the top of the panel, so that no configuration silently disappears."""
import math

import numpy as np

from . import aggregate, encoding, style


def spans_decades(xs):
    xs = np.asarray([x for x in xs if np.isfinite(x)], dtype=float)
    return bool(xs.size and xs.min() > 0 and xs.max() / xs.min() >= 10)


def draw_lines(ax, runs, x_key, value_of, line_keys, default_norm, x_of=float, bounds=None):
    """value_of(runs frame) -> numpy array of the metric for the ok runs of a group.
    Lines are dodged sideways a little so that their error bars do not hide each other.
    bounds=(lo, hi): the metric's possible range (e.g. 0..100 %); error bars are clipped to it.
    Returns legend (handles, labels, [(x, colour, text)] where every run diverged or failed)."""
    line_groups = aggregate.groups(runs, line_keys)
    x_values = sorted({x_of(v) for v in runs[x_key].dropna().unique()})
    log_x = spans_decades(x_values)
    positions = np.log10(x_values) if log_x else np.asarray(x_values, dtype=float)
    if len(positions) > 1:
        step, span = np.min(np.diff(positions)), positions[-1] - positions[0]
        width = min(0.25 * step, 0.04 * span)  # total spread of the dodged lines around each x
    else:
        width = 0.0

    def dodge(x, index):
        offset = 0.0 if len(line_groups) < 2 else width * (index / (len(line_groups) - 1) - 0.5)
        return x * 10 ** offset if log_x else x + offset

    look_of = encoding.looks(line_keys, [v for v, _ in line_groups], default_norm)
    handles, labels = [], []
    all_failed = []  # (x, colour, marker, text)
    for line_index, (values, group) in enumerate(line_groups):
        look = look_of[values]
        xs, means, halves, notes, seeds = [], [], [], [], []
        for x_value, point in aggregate.groups(group, [x_key]):
            x = dodge(x_of(x_value[0]), line_index)
            ok = point[point["status"] == "ok"]
            values = np.asarray(value_of(ok), dtype=float)
            mean, half, n = aggregate.stats.mean_ci(values)
            if n < 3:  # a t interval over two seeds (12.7 standard errors) says little: show the seeds
                half = math.nan
                seeds += [(x, v) for v in values]
            counts = aggregate.status_counts(point)
            bad = counts["diverged"] + counts["failed"]
            if n == 0:
                all_failed.append((x, look.colour, look.marker))
                continue
            xs.append(x)
            means.append(mean)
            halves.append(0.0 if not np.isfinite(half) else half)
            notes.append(f"{bad}/{len(point)}" if bad else "")
        counts = aggregate.status_counts(group)
        label = look.label + encoding.status_note(counts)
        if xs:
            means_a, halves_a = np.asarray(means, dtype=float), np.asarray(halves, dtype=float)
            lower, upper = halves_a, halves_a
            if bounds is not None:  # a t interval over few seeds can pass what the metric can be
                lower = np.minimum(halves_a, np.maximum(means_a - bounds[0], 0.0))
                upper = np.minimum(halves_a, np.maximum(bounds[1] - means_a, 0.0))
            container = ax.errorbar(xs, means, yerr=[lower, upper], color=look.colour, marker=look.marker,
                                    linestyle=look.linestyle, capsize=2, elinewidth=0.8, markersize=4)
            handle = container.lines[0]
            if seeds:
                ax.plot([s[0] for s in seeds], [s[1] for s in seeds], linestyle="none", marker=".",
                        markersize=2.5, color=look.colour, alpha=0.8)
            for x, y, note in zip(xs, means, notes):
                if note:
                    ax.annotate(note + " div.", (x, y), textcoords="offset points", xytext=(4, 4),
                                fontsize=5.5, color=look.colour)
        else:
            handle, = ax.plot([], [], color=look.colour, marker=style.DIVERGED_MARKER, linestyle=look.linestyle)
        handles.append(handle)
        labels.append(label)
    return handles, labels, all_failed


def mark_all_failed(ax, all_failed, handles, labels):
    """A cross at the top edge for each x where no run of a line finished, and a legend entry
    saying what the crosses mean."""
    for x, colour, _ in all_failed:
        ax.plot([x], [1.0], marker=style.DIVERGED_MARKER, color=colour, markersize=6, markeredgewidth=1.2,
                linestyle="none", transform=ax.get_xaxis_transform(), clip_on=False, zorder=5)
    if all_failed:
        handle, = ax.plot([], [], marker=style.DIVERGED_MARKER, color="0.3", linestyle="none", markersize=6)
        handles.append(handle)
        labels.append("every seed diverged/failed")


def clamp_percent(ax, scale):
    """Keeps a percentage axis within 0..100 even when a wide CI reaches beyond."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(max(lo, -0.02 * scale), min(hi, 1.02 * scale))  # the data are clipped; 2% room for markers


def legend_below(ax, handles, labels):
    """A legend under the axes (keeps one-column figures one column wide)."""
    columns = 2 if max((len(s) for s in labels), default=0) > 18 else 3
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=columns,
              borderaxespad=0, columnspacing=1.0, handlelength=2.0)


def log_axis_if_decades(ax, xs, axis="x", base=10):
    """Log scale where the values span more than a decade (lr, batch size, init scale)."""
    xs = np.asarray([x for x in xs if np.isfinite(x)], dtype=float)
    if xs.size and xs.min() > 0 and xs.max() / xs.min() >= 10:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log", base=base)
        return True
    return False
