"""Synthetic results directories in the harness's contracted format (manifest.json, runs.csv,
curves.csv, layer_stats.csv), one per preset plus a generic sweep, with diverged and failed runs.
Used by test_plots.py when a preset cannot be run for real, and to test the error paths. The
numbers are made up (shaped like the real findings) and mean nothing."""
import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np

CONFIG_KEYS = ["norm", "placement", "bias", "batch_size", "lr", "seed", "model", "data", "optimizer",
               "schedule", "init", "steps", "epochs"]
RESULT_KEYS = ["status", "diverged_step", "error", "train_loss", "train_accuracy", "test_loss",
               "test_accuracy", "steps_done", "wall_seconds"]
NORMS = ["batch", "layer", "instance", "group:num_groups=4", "weight", "none"]
BASE = dict(norm="batch", placement="pre", bias="auto", batch_size=32, lr=0.1, seed=0,
            model="mlp:widths=64x32", data="glyphs", optimizer="sgd:momentum=0.9", schedule="constant",
            init="kaiming:scale=1", steps=200, epochs=0)


def _quality(config):
    """A made-up 'how good is this configuration' in [0, 1], and whether it diverges."""
    kind = config["norm"].split(":")[0]
    q = {"batch": 0.9, "group": 0.85, "layer": 0.8, "instance": 0.7, "weight": 0.75, "none": 0.6}.get(kind, 0.5)
    if kind == "batch":
        q -= 0.08 * max(0.0, math.log2(32 / config["batch_size"]))  # small batches hurt batch norm
    lr = config["lr"]
    q -= 0.05 * abs(math.log10(lr / 0.1))
    init = float(config["init"].split("=")[-1])
    if kind in ("none", "weight"):
        q -= 0.15 * abs(math.log10(init))
    q -= 0.03 * (config["placement"] == "post") + 0.01 * (config["bias"] == "false")
    diverges = (kind == "none" and (lr >= 1.0 or init >= 10)) or (lr >= 3.0 and kind != "batch")
    return max(0.05, min(0.99, q)), diverges


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def make(directory, name, axes, overrides=None, layer_names=("2.norm", "5.norm"), running_stats=False,
         train_mode_accuracy=False, fail_run=None):
    """Writes one results directory with the Cartesian product of `axes` (key -> list)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    keys = list(axes)
    extra_keys = [k for k in keys if k not in CONFIG_KEYS]
    config_columns = CONFIG_KEYS + extra_keys
    runs_rows, curve_rows, stat_rows, manifest_runs = [], [], [], []
    for index, values in enumerate(itertools.product(*axes.values())):
        config = dict(BASE, **(overrides or {}), **dict(zip(keys, values)))
        run_id = f"r{index:04d}"
        rng = np.random.default_rng(index)
        quality, diverges = _quality(config)
        steps = config["steps"]
        diverged_step = int(steps * (0.3 + 0.4 * rng.random())) if diverges else 0
        status = "diverged" if diverges else "ok"
        if fail_run == index:
            status, diverged_step = "failed", 0
        last = diverged_step if status == "diverged" else (steps // 3 if status == "failed" else steps)
        noise = 0.02 * rng.standard_normal()
        running = [0.0, 1.0]  # PyTorch's initial running mean and variance
        for step in range(1, last + 1):
            progress = 1 - math.exp(-step / (steps / 5))
            loss = 2.3 * (1 - progress * quality) + 0.15 * rng.standard_normal() ** 2
            if status == "diverged" and step > diverged_step - 5:
                loss = 10 ** (step - diverged_step + 5)
            if status == "diverged" and step == diverged_step:
                loss = float("nan")
            if step % 5 == 0 or step == diverged_step:
                curve_rows.append([run_id, step, f"{step / 100:.4f}", "train", "loss", f"{loss:.6g}"])
            if step % 25 == 0 and not (status == "diverged" and step >= diverged_step):
                acc = min(1.0, 0.1 + (quality - 0.1) * progress + noise)
                curve_rows.append([run_id, step, f"{step / 100:.4f}", "test", "loss", f"{2.3 * (1 - acc):.6g}"])
                curve_rows.append([run_id, step, f"{step / 100:.4f}", "test", "accuracy", f"{acc:.6g}"])
                if train_mode_accuracy:
                    gap = 0.08 * math.exp(-step / 60) + 0.01
                    curve_rows.append([run_id, step, f"{step / 100:.4f}", "test", "accuracy_train_mode",
                                       f"{acc - gap:.6g}"])
            if step % 10 == 0 and not (status == "diverged" and step >= diverged_step):
                for depth, layer in enumerate(layer_names):
                    drift = 0.0 if config["norm"].startswith("batch") else 0.8 * progress * (depth + 1)
                    mean, std = drift + 0.1 * rng.standard_normal(), 1.0 + 0.3 * depth + 0.2 * progress
                    stat_rows += [[run_id, step, layer, "mean", f"{mean:.6g}"],
                                  [run_id, step, layer, "std", f"{std:.6g}"],
                                  [run_id, step, layer, "p15", f"{mean - 0.9 * std:.6g}"],
                                  [run_id, step, layer, "p50", f"{mean - 0.1 * std:.6g}"],
                                  [run_id, step, layer, "p85", f"{mean + 1.2 * std:.6g}"]]
                    if running_stats and depth == 0:
                        # Same seed -> same batches whatever the momentum (it only affects eval mode).
                        batch_rng = np.random.default_rng([config["seed"], step])
                        batch_mean = 0.5 + 0.3 * batch_rng.standard_normal()
                        batch_var = 2.0 * (1 + 0.3 * batch_rng.standard_normal())
                        momentum = config["norm"].split("=")[-1]
                        m = 1.0 / (step / 10 + 1) if momentum == "none" else 1 - (1 - float(momentum)) ** 10
                        running[0] = (1 - m) * running[0] + m * batch_mean
                        running[1] = (1 - m) * running[1] + m * batch_var
                        stat_rows += [[run_id, step, layer, "batch_mean", f"{batch_mean:.6g}"],
                                      [run_id, step, layer, "batch_var", f"{batch_var:.6g}"],
                                      [run_id, step, layer, "running_mean", f"{running[0]:.6g}"],
                                      [run_id, step, layer, "running_var", f"{running[1]:.6g}"]]
        final_acc = min(1.0, quality + noise)
        result = {"ok": [status, "", "", f"{2.3 * (1 - quality):.6g}", f"{final_acc + 0.02:.6g}",
                         f"{2.3 * (1 - final_acc):.6g}", f"{final_acc:.6g}", steps, "1.5"],
                  "diverged": [status, diverged_step, "", "nan", "0.1", "nan", "0.1", diverged_step, "0.8"],
                  "failed": [status, "", "std::bad_alloc", "", "", "", "", last, "0.2"]}[status]
        runs_rows.append([run_id] + [config.get(k, "") for k in config_columns] + result)
        manifest_runs.append({"run_id": run_id, "config": {k: config.get(k) for k in config_columns}})
    manifest = {"name": name, "config": dict(BASE, **(overrides or {}), **axes), "runs": manifest_runs,
                "git_commit": "synthetic", "git_dirty": False, "command": "tests/plots/synthetic.py"}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1))
    _write_csv(directory / "runs.csv", ["run_id"] + config_columns + RESULT_KEYS, runs_rows)
    _write_csv(directory / "curves.csv", ["run_id", "step", "epoch", "split", "metric", "value"], curve_rows)
    _write_csv(directory / "layer_stats.csv", ["run_id", "step", "layer", "stat", "value"], stat_rows)
    return directory


def make_all(root):
    """One directory per preset and a generic sweep; returns {name: path}."""
    root = Path(root)
    seeds3 = [0, 1, 2]
    dirs = {
        "quickstart": make(root / "quickstart", "quickstart", {"norm": NORMS, "placement": ["pre", "post"], "seed": [0, 1]},
                           fail_run=3),
        "ioffe2015": make(root / "ioffe2015", "ioffe2015", {"norm": ["batch", "none"], "seed": seeds3},
                          overrides=dict(model="mlp:widths=100x100x100,act=sigmoid", batch_size=60, optimizer="sgd"),
                          layer_names=("1.linear", "3.linear", "5.linear")),
        "wuhe2018": make(root / "wuhe2018", "wuhe2018",
                         {"norm": ["batch", "group:num_groups=32", "layer", "instance"],
                          "batch_size": [32, 16, 8, 4, 2], "seed": seeds3}),
        "placement": make(root / "placement", "placement",
                          {"norm": NORMS, "placement": ["pre", "post"], "bias": ["true", "false"], "seed": seeds3}),
        "lr_stability": make(root / "lr_stability", "lr_stability",
                             {"norm": NORMS, "lr": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0], "seed": [0, 1]}),
        "init_sensitivity": make(root / "init_sensitivity", "init_sensitivity",
                                 {"norm": NORMS, "init": ["kaiming:scale=0.01", "kaiming:scale=0.1", "kaiming:scale=1",
                                                          "kaiming:scale=10"], "seed": [0, 1]}),
        "running_stats": make(root / "running_stats", "running_stats",
                              {"norm": ["batch:momentum=0.1", "batch:momentum=0.01", "batch:momentum=none"],
                               "seed": seeds3}, running_stats=True, train_mode_accuracy=True),
        "generic": make(root / "generic", "my_sweep", {"optimizer": ["sgd:momentum=0.9", "adam"], "seed": [0, 1]}),
    }
    return dirs


if __name__ == "__main__":
    import sys
    for name, path in make_all(sys.argv[1] if len(sys.argv) > 1 else "/tmp/normlab_synthetic").items():
        print(name, path)
