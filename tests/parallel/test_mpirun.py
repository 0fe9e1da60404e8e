#!/usr/bin/python3
"""`normlab run` under mpirun, end to end, run by ctest (`ctest -L parallel`):

1. A sweep of a small float64 CNN with batch:sync=true, run as 2 ranks
   (`mpirun -np 2 normlab run CONFIG --set ranks=2`), gives the curves of the same sweep run by one
   process (ranks = 1) to 1e-10 relative; run again, its curves.csv is byte-identical.
2. Per-device batch norm over 2 ranks gives the curves of one process with
   batch:virtual_batch_size=8 (the per-rank batch) to 1e-10 relative.
3. Bad input exits 2 with a one-line message: ranks = 2 without mpirun (says how to start it), a
   batch size that is not a multiple of ranks.
4. A rank killed mid-sweep (SIGKILL to rank 1 during the second run): mpirun exits non-zero and
   names the rank; the store keeps the finished run; the same command resumes and completes.

usage: test_mpirun.py --normlab PATH/TO/normlab --mpirun PATH/TO/mpirun [--keep]
"""
import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """\
name = "mpi_check"
model = "vgg:widths=4x8"
data = "glyphs:train=128,test=64"
norm = "batch:sync=true"
dtype = "float64"
batch_size = 16
steps = 12
eval_every = 6
lr = 0.05
optimizer = "sgd:momentum=0.9"
seed = [0, 1]
"""


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(command, expect=0, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if expect is not None and result.returncode != expect:
        fail(f"{' '.join(command)} exited {result.returncode}, expected {expect}\n{result.stdout}\n{result.stderr}")
    return result


def curves(directory):
    """(label, step, split, metric) -> value of a store's curves.csv, labels from runs.csv."""
    with open(directory / "runs.csv", newline="") as f:
        labels = {row["run_id"]: row["seed"] for row in csv.DictReader(f)}
    with open(directory / "curves.csv", newline="") as f:
        return {(labels[r["run_id"]], r["step"], r["split"], r["metric"]): float(r["value"]) for r in csv.DictReader(f)}


def compare(a, b, tolerance, what):
    if a.keys() != b.keys():
        fail(f"{what}: the curves hold different records ({len(a)} vs {len(b)})")
    worst = max(abs(a[k] - b[k]) / max(abs(b[k]), 1e-300) for k in a)
    if worst > tolerance:
        fail(f"{what}: largest relative difference {worst:.3g} > {tolerance}")
    print(f"ok: {what}: {len(a)} records agree to {worst:.2g} relative")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--normlab", required=True)
    parser.add_argument("--mpirun", required=True)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    normlab = os.path.abspath(args.normlab)
    mpirun = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "-np", "2"]
    work = Path(tempfile.mkdtemp(prefix="normlab-mpirun-"))
    try:
        config = work / "mpi_check.toml"
        config.write_text(CONFIG)
        base = [normlab, "run", str(config), "--jobs", "1"]

        # 1. sync batch norm over 2 ranks = one process at the global batch; the same bits again.
        run(base + ["--out", str(work / "single")])
        run(mpirun + base + ["--set", "ranks=2", "--out", str(work / "sync")])
        compare(curves(work / "sync"), curves(work / "single"), 1e-10, "sync=true over 2 ranks vs 1 process")
        run(base + ["--threads", "2", "--out", str(work / "two_threads")])
        if (work / "single" / "curves.csv").read_bytes() != (work / "two_threads" / "curves.csv").read_bytes():
            fail("--threads 2 gave other curves than --threads 1")
        print("ok: --threads 2: byte-identical curves.csv to --threads 1")
        run(mpirun + base + ["--set", "ranks=2", "--out", str(work / "sync_again")])
        if (work / "sync" / "curves.csv").read_bytes() != (work / "sync_again" / "curves.csv").read_bytes():
            fail("the same 2-rank sweep gave different curves.csv")
        print("ok: the same 2-rank sweep twice: byte-identical curves.csv")

        # 2. per-device batch norm over 2 ranks = ghost batch norm with the per-rank batch.
        run(base + ["--set", "norm=batch:virtual_batch_size=8", "--out", str(work / "ghost")])
        run(mpirun + base + ["--set", "ranks=2", "--set", "norm=batch", "--out", str(work / "per_device")])
        compare(curves(work / "per_device"), curves(work / "ghost"), 1e-10,
                "per-device batch norm over 2 ranks vs virtual_batch_size=8")

        # 3. bad input: exit 2, one line saying what is wrong and what to do.
        alone = run(base + ["--set", "ranks=2", "--out", str(work / "refused")], expect=2)
        if "mpirun -np 2" not in alone.stderr or alone.stderr.count("\n") != 1:
            fail("ranks = 2 without mpirun: expected one line naming mpirun -np 2, got: " + alone.stderr)
        odd = run(mpirun + base + ["--set", "ranks=2", "--set", "batch_size=15", "--out", str(work / "odd")], expect=None)
        if odd.returncode == 0 or "not a multiple of ranks" not in odd.stderr:
            fail("batch_size 15 with ranks = 2: expected an error naming the multiple, got: " + odd.stderr)
        print("ok: ranks = 2 without mpirun and batch_size 15 over 2 ranks are refused")

        # 4. a rank killed during the second run: finished runs are kept, the rerun completes them.
        # Long enough (about 5 s a run on a quiet machine) that the kill lands inside the second run.
        long_run = base + ["--set", "ranks=2", "--set", "steps=4000", "--set", "eval_every=4000",
                           "--out", str(work / "killed")]
        log = open(work / "killed.log", "w")
        sweep = subprocess.Popen(mpirun + long_run, stdout=log, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 300
        while "[1/2]" not in (work / "killed.log").read_text():
            if time.time() > deadline or sweep.poll() is not None:
                fail("the first run of the sweep to kill did not finish:\n" + (work / "killed.log").read_text())
            time.sleep(0.05)
        rank1 = rank_pids(normlab, str(work / "killed"), "1")
        if not rank1:
            fail("no process of rank 1 found to kill")
        for pid in rank1:
            os.kill(pid, signal.SIGKILL)
        sweep.wait(timeout=120)
        log.close()
        output = (work / "killed.log").read_text()
        if sweep.returncode == 0 or "rank 1" not in output:
            fail(f"after killing rank 1, mpirun exited {sweep.returncode}; expected non-zero and rank 1 named:\n{output}")
        with open(work / "killed" / "runs.csv", newline="") as f:
            finished = [row for row in csv.DictReader(f) if row["status"] == "ok"]
        if len(finished) != 1:
            fail(f"after the kill the store shows {len(finished)} finished runs, expected 1")
        resumed = run(mpirun + long_run)
        if "1 done before" not in resumed.stdout or "2 ok" not in resumed.stdout:
            fail("the rerun after the kill did not resume:\n" + resumed.stdout)
        print("ok: rank 1 killed mid-sweep: mpirun names it, the finished run is kept, the rerun completes")
    finally:
        if args.keep:
            print("kept " + str(work))
        else:
            shutil.rmtree(work, ignore_errors=True)


def rank_pids(normlab, out_dir, rank):
    """The normlab processes of rank `rank` (their environment says so) writing to out_dir."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if command and command[0].decode(errors="replace") == normlab and out_dir.encode() in command \
                and f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ:
            pids.append(int(entry.name))
    return pids


if __name__ == "__main__":
    main()
