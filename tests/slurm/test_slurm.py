#!/usr/bin/python3
"""End-to-end test of `normlab slurm` against a real Slurm, run by ctest (`ctest -L slurm`):

1. scripts/slurm_cluster.sh starts a one-node cluster (munged, slurmctld, slurmd) in a temporary
   directory; SLURM_CONF points at it for everything below.
2. Smoke check of the cluster itself with plain sbatch: a job array 0-3 whose tasks see
   SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, and a job with --dependency=afterok on the array
   that runs after every task (and runs `srun` inside).
3. `normlab slurm experiments/configs/quickstart.toml --quick --set steps=5 --shards 3 --out DIR
   --submit` writes DIR/slurm/sweep.sbatch and DIR/slurm/merge.sbatch, submits them and prints
   `submitted: array job <ID>, merge job <ID2>`; every array task and the merge job end COMPLETED.
4. The same sweep run locally (`normlab run ... --jobs 2 --out LOCAL`): DIR's curves.csv and
   layer_stats.csv are byte-identical to LOCAL's, runs.csv is identical but for wall_seconds, and
   manifest.json describes the same sweep (runs, results, state).
The cluster is always stopped (by the pids its script recorded), whatever happens.

Skipped (exit 0, a line starting `skipped:`) only when slurm-wlm or munge is not installed
(scripts/setup.sh installs them). Needs root: the test cluster runs its daemons and jobs as root.

usage: test_slurm.py --normlab PATH/TO/normlab --source SOURCE_DIR [--keep]
"""
import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOOLS = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "srun"]
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
            "BOOT_FAIL", "DEADLINE", "REVOKED"}
CONFIG = "experiments/configs/quickstart.toml"
SWEEP_ARGS = ["--quick", "--set", "steps=5"]
SHARDS = 3
SMOKE_TIMEOUT = 120    # seconds for the plain sbatch smoke jobs
SWEEP_TIMEOUT = 900    # seconds for the array and the merge job of the quick sweep

PASSED = []
FAILED = []


def check(condition, message):
    (PASSED if condition else FAILED).append(message)
    print(f"{'ok' if condition else 'FAIL'}: {message}", flush=True)
    return condition


def say(message):
    print(f"-- {message}", flush=True)


def run(command, env=None, cwd=None, timeout=600):
    """Runs a command, returns (exit status, stdout, stderr); never raises for a non-zero status."""
    try:
        done = subprocess.run([str(c) for c in command], env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout)
        return done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or "", f"timed out after {timeout} s"


def which(tool):
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/local/sbin"
    return shutil.which(tool, path=path)


def job_tasks(job_id, env):
    """[{JobId, ArrayTaskId, JobState, Reason, ...}] of a job (every task of an array), from
    `scontrol show job -o`; None if slurmctld does not know it."""
    status, out, _ = run(["scontrol", "show", "job", "-o", job_id], env=env, timeout=30)
    if status != 0:
        return None
    tasks = []
    for line in out.splitlines():
        fields = dict(re.findall(r"(\w+)=(\S*)", line))
        if "JobState" in fields:
            tasks.append(fields)
    return tasks or None


def wait_for_job(job_id, env, timeout, what):
    """Waits until every task of the job is in a terminal state; returns its tasks' states
    ({task label: state}), or None on a timeout. Says what is pending and why while it waits."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        tasks = job_tasks(job_id, env)
        if tasks:
            states = {t.get("ArrayTaskId") or t["JobId"]: t["JobState"] for t in tasks}
            summary = ", ".join(f"{k}:{v}" + (f"({t['Reason']})" if t.get("Reason") not in (None, "None") else "")
                                for (k, v), t in zip(states.items(), tasks))
            if summary != last:
                say(f"{what} (job {job_id}): {summary}")
                last = summary
            if all(state in TERMINAL for state in states.values()):
                return states
        if time.monotonic() > deadline:
            say(f"{what} (job {job_id}): still not finished after {timeout} s")
            return None
        time.sleep(0.5)


def start_cluster(script, cluster_dir):
    say(f"starting a one-node Slurm cluster in {cluster_dir}")
    began = time.monotonic()
    status, out, err = run(["bash", script, "start", cluster_dir], timeout=120)
    took = time.monotonic() - began
    sys.stdout.write(err)
    match = re.search(r"^export SLURM_CONF=(.+)$", out, re.M)
    if not check(status == 0 and match, f"slurm_cluster.sh start: exit {status}, {took:.1f} s"):
        sys.stdout.write(out)
        return None
    env = dict(os.environ, SLURM_CONF=match.group(1))
    env["PATH"] = env.get("PATH", "") + ":/usr/sbin:/sbin"
    return env


def stop_cluster(script, cluster_dir):
    say("stopping the cluster")
    status, out, err = run(["bash", script, "stop", cluster_dir], timeout=120)
    sys.stdout.write(out + err)
    check(status == 0, f"slurm_cluster.sh stop: exit {status}")
    status, out, _ = run(["bash", script, "status", cluster_dir], timeout=30)
    check(status != 0 and "running" not in out.replace("not running", ""),
          "no daemon of the cluster runs after stop")


def sbatch(arguments, env, cwd):
    status, out, err = run(["sbatch", "--parsable", *arguments], env=env, cwd=cwd, timeout=60)
    if status != 0:
        print(f"sbatch {' '.join(arguments)}: exit {status}: {err.strip()}")
        return None
    return out.strip().split(";")[0]


def smoke_check(env, work):
    """A plain job array and a job depending on it, to tell a broken cluster from a broken normlab."""
    work.mkdir()
    say("smoke check: sbatch --array=0-3, then a job with --dependency=afterok on it")
    array = sbatch(["--array=0-3", f"--output={work}/array_%a.out", "--wrap",
                    'echo "$SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_COUNT" > task_$SLURM_ARRAY_TASK_ID.txt'],
                   env, work)
    if not check(array is not None, "sbatch --array=0-3 submits"):
        return False
    after = sbatch([f"--dependency=afterok:{array}", f"--output={work}/after.out", "--wrap",
                    "ls task_*.txt | wc -l > after.txt; srun hostname > srun.txt"], env, work)
    if not check(after is not None, "sbatch --dependency=afterok:ARRAY submits"):
        return False
    states = wait_for_job(array, env, SMOKE_TIMEOUT, "smoke array")
    ok = check(states is not None and set(states.values()) == {"COMPLETED"} and len(states) == 4,
               f"the 4 array tasks complete: {states}")
    for i in range(4):
        task = work / f"task_{i}.txt"
        ok &= check(task.exists() and task.read_text().split() == [str(i), "4"],
                    f"array task {i} sees SLURM_ARRAY_TASK_ID={i} SLURM_ARRAY_TASK_COUNT=4 in the "
                    f"submission directory: {task.read_text().strip() if task.exists() else 'no ' + task.name}")
    states = wait_for_job(after, env, SMOKE_TIMEOUT, "smoke dependent job")
    ok &= check(states is not None and list(states.values()) == ["COMPLETED"],
                f"the afterok job completes: {states}")
    done = work / "after.txt"
    ok &= check(done.exists() and done.read_text().strip() == "4",
                "the afterok job ran after every array task had written its file")
    srun = work / "srun.txt"
    ok &= check(srun.exists() and srun.read_text().strip() != "", "srun works inside a batch job")
    if not ok:
        for out in sorted(work.glob("*.out")):
            print(f"--- {out}\n{out.read_text()}")
    return ok


def show_logs(out, work):
    """What tells why a job failed: the sbatch scripts, the jobs' output (under DIR, or slurm-*.out in
    the submission directory), the node daemon's log."""
    paths = sorted((out / "slurm").glob("*.sbatch"))
    paths += sorted(p for p in out.rglob("*") if p.suffix in (".out", ".err", ".log"))
    paths += sorted(work.glob("slurm-*.out")) + [work / "cluster" / "log" / "slurmd.log"]
    for path in paths:
        if path.is_file() and path.stat().st_size:
            text = path.read_text(errors="replace").splitlines()
            print(f"--- {path} (last 30 lines)")
            print("\n".join(text[-30:]))


def read_rows(path, ignore):
    """runs.csv as (header, rows) without the ignored columns."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return [], []
    keep = [i for i, name in enumerate(rows[0]) if name not in ignore]
    return [rows[0][i] for i in keep], [[row[i] if i < len(row) else None for i in keep] for row in rows[1:]]


def first_difference(a, b):
    a_lines, b_lines = a.splitlines(), b.splitlines()
    for n, (x, y) in enumerate(zip(a_lines, b_lines), start=1):
        if x != y:
            return f"line {n}: slurm {x!r} vs local {y!r}"
    return f"{len(a_lines)} lines vs {len(b_lines)} lines"


def compare_tables(slurm_dir, local_dir):
    for name in ["curves.csv", "layer_stats.csv"]:
        a, b = slurm_dir / name, local_dir / name
        if not check(a.exists() and b.exists(), f"{name} exists in both directories"):
            continue
        same = a.read_bytes() == b.read_bytes()
        check(same, f"{name} is byte-identical to the local run's"
              + ("" if same else f" ({first_difference(a.read_text(), b.read_text())})"))
    a, b = slurm_dir / "runs.csv", local_dir / "runs.csv"
    if check(a.exists() and b.exists(), "runs.csv exists in both directories"):
        header_a, rows_a = read_rows(a, {"wall_seconds"})
        header_b, rows_b = read_rows(b, {"wall_seconds"})
        check(header_a == header_b, f"runs.csv has the local run's columns: {header_a}")
        check(len(rows_a) == len(rows_b) and len(rows_a) > 0,
              f"runs.csv has the local run's number of runs: {len(rows_a)} vs {len(rows_b)}")
        differing = [i for i, (x, y) in enumerate(zip(rows_a, rows_b)) if x != y]
        check(not differing and rows_a == rows_b, "runs.csv rows are identical apart from wall_seconds"
              + (f" (first difference in row {differing[0] + 1}: {rows_a[differing[0]]} vs {rows_b[differing[0]]})"
                 if differing else ""))
    a, b = slurm_dir / "manifest.json", local_dir / "manifest.json"
    if check(a.exists() and b.exists(), "manifest.json exists in both directories"):
        try:
            manifest_a, manifest_b = json.loads(a.read_text()), json.loads(b.read_text())
        except json.JSONDecodeError as e:
            check(False, f"manifest.json is valid JSON: {e}")
            return
        for key in ["name", "state", "quick", "config", "axes", "columns", "runs", "results"]:
            if key in manifest_a or key in manifest_b:
                check(manifest_a.get(key) == manifest_b.get(key),
                      f"manifest.json's {key!r} is the local run's"
                      + ("" if manifest_a.get(key) == manifest_b.get(key)
                         else f": {json.dumps(manifest_a.get(key))[:300]} vs {json.dumps(manifest_b.get(key))[:300]}"))


def slurm_sweep(normlab, source, env, work):
    config = source / CONFIG
    out = work / "slurm-out"
    command = [normlab, "slurm", config, *SWEEP_ARGS, "--shards", str(SHARDS), "--out", out, "--submit"]
    say("$ " + " ".join(str(c) for c in command))
    status, stdout, stderr = run(command, env=env, cwd=work, timeout=120)
    sys.stdout.write(stdout + stderr)
    match = re.search(r"^submitted: array job (\d+), merge job (\d+)\s*$", stdout, re.M)
    if not check(status == 0 and match,
                 f"normlab slurm --submit exits 0 and prints 'submitted: array job <ID>, merge job <ID2>' (exit {status})"):
        return
    array, merge = match.groups()
    for script in ["sweep.sbatch", "merge.sbatch"]:
        check((out / "slurm" / script).is_file(), f"normlab slurm wrote {out / 'slurm' / script}")
    sweep = out / "slurm" / "sweep.sbatch"
    check(sweep.is_file() and "SLURM_ARRAY_TASK_ID" in sweep.read_text(),
          "sweep.sbatch chooses its shard by SLURM_ARRAY_TASK_ID")

    began = time.monotonic()
    states = wait_for_job(array, env, SWEEP_TIMEOUT, "sweep array")
    tasks_ok = check(states is not None and len(states) == SHARDS and set(states.values()) == {"COMPLETED"},
                     f"the {SHARDS} array tasks complete: {states}")
    states = wait_for_job(merge, env, SWEEP_TIMEOUT, "merge job")
    merged = check(states is not None and list(states.values()) == ["COMPLETED"], f"the merge job completes: {states}")
    say(f"array and merge finished in {time.monotonic() - began:.1f} s")
    shards = [out / "shards" / str(i) for i in range(SHARDS)]
    check(all(shard.is_dir() for shard in shards),
          f"every array task wrote its shard's store: {', '.join(str(s) for s in shards if not s.is_dir()) or 'all there'}")
    if not (tasks_ok and merged):
        show_logs(out, work)
    if not merged:
        return

    local = work / "local"
    command = [normlab, "run", config, *SWEEP_ARGS, "--jobs", "2", "--out", local]
    say("$ " + " ".join(str(c) for c in command))
    status, stdout, stderr = run(command, cwd=work, timeout=SWEEP_TIMEOUT)
    if not check(status == 0, f"the local run exits 0 (exit {status})"):
        sys.stdout.write(stdout + stderr)
        return
    compare_tables(out, local)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--normlab", required=True, type=Path)
    parser.add_argument("--source", required=True, type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    missing = [tool for tool in TOOLS if which(tool) is None]
    if missing:
        print(f"skipped: slurm-wlm or munge is not installed (missing {', '.join(missing)}; scripts/setup.sh installs "
              "slurm-wlm and munge)")
        return 0
    if os.geteuid() != 0:
        check(False, "the test cluster runs as root (SlurmUser=root): run this test as root")
        print(f"{len(PASSED)} passed, {len(FAILED)} failed")
        return 1

    # ctest's timeout and Ctrl-C: leave through the finally below, so that the cluster is stopped.
    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)

    script = args.source.resolve() / "scripts" / "slurm_cluster.sh"
    work = Path(tempfile.mkdtemp(prefix="normlab-slurm-"))
    cluster = work / "cluster"
    env = None
    try:
        env = start_cluster(script, cluster)
        if env is not None and smoke_check(env, work / "smoke"):
            slurm_sweep(args.normlab.resolve(), args.source.resolve(), env, work)
    except KeyboardInterrupt as e:
        check(False, f"interrupted ({e})")
    finally:
        if env is not None or (cluster / "run").exists():
            stop_cluster(script, cluster)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
