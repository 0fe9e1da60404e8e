#!/usr/bin/python3
"""What data-parallelism costs on this machine: the training step of the syncbn preset's CNN at
global batch 32, as one process with 1 thread, as 2 MPI ranks with 1 thread each (per-device and
synchronized batch norm), and as one process with 2 threads. Each configuration is a `normlab run`
of STEPS steps on a small data set whose one final evaluation is cheap; the step time is the run's
wall time (runs.csv wall_seconds) over its steps, the median of REPETITIONS interleaved repetitions.

usage: data_parallel_cost.py [--normlab build/normlab] [--mpirun mpirun] [--steps 300] [--repetitions 3]
Prints a Markdown table and the machine's load before and after.
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = """\
name = "data_parallel_cost"
model = "vgg:widths=16x32"
data = "patches:train=512,test=64"
batch_size = 32
lr = 0.1
optimizer = "sgd:momentum=0.9"
steps = {steps}
eval_every = {steps}
log_every = 50
norm = "{norm}"
"""

CASES = [  # (label, norm, ranks, threads)
    ("1 process, 1 thread", "batch", 1, 1),
    ("1 process, 2 threads", "batch", 1, 2),
    ("2 ranks x 1 thread, per-device batch norm", "batch", 2, 1),
    ("2 ranks x 1 thread, batch:sync=true", "batch:sync=true", 2, 1),
]


def step_ms(args, work, case, repetition):
    label, norm, ranks, threads = case
    config = work / f"cost_{repetition}_{CASES.index(case)}.toml"
    config.write_text(CONFIG.format(steps=args.steps, norm=norm))
    out = work / config.stem
    command = [args.normlab, "run", str(config), "--jobs", "1", "--threads", str(threads), "--out", str(out)]
    if ranks > 1:
        command = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(ranks)] + command + \
                  ["--set", f"ranks={ranks}"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    with open(out / "runs.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    return 1000 * float(row["wall_seconds"]) / args.steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--normlab", default="build/normlab")
    parser.add_argument("--mpirun", default="mpirun")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    args.normlab = os.path.abspath(args.normlab)
    load_before = os.getloadavg()
    times = {case: [] for case in CASES}
    with tempfile.TemporaryDirectory(prefix="normlab-dp-cost-") as tmp:
        for repetition in range(args.repetitions):  # interleaved: drift hits every case alike
            for case in CASES:
                times[case].append(step_ms(args, Path(tmp), case, repetition))
    base = statistics.median(times[CASES[0]])
    print(f"vgg:widths=16x32 on 3x32x32 patches, global batch 32, {args.steps} steps, "
          f"median of {args.repetitions} interleaved repetitions")
    print("| configuration | ms per step (median, min-max) | speed-up over 1 process, 1 thread |")
    print("|---|---|---|")
    for case in CASES:
        t = times[case]
        print(f"| {case[0]} | {statistics.median(t):.2f} ({min(t):.2f}-{max(t):.2f}) | "
              f"{base / statistics.median(t):.2f}x |")
    print(f"load average before: {load_before[0]:.2f}, after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
