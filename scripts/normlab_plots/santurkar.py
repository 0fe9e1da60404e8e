"""The instruments of Santurkar et al. 2018 over training, from probes.csv: (a) the loss along the
gradient, L(w - eta g) for eta on the probe_lrs grid, as a band from its minimum to its maximum
(their Figure 4's "loss landscape"); (b) gradient predictiveness, ||grad L(w) - grad L(w - eta g)||
over the same grid, as a band; (c) effective beta-smoothness; (d) internal covariate shift
||G - G'|| / ||G|| and (e) cos(G, G'), the median over layers (the first layer, whose G' is G by
definition, left out). One row per learning rate; one colour per normalizer (shades for variants
of one kind, e.g. noisy batch norm); lines and bands pool the seeds (band: the range over seeds and
grid points; line: the mean over seeds). Panels whose probe a sweep did not record are left out."""
import matplotlib.pyplot as plt
import numpy as np

from . import style
from .load import ResultsError

PANELS = [  # (probe, title)
    ("landscape", "loss landscape\nL(w - eta g)"),
    ("predictiveness", "gradient predictiv.\n||g(w) - g(w - eta g)||"),
    ("beta", "effective\nbeta-smoothness"),
    ("ics", "ICS ||G - G'|| / ||G||\n(median of layers)"),
    ("ics_cos", "ICS cos(G, G')\n(median of layers)"),
]


def applies(results):
    if not results.has_probes():
        return False
    try:
        return bool({"landscape", "predictiveness", "ics"} & set(results.probes["probe"].unique()))
    except ResultsError:
        return False


def _looks(norms):
    looks = {}
    for kind in dict.fromkeys(style.norm_kind(n) for n in norms):
        variants = [n for n in norms if style.norm_kind(n) == kind]
        for index, norm in enumerate(variants):
            looks[norm] = style.shade(style.kind_colour(kind), index, len(variants))
    return looks


def _per_step(frame, reduce):
    """{step: value} over the rows of one run group, reduced per step."""
    grouped = frame.groupby("step")["value"]
    return grouped.agg(reduce)


def _band(ax, frame, colour, stat_prefix, line_stat=None):
    rows = frame[frame["stat"].str.startswith(stat_prefix)]
    if rows.empty:
        return False
    low, high = _per_step(rows, "min"), _per_step(rows, "max")
    ax.fill_between(low.index, low.to_numpy(), high.to_numpy(), color=colour, alpha=0.25, linewidth=0)
    line = frame[frame["stat"] == line_stat] if line_stat else rows
    mean = line.groupby("step")["value"].mean() if line_stat else (low + high) / 2
    ax.plot(mean.index, mean.to_numpy(), color=colour, linewidth=1.0)
    return True


def _ics(frame, stat):
    ics = frame[frame["probe"] == "ics"]
    first = ics.groupby("run_id")["layer"].transform(lambda layers: layers.astype(str).iloc[0])
    ics = ics[ics["layer"].astype(str) != first]  # the first layer's G' is G
    table = ics.pivot_table(index=["run_id", "step", "layer"], columns="stat", values="value").reset_index()
    if table.empty:
        return None
    if stat == "ics":
        norm = table["grad_l2"].replace(0, np.nan)
        table["value"] = table["ics_l2"] / norm
    else:
        table["value"] = table["ics_cos"]
    per_run = table.groupby(["run_id", "step"])["value"].median().reset_index()
    return per_run.groupby("step")["value"].mean()


def draw(results, out_dir, formats):
    results.require_run_columns(["norm", "lr"], "santurkar")
    probes = results.probes
    runs = results.runs[results.runs["status"] == "ok"]
    recorded = set(probes["probe"].unique())
    panels = [(key, title) for key, title in PANELS
              if key in recorded or (key == "beta" and "predictiveness" in recorded)
              or (key == "ics_cos" and "ics" in recorded)]
    lrs = sorted(runs["lr"].unique())
    norms = sorted(runs["norm"].unique(), key=style.kind_sort_key)
    looks = _looks(norms)
    fig, axes = plt.subplots(len(lrs), len(panels), figsize=(style.TWO_COLUMN_IN, 1.7 * len(lrs) + 0.9),
                             squeeze=False, sharex=True)
    for row, lr in enumerate(lrs):
        for norm in norms:
            ids = runs[(runs["lr"] == lr) & (runs["norm"] == norm)]["run_id"]
            frame = probes[probes["run_id"].isin(ids)]
            if frame.empty:
                continue
            colour = looks[norm]
            for column, (key, _) in enumerate(panels):
                ax = axes[row][column]
                if key == "landscape":
                    _band(ax, frame[frame["probe"] == "landscape"], colour, "loss@", "loss")
                elif key == "predictiveness":
                    _band(ax, frame[frame["probe"] == "predictiveness"], colour, "grad_diff@")
                elif key == "beta":
                    beta = frame[(frame["probe"] == "predictiveness") & (frame["stat"] == "beta_smoothness")]
                    series = beta.groupby("step")["value"].mean()
                    ax.plot(series.index, series.to_numpy(), color=colour, linewidth=1.0)
                else:
                    series = _ics(frame, key)
                    if series is not None:
                        ax.plot(series.index, series.to_numpy(), color=colour, linewidth=1.0)
        axes[row][0].set_ylabel(f"lr = {lr:g}")
    for column, (key, title) in enumerate(panels):
        axes[0][column].set_title(f"({chr(ord('a') + column)}) {title}", fontsize="small")
        for row in range(len(lrs)):
            ax = axes[row][column]
            if key in ("predictiveness", "beta"):
                ax.set_yscale("log")
            if key == "ics_cos":
                ax.set_ylim(top=1.0)
        axes[-1][column].set_xlabel("step")
    handles = [plt.Line2D([], [], color=looks[n], linewidth=2) for n in norms]
    fig.legend(handles, [style.norm_label(n) for n in norms], loc="lower center", bbox_to_anchor=(0.5, 0.03),
               ncol=min(3, len(norms)), frameon=False, fontsize="small")
    seeds = runs.groupby(["norm", "lr"]).size().max() if len(runs) else 0
    fig.text(0.5, 0.005, f"bands: range over the eta grid (probe_lrs x lr) and {seeds} seed(s); "
             "lines: mean over seeds (landscape: the loss at w)", ha="center", fontsize="x-small")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return style.save(fig, out_dir, "santurkar", formats)
