"""Figure family 3: pre- vs post-activation placement and with/without the preceding bias, as
grouped bars (one group per normalizer, one bar per placement x bias) with 95% CI error bars.
Bars keep their normalizer's colour; the condition is told by the fill (pre solid, post hatched)
and the shade (bias on dark, bias off light). A condition whose every seed diverged or failed gets
an empty bar outline with a cross; partial divergence is written above the bar."""
import matplotlib.pyplot as plt
import matplotlib.patches as mpatches
import numpy as np

from . import aggregate, curves, style

HATCHES = {"pre": "", "post": "////", "none": "....", "n/a": "\\\\"}  # n/a: placement does not apply


def _condition_label(placement, bias):
    placement = "placement n/a" if str(placement).lower() == "n/a" else placement
    return f"{placement}, bias {bias}" if bias is not None else f"{placement}"


def draw(results, out_dir, formats):
    results.require_run_columns(["norm", "placement"], "placement")
    runs = results.runs
    has_bias = "bias" in runs.columns and runs["bias"].nunique() > 1
    condition_keys = ["placement"] + (["bias"] if has_bias else [])
    scale = curves.accuracy_scale(results)
    norms = [v[0] for v, _ in aggregate.groups(runs, ["norm"])]
    order = {"pre": 0, "post": 1, "none": 2, "n/a": 3, "true": 0, "auto": 1, "false": 2}
    conditions = sorted((v for v, _ in aggregate.groups(runs, condition_keys)),
                        key=lambda c: [order.get(str(x).lower(), 3) for x in c] + [str(x) for x in c])
    summary = aggregate.final_summary(runs, ["norm"] + condition_keys, "test_accuracy")
    panels = [("test_accuracy", "final test accuracy (%)" if scale == 100 else "final test accuracy", scale),
              ("train_loss", f"final training loss ({curves.loss_name(results)})", 1.0)]
    panels = [p for p in panels if p[0] in runs.columns]
    fig, axes = plt.subplots(len(panels), 1, figsize=(style.TWO_COLUMN_IN, 1.9 * len(panels) + 0.3),
                             sharex=True, squeeze=False)
    width = 0.8 / max(1, len(conditions))
    any_all_failed = False
    for ax, (metric, ylabel, factor) in zip(axes[:, 0], panels):
        summary = aggregate.final_summary(runs, ["norm"] + condition_keys, metric)
        top = 0.0
        marks = []
        for i, norm in enumerate(norms):
            colour = style.kind_colour(style.norm_kind(norm))
            for j, condition in enumerate(conditions):
                row = summary[(summary["norm"] == norm) &
                              np.logical_and.reduce([summary[k] == v for k, v in zip(condition_keys, condition)])]
                if row.empty:
                    continue
                row = row.iloc[0]
                x = i - 0.4 + width * (j + 0.5)
                fill = _fill(colour, condition, condition_keys)
                bad = int(row["diverged"] + row["failed"])
                if row["n"] == 0:
                    ax.bar(x, 0, width, color="none", edgecolor=colour, linewidth=0.6)
                    marks.append((x, colour))
                    continue
                half = row["half"] * factor if np.isfinite(row["half"]) else 0.0
                mean = row["mean"] * factor
                lower = upper = half
                if metric == "test_accuracy" or metric.endswith("loss"):  # bounded below by 0
                    lower = min(half, max(mean, 0.0))
                if metric == "test_accuracy":  # and accuracy above by 100 %
                    upper = min(half, max(scale - mean, 0.0))
                ax.bar(x, mean, width, color=fill, edgecolor=colour, linewidth=0.6,
                       yerr=[[lower], [upper]] if half > 0 else None,
                       error_kw=dict(elinewidth=0.7, capsize=1.5, ecolor="0.2"))
                hatch = HATCHES.get(str(condition[0]).lower(), "xx")
                if hatch:  # hatch lines take the edge colour: white on a full-colour bar, the colour on a light one
                    ax.bar(x, mean, width, facecolor="none", linewidth=0, hatch=hatch,
                           edgecolor="white" if fill == colour else colour)
                top = max(top, mean + upper)
                if bad:
                    ax.annotate(f"{bad}/{int(row['runs'])}\ndiv.", (x, mean + upper), textcoords="offset points",
                                xytext=(0, 1), ha="center", va="bottom", fontsize=5, color=colour)
        any_all_failed = any_all_failed or bool(marks)
        for x, colour in marks:
            ax.plot([x], [0], marker=style.DIVERGED_MARKER, color=colour, markersize=6, clip_on=False, zorder=5)
        ax.set_ylabel(ylabel)
        if metric == "test_accuracy" and scale == 100:
            # room for the (clipped) error bars: the limit is at least 6% above the highest one
            ax.set_ylim(0, min(top * 1.12, 1.06 * scale) if top > 0 else 100)
        else:
            ax.set_ylim(0, top * 1.15 if top > 0 else 1)
        ax.grid(axis="x", visible=False)
    axes[-1, 0].set_xticks(range(len(norms)))
    axes[-1, 0].set_xticklabels([style.norm_label(n).replace(" (", "\n(") for n in norms])
    axes[-1, 0].set_xlim(-0.5, len(norms) - 0.5)
    axes[-1, 0].set_xlabel("normalizer")
    handles = []
    for c in conditions:
        fill = _fill("0.35", c, condition_keys)
        handles.append(mpatches.Patch(facecolor=fill, linewidth=0.6, hatch=HATCHES.get(str(c[0]).lower(), "xx"),
                                      edgecolor="white" if fill == "0.35" else "0.35",
                                      label=_condition_label(c[0], c[1] if has_bias else None)))
    if any_all_failed:
        handles.append(plt.Line2D([], [], color="0.3", linestyle="none", marker=style.DIVERGED_MARKER,
                                  label="every seed diverged/failed"))
    fig.tight_layout()
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(5, len(handles)),
               title="bars: mean over seeds; error bars: 95% CI (Student's t); hatched: post-activation; light: without bias",
               title_fontsize=6)
    return style.save(fig, out_dir, "placement", formats)


def _fill(colour, condition, condition_keys):
    """Bias off is drawn in a light shade of the colour, bias on (or auto) in the full colour."""
    bias = condition[condition_keys.index("bias")] if "bias" in condition_keys else "auto"
    return style.shade(colour, 1, 2) if str(bias).lower() == "false" else colour
