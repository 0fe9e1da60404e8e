"""Focused in-process checks of the figure fixes (issue 13, "Figures"), run by test_plots.py:
figure choice by content, divergence on the loss axis, per-seed lines for two seeds, the
distributions run choice and layout, bounded quantities clipped, unique panel letters, placement
error bars inside the axis, one ioffe site. Each check draws into matplotlib's Agg backend and
inspects the artists (style.save is intercepted, so nothing is written)."""
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

import synthetic

WIDE = {0: 0.99, 1: 0.55, 2: 0.99}  # accuracies per seed whose 95% t interval passes both 0 and 100 %


def _widen_accuracy(directory):
    """Final test accuracies spread so that a t interval over three seeds passes 0..1."""
    runs = pd.read_csv(directory / "runs.csv", keep_default_na=False)
    runs["test_accuracy"] = [WIDE.get(int(seed) % 3, 0.99) for seed in runs["seed"]]
    runs.to_csv(directory / "runs.csv", index=False)


def _widen_accuracy_curves(directory):
    runs = pd.read_csv(directory / "runs.csv", keep_default_na=False)
    seed_of = dict(zip(runs["run_id"], runs["seed"]))
    curves_frame = pd.read_csv(directory / "curves.csv", keep_default_na=False)
    low = {0: 0.01, 1: 0.6, 2: 0.01}
    mask = (curves_frame["split"] == "test") & curves_frame["metric"].str.startswith("accuracy")
    curves_frame.loc[mask, "value"] = [low[int(seed_of[r]) % 3] for r in curves_frame.loc[mask, "run_id"]]
    curves_frame.to_csv(directory / "curves.csv", index=False)


def run(source, normlab, dirs, workdir, check):
    import sys
    sys.path.insert(0, str(Path(source) / "scripts"))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.collections as mcollections
    import normlab_registry
    normlab_registry.configure(normlab or None)
    from normlab_plots import (batch_size, curves, distributions, ioffe, load, placement, presets,
                               running_stats, style)
    style.apply_paper_style()
    captured = []

    def fake_save(fig, out_dir, stem, formats):
        fig.canvas.draw()
        captured.append((stem, fig))
        return []

    for module in (batch_size, curves, distributions, ioffe, placement, running_stats, style):
        if hasattr(module, "style"):
            module.style.save = fake_save
    style.save = fake_save

    def figure_of(draw, results, **kwargs):
        captured.clear()
        draw(results, Path(workdir), ["png"], **kwargs)
        return captured[-1][1] if captured else None

    def titles(fig):
        return [ax.get_title() for ax in fig.axes if ax.get_visible() and ax.get_title()]

    # 1. content, not names: a renamed copy keeps its figures; a config "figures" list overrides.
    for name, directory in dirs.items():
        original = presets.chosen_figures(load.Results(directory))
        copy = Path(workdir) / f"renamed_{name}"
        shutil.copytree(directory, copy)
        manifest = json.loads((copy / "manifest.json").read_text())
        manifest["name"] = f"renamed_{name}_xyz"
        (copy / "manifest.json").write_text(json.dumps(manifest))
        renamed = presets.chosen_figures(load.Results(copy))
        check(renamed == original, f"renamed copy of synthetic {name}: figures {renamed}, expected {original}")
        manifest.setdefault("config", {})["figures"] = ["curves"]
        (copy / "manifest.json").write_text(json.dumps(manifest))
        check(presets.chosen_figures(load.Results(copy)) == ["curves"], f"{name}: config figures list ignored")
        manifest["config"]["figures"] = ["no_such_figure"]
        (copy / "manifest.json").write_text(json.dumps(manifest))
        try:
            presets.chosen_figures(load.Results(copy))
            check(False, f"{name}: unknown figure in config figures accepted")
        except load.ResultsError as error:
            check("no_such_figure" in str(error), f"{name}: error does not name the unknown figure")
    wanted = {"wuhe2018": "batch_size", "placement": "placement", "lr_stability": "lr_stability",
              "init_sensitivity": "init_sensitivity", "running_stats": "running_stats", "ioffe2015": "ioffe_figure1"}
    for name, stem in wanted.items():
        got = presets.chosen_figures(load.Results(dirs[name]))
        check(stem in got, f"synthetic {name}: {stem} not chosen by content ({got})")
    check(presets.chosen_figures(load.Results(dirs["generic"])) == ["curves", "distributions"],
          "generic sweep: expected curves and distributions only")

    # 2. diverged runs reaching 6e12 (here every run at one learning rate, a facet of its own)
    # must not stretch the loss axes of the others.
    diverged = Path(workdir) / "diverged_6e12"
    shutil.copytree(dirs["lr_stability"], diverged)
    runs = pd.read_csv(diverged / "runs.csv", keep_default_na=False)
    bad = runs["lr"].astype(float) == runs["lr"].astype(float).max()
    runs.loc[bad, "status"] = "diverged"
    runs.to_csv(diverged / "runs.csv", index=False)
    frame = pd.read_csv(diverged / "curves.csv", keep_default_na=False)
    hit = frame["run_id"].isin(runs["run_id"][bad]) & (frame["split"] == "train") & (frame["metric"] == "loss")
    frame.loc[hit, "value"] = 6e12
    frame.to_csv(diverged / "curves.csv", index=False)
    fig = figure_of(curves.draw, load.Results(diverged))
    loss_axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_subplotspec().rowspan.start % 2 == 0
                 and ax.has_data()]
    check(loss_axes and all(ax.get_ylim()[1] < 1e3 for ax in loss_axes),
          f"diverged runs: loss axes reach {max(ax.get_ylim()[1] for ax in loss_axes):.3g}, expected below 1e3")
    check(any(getattr(ax, "_normlab_off_scale", False) for ax in loss_axes),
          "diverged runs off scale are not marked")

    # 7. two seeds: per-seed lines, no bands.
    fig = figure_of(curves.draw, load.Results(dirs["quickstart"]))
    bands = [c for ax in fig.axes for c in ax.collections if isinstance(c, mcollections.PolyCollection)]
    check(not bands, f"two-seed curves: {len(bands)} confidence bands drawn, expected per-seed lines")
    check(any(getattr(ax, "_normlab_seed_lines", False) for ax in fig.axes), "two-seed curves: no per-seed lines")
    fig = figure_of(curves.draw, load.Results(dirs["placement"]))  # three seeds: bands
    check(any(isinstance(c, mcollections.PolyCollection) for ax in fig.axes for c in ax.collections),
          "three-seed curves: expected bands")

    # 3. distributions says which run, and allows the choice (incl. post-placement).
    results = load.Results(dirs["quickstart"])
    fig = figure_of(distributions.draw, results)
    check(all("seed 0" in t for t in titles(fig)), f"distributions titles do not name the seed: {titles(fig)}")
    fig = figure_of(distributions.draw, results, choice="seed=1,placement=post")
    check(titles(fig) and all("seed 1, post" in t for t in titles(fig) if "layer" in t and "none" not in t
                              and "weight" not in t), f"distributions --run seed=1,placement=post: {titles(fig)}")
    try:
        distributions.draw(results, Path(workdir), ["png"], choice="colour=red")
        check(False, "distributions --run with an unknown column accepted")
    except load.ResultsError:
        pass

    # 4. distributions column titles do not overlap (with the real presets' long labels).
    long_labels = synthetic.make(Path(workdir) / "quickstart_long_labels", "quickstart",
                                 {"norm": ["none", "batch", "layer", "instance:affine=true", "group:num_groups=4",
                                           "weight"], "placement": ["pre", "post"], "seed": [0, 1]})
    fig = figure_of(distributions.draw, load.Results(long_labels))
    renderer = fig.canvas.get_renderer()
    boxes = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_visible() and ax.get_title()]
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
    check(not overlaps, f"distributions: {len(overlaps)} overlapping column titles")

    # 5, 6. running_stats: accuracy inside 0..100 %, unique panel letters.
    two_rows = synthetic.make(Path(workdir) / "running_stats_two_rows", "running_stats",
                              {"norm": ["batch:momentum=0.1", "batch:momentum=none"], "batch_size": [4, 32],
                               "seed": [0, 1, 2]}, running_stats=True, train_mode_accuracy=True)
    _widen_accuracy_curves(two_rows)
    fig = figure_of(running_stats.draw, load.Results(two_rows))
    letters = [m.group(1) for t in titles(fig) for m in [re.match(r"\((\w)\)", t)] if m]
    check(len(letters) == len(set(letters)) and letters, f"running_stats panel letters repeat: {letters}")
    for ax in fig.axes:
        if "accuracy" in ax.get_ylabel():
            check(ax.get_ylim()[0] >= -2.01 and ax.get_ylim()[1] <= 102.01, f"running_stats accuracy axis {ax.get_ylim()}")
            for c in ax.collections:
                for path in c.get_paths():
                    ys = path.vertices[:, 1]
                    check(ys.min() >= -1e-9 and ys.max() <= 100 + 1e-9, f"running_stats band outside 0..100: "
                                                                       f"{ys.min()}..{ys.max()}")
    # a two-row running_stats (batch_size varies) keeps letters unique
    wide = Path(workdir) / "wuhe_wide"
    shutil.copytree(dirs["wuhe2018"], wide)
    _widen_accuracy(wide)
    fig = figure_of(batch_size.draw, load.Results(wide))
    for ax in fig.axes:
        for c in ax.collections:
            if isinstance(c, mcollections.LineCollection):
                for seg in c.get_segments():
                    check(seg[:, 1].min() >= -1e-9 and seg[:, 1].max() <= 100 + 1e-9,
                          f"batch_size error bar outside 0..100 %: {seg[:, 1]}")
        check(ax.get_ylim()[0] >= -2.01 and ax.get_ylim()[1] <= 102.01, f"batch_size axis {ax.get_ylim()}")

    # 8. placement: every error bar inside the axis.
    wide = Path(workdir) / "placement_wide"
    shutil.copytree(dirs["placement"], wide)
    _widen_accuracy(wide)
    fig = figure_of(placement.draw, load.Results(wide))
    for ax in fig.axes:
        top = ax.get_ylim()[1]
        for c in ax.collections:
            if isinstance(c, mcollections.LineCollection):
                for seg in c.get_segments():
                    check(seg[:, 1].max() <= top + 1e-9, f"placement error bar to {seg[:, 1].max()} above the axis {top}")
                    if "accuracy" in ax.get_ylabel():
                        check(seg[:, 1].max() <= 100 + 1e-9, "placement accuracy error bar above 100 %")

    # 9. ioffe: the same site in every percentile panel, and the bands explained.
    fig = figure_of(ioffe.draw, load.Results(dirs["ioffe2015"]))
    sites = [m.group(0) for t in titles(fig) for m in [re.search(r"site \d+/\d+", t)] if m]
    check(len(sites) >= 2 and len(set(sites)) == 1, f"ioffe panels show different sites: {sites}")
    check(all("band" in t for t in titles(fig)[1:]), f"ioffe bands not explained: {titles(fig)}")
