"""Grouped bars of a final metric with 95% CIs over seeds (fewer than 3 seeds: the seeds as dots): one group per normalizer, one bar per
variant within the group. Bounded quantities (accuracies) have their error bars clipped to the
range, and a variant where every run diverged or failed is drawn as a cross instead of a bar."""
import numpy as np

from . import aggregate, style


def grouped(ax, cells, variants, colours, bounds=None, hatches=None, width=0.8):
    """cells: [(group label, {variant: numpy array of per-seed values (ok runs)})]; draws bars and
    returns the bar containers per variant (for a legend)."""
    bar_width = width / max(1, len(variants))
    containers = {}
    for g, (_, values_of) in enumerate(cells):
        for v, variant in enumerate(variants):
            x = g - width / 2 + bar_width * (v + 0.5)
            values = np.asarray(values_of.get(variant, []), dtype=float)
            mean, half, n = aggregate.stats.mean_ci(values)
            if n == 0:
                ax.plot([x], [0], marker=style.DIVERGED_MARKER, color=colours[v], linestyle="none")
                continue
            half = 0.0 if n < 3 or not np.isfinite(half) else half  # under 3 seeds: the seeds as dots
            lower, upper = half, half
            if bounds is not None:
                lower, upper = min(half, max(mean - bounds[0], 0.0)), min(half, max(bounds[1] - mean, 0.0))
            containers[variant] = ax.bar([x], [mean], bar_width * 0.92, yerr=[[lower], [upper]], color=colours[v],
                                         edgecolor="black", linewidth=0.3, capsize=1.5,
                                         hatch=None if hatches is None else hatches[v],
                                         error_kw=dict(elinewidth=0.6))
            if n < 3:  # too few seeds for the interval to say much: show each seed
                ax.plot([x] * n, values, linestyle="none", marker=".", markersize=2.5, color="black", zorder=4)
    ax.set_xticks(range(len(cells)))
    ax.set_xticklabels([label for label, _ in cells])
    return containers
