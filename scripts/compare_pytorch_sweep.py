#!/usr/bin/python3
"""Times whole sweeps: `normlab run --jobs J` against the same sweep trained by PyTorch, the number
a user who runs hundreds of training runs cares about (issue 16, target: normlab >= 2x faster).

    /usr/bin/python3 scripts/compare_pytorch_sweep.py [--normlab build/normlab] [--jobs 2]
        [--repetitions 3] [--sweeps quickstart,wuhe2018] [--quick] [--out results/benchmarks/sweeps]

What both sides do, run for run: the runs and their resolved settings are those normlab's own
store records (`.runs/<id>/settings.csv` of a first, untimed normlab run of the sweep); the data
is the same samples, bit for bit (`normlab data SPEC --seed S` for every (data, seed) of the sweep,
exported before timing: PyTorch is not charged for making them, normlab is, inside its runs). The
PyTorch side builds the same model (scripts/torch_models.py: same layers, placement, bias and
initialization scheme), the same optimizer (torch.optim.SGD/Adam/AdamW with normlab's keys), the
same schedule (normlab's formula, set per step), the same number of steps over shuffled epochs
with drop_last, the same records: training loss and accuracy every log_every steps, statistics of
every normalizer's input every stats_every steps, the test split in evaluation mode and its
train-mode accuracy every eval_every steps and at the end, the final evaluation of at most 10,000
training samples. Parallelism is the same on both sides: J processes of one thread each
(normlab's --jobs J runs one run per core; PyTorch a multiprocessing pool of J workers with
torch.set_num_threads(1)). Random streams differ (torch's generator against normlab's), so the two
sides' accuracies are close, not equal: the report gives both means so that the reader sees that
like was timed against like.

Method: the machine's speed drifts over minutes, so the sides are interleaved (normlab, PyTorch,
normlab, ...) --repetitions times per sweep, and the table reports the median ratio PyTorch wall
time / normlab wall time with its min–max, runs per hour of each side, and the load average before
and after. Writes to --out: sweeps.csv (one row per sweep, side and repetition) and table.md.
--quick uses each sweep's [quick] table (a check of the script, not a result).

Sweeps: quickstart (experiments/configs/quickstart.toml as committed, 20 runs) and a reduced
wuhe2018 (seed 0 and batch sizes 32, 8 and 2 of its five, its 3 epochs of 4,000 patches: 12 runs). Needs Debian's python3-torch, numpy and pandas; without torch it says so and exits 0.
"""
import argparse
import csv
import math
import multiprocessing
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import normlab_registry  # noqa: E402  (normlab's registry: the one list of kinds)
import safetensors_numpy  # noqa: E402

# name -> (config, --set overrides). The reduced wuhe2018 keeps its four normalizers, its data,
# epochs and linear learning-rate scaling.
SWEEPS = {
    "quickstart": ("experiments/configs/quickstart.toml", []),
    "wuhe2018": ("experiments/configs/wuhe2018.toml",
                 ["seed=0", "batch_size=[32,8,2]"]),
}
FINAL_TRAIN_EVAL_LIMIT = 10000  # experiments/train/trainer.cpp: kFinalTrainEvalLimit
EVAL_BATCH = 500                # evaluation batch size on the PyTorch side (normlab: kEvalBatchSize)


# ----------------------------------------------------------------------------------------------
# normlab's side.

def normlab_sweep(exe, config, overrides, jobs, quick, out):
    """Runs the sweep into a new store `out`; returns its wall-clock seconds."""
    command = [exe, "run", str(ROOT / config), "--jobs", str(jobs), "--out", str(out)]
    command += [a for o in overrides for a in ("--set", o)] + (["--quick"] if quick else [])
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return seconds


def stored_runs(store):
    """[(run_id, settings, outcome)] of a store's runs, in runs.csv order."""
    with open(store / "runs.csv", newline="") as f:
        ids = [row["run_id"] for row in csv.DictReader(f)]
    runs = []
    for run_id in ids:
        with open(store / ".runs" / run_id / "settings.csv", newline="") as f:
            settings = {row["key"]: row["value"] for row in csv.DictReader(f)}
        with open(store / ".runs" / run_id / "outcome.csv", newline="") as f:
            outcome = next(csv.DictReader(f))
        runs.append((run_id, settings, outcome))
    return runs


def export_data(exe, runs, directory):
    """{(data spec, seed): safetensors path}, written by `normlab data`."""
    paths = {}
    for _, settings, _ in runs:
        key = (settings["data"], settings["seed"])
        if key in paths:
            continue
        path = directory / f"data{len(paths)}.safetensors"
        subprocess.run([exe, "data", key[0], "--seed", key[1], "--out", str(path)], check=True, capture_output=True)
        paths[key] = str(path)
    return paths


def check_models(exe, registry, runs, data):
    """Stops where a PyTorch model differs from normlab's in its learnable parameter count (what
    `normlab model` prints): the two sides would not train the same network."""
    import torch_models
    seen = set()
    for _, settings, _ in runs:
        key = tuple(settings.get(k, "") for k in ("model", "norm", "reparam", "placement", "bias", "data"))
        if key in seen:
            continue
        seen.add(key)
        _, meta = safetensors_numpy.read(data[(settings["data"], settings["seed"])])
        shape = [int(d) for d in meta["sample_shape"].split(",")]
        ours = sum(p.numel() for p in torch_models.build(registry, settings, shape, int(meta["num_classes"])).parameters())
        placement = settings["placement"] if settings["placement"] in ("pre", "post", "none") else "pre"
        done = subprocess.run([exe, "model", "--model", settings["model"], "--norm", settings["norm"], "--reparam",
                               settings.get("reparam", "none"), "--placement", placement, "--bias", settings["bias"],
                               "--input", meta["sample_shape"], "--classes", meta["num_classes"]],
                              capture_output=True, text=True)
        found = re.search(r"total: ([\d,]+) learnable", done.stdout)
        theirs = int(found.group(1).replace(",", "")) if found else None
        if theirs != ours:
            raise RuntimeError(f"{' '.join(key)}: PyTorch's model has {ours} learnable parameters, normlab's {theirs}")


# ----------------------------------------------------------------------------------------------
# PyTorch's side: one run, as experiments/train/trainer.cpp trains it.

def make_optimizer(torch, spec, parameters, lr):
    import torch_reference
    kind, keys = torch_reference.parse_spec(spec)
    number = {k: float(v) for k, v in keys.items() if k != "nesterov"}
    if kind == "sgd":
        return torch.optim.SGD(parameters, lr=lr, momentum=number.get("momentum", 0.0),
                               dampening=number.get("dampening", 0.0), weight_decay=number.get("weight_decay", 0.0),
                               nesterov=keys.get("nesterov", "false") == "true")
    if kind in ("adam", "adamw"):
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        return cls(parameters, lr=lr, betas=(number.get("beta1", 0.9), number.get("beta2", 0.999)),
                   eps=number.get("eps", 1e-8), weight_decay=number.get("weight_decay", 0.0 if kind == "adam" else 0.01))
    raise NotImplementedError(f"optimizer '{kind}' has no PyTorch counterpart here")


def schedule(spec, base_lr, total_steps):
    """experiments/optim/schedule.cpp's Schedule::lr as a function of the 0-based step."""
    import torch_reference
    kind, keys = torch_reference.parse_spec(spec)
    warmup = int(keys.get("warmup", 0))

    def lr(step):
        if step < warmup:
            return base_lr * (step + 1) / warmup
        t = step - warmup
        if kind == "step":
            return base_lr * float(keys.get("gamma", 0.1)) ** math.floor(t / int(keys["step_size"]))
        if kind == "cosine":
            horizon = total_steps - warmup if total_steps > warmup else 1
            min_lr = float(keys.get("min_lr", 0))
            return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * min(t, horizon) / horizon)) / 2
        return base_lr
    return lr


def loss_of(torch, kind, logits, labels):
    if kind == "mse":
        return torch.nn.functional.mse_loss(logits, torch.nn.functional.one_hot(labels, logits.shape[1]).to(logits))
    return torch.nn.functional.cross_entropy(logits, labels)


def evaluate(torch, model, loss_kind, x, labels, limit):
    model.eval()
    total, correct, n = 0.0, 0, min(limit, len(labels))
    with torch.no_grad():
        for begin in range(0, n, EVAL_BATCH):
            logits = model(x[begin:min(n, begin + EVAL_BATCH)])
            part = labels[begin:min(n, begin + EVAL_BATCH)]
            total += float(loss_of(torch, loss_kind, logits, part)) * len(part)
            correct += int((logits.argmax(1) == part).sum())
    model.train()
    return total / n, correct / n


def train_mode_accuracy(torch, model, x, labels, batch_size):
    """Test accuracy with batch statistics (trainer.cpp's accuracy_train_mode): batches of the
    training batch size in training mode, running buffers restored afterwards."""
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    correct, seen = 0, 0
    with torch.no_grad():
        for begin in range(0, len(labels), batch_size):
            part = labels[begin:begin + batch_size]
            if len(part) < 2 and begin > 0:
                break
            correct += int((model(x[begin:begin + batch_size]).argmax(1) == part).sum())
            seen += len(part)
    model.load_state_dict(saved)
    return correct / max(seen, 1)


def norm_inputs(torch, model):
    """Forward pre-hooks that keep the input of every activation normalizer (of every activation
    layer where there is none), as LayerStatsRecorder watches them; returns the list they fill."""
    import torch_models
    norms = [m for m in model if getattr(m, torch_models.ACTIVATION_NORM_MARK, False)]
    watched = norms or [m for m in model if isinstance(m, tuple(torch_models.ACTIVATIONS.values()))]
    kept = [None] * len(watched)
    for i, module in enumerate(watched):
        module.register_forward_pre_hook(lambda _m, inputs, i=i: kept.__setitem__(i, inputs[0].detach()))
    return kept


def layer_statistics(torch, kept):
    """Statistics of channel 0 of each watched input: mean, std, p15, p50, p85."""
    values = []
    for x in kept:
        if x is None:
            continue
        channel = x[:, 0].reshape(-1).double()
        q = torch.quantile(channel, torch.tensor([0.15, 0.5, 0.85], dtype=torch.float64))
        values.append((float(channel.mean()), float(channel.std(unbiased=False)), *map(float, q)))
    return values


def torch_run(job):
    """Trains one run; returns (final test accuracy, status)."""
    import torch
    import torch_models
    settings, data_path, registry = job
    torch.set_num_threads(1)
    seed = int(settings["seed"])
    torch.manual_seed(seed)
    tensors, meta = safetensors_numpy.read(data_path)
    train_x, test_x = torch.from_numpy(tensors["train.x"].copy()), torch.from_numpy(tensors["test.x"].copy())
    train_y, test_y = torch.from_numpy(tensors["train.labels"].copy()), torch.from_numpy(tensors["test.labels"].copy())
    model = torch_models.build(registry, settings, train_x.shape[1:], int(meta["num_classes"])).train()
    batch = int(settings["batch_size"])
    per_epoch = len(train_y) // batch if settings.get("drop_last", "true") == "true" else math.ceil(len(train_y) / batch)
    steps = int(settings["steps"]) if settings.get("steps", "") not in ("", "0") else max(
        1, round(float(settings["epochs"]) * per_epoch))
    lr_at = schedule(settings["schedule"], float(settings["lr"]), steps)
    optimizer = make_optimizer(torch, settings["optimizer"], model.parameters(), float(settings["lr"]))
    log_every, eval_every = int(settings["log_every"]), int(settings["eval_every"])
    stats_every, loss_kind = int(settings.get("stats_every", 0)), settings.get("loss", "cross_entropy")
    if int(settings.get("precise_bn", 0)) > 0:
        raise NotImplementedError("precise_bn has no PyTorch counterpart here")
    kept = norm_inputs(torch, model)
    generator = torch.Generator().manual_seed(seed)
    order, position, records = torch.randperm(len(train_y), generator=generator), 0, []
    test_accuracy = float("nan")
    for step in range(1, steps + 1):
        if position + batch > per_epoch * batch:
            order, position = torch.randperm(len(train_y), generator=generator), 0
        index = order[position:position + batch]
        position += batch
        logits = model(train_x[index])
        loss = loss_of(torch, loss_kind, logits, train_y[index])
        if not math.isfinite(float(loss)):
            return float("nan"), "diverged"
        if step % log_every == 0:
            records.append((step, float(loss), float((logits.argmax(1) == train_y[index]).float().mean())))
        if stats_every and step % stats_every == 0:
            records.append((step, layer_statistics(torch, kept)))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step - 1)
        optimizer.step()
        if step % eval_every == 0 or step == steps:
            _, test_accuracy = evaluate(torch, model, loss_kind, test_x, test_y, len(test_y))
            records.append((step, test_accuracy, train_mode_accuracy(torch, model, test_x, test_y, batch)))
    evaluate(torch, model, loss_kind, train_x, train_y, FINAL_TRAIN_EVAL_LIMIT)
    return test_accuracy, "ok"


def pytorch_sweep(jobs_list, workers):
    """Trains every run with `workers` processes of one thread; returns (seconds, [(accuracy, status)])."""
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as normlab's runs are fresh
    start = time.perf_counter()
    with context.Pool(workers, initializer=_worker_init) as pool:
        outcomes = pool.map(torch_run, jobs_list, chunksize=1)
    return time.perf_counter() - start, outcomes


def _worker_init():
    os.environ["OMP_NUM_THREADS"] = "1"
    sys.path.insert(0, str(Path(__file__).resolve().parent))


# ----------------------------------------------------------------------------------------------
# The report.

def load_average():
    with open("/proc/loadavg") as f:
        return " / ".join(f.read().split()[:3])


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else 0.5 * (values[mid - 1] + values[mid])


def mean_accuracy(values):
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else float("nan")


def markdown(summary, args, loads):
    lines = [f"Generated by `/usr/bin/python3 scripts/compare_pytorch_sweep.py {' '.join(sys.argv[1:])}` on "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; host {platform.node()}, {os.cpu_count()} CPUs; "
             f"load average (1/5/15 min) {loads[0]} before and {loads[1]} after; {args.repetitions} interleaved "
             f"repetitions (normlab, PyTorch, ...) per sweep; both sides {args.jobs} processes × 1 thread.", "",
             "| sweep | runs | normlab s (median) | PyTorch s (median) | ratio PyTorch / normlab, median (min–max) "
             "| normlab runs/h | PyTorch runs/h | mean test accuracy normlab / PyTorch |",
             "|---|---|---|---|---|---|---|---|"]
    for s in summary:
        lines.append(f"| {s['sweep']} | {s['runs']} | {s['normlab_s']:.1f} | {s['pytorch_s']:.1f} | "
                     f"**{s['ratio']:.2f}** {'✓' if s['ratio'] >= 2 else '✗'} ({s['ratio_min']:.2f}–{s['ratio_max']:.2f}) | "
                     f"{s['normlab_rph']:.0f} | {s['pytorch_rph']:.0f} | "
                     f"{100 * s['normlab_acc']:.1f}% / {100 * s['pytorch_acc']:.1f}% |")
    lines += ["", "Target (issue 16): ratio ≥ 2. Wall time is the whole sweep, process start-up included; "
              "normlab's includes making its data, PyTorch's does not (exported beforehand)."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--normlab", default=None, help="the normlab executable (default: build/normlab)")
    parser.add_argument("--jobs", type=int, default=2, help="processes on each side, one thread each")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--sweeps", default=",".join(SWEEPS), help=f"comma-separated, of: {', '.join(SWEEPS)}")
    parser.add_argument("--quick", action="store_true", help="each sweep's [quick] table (checks the script)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "sweeps")
    args = parser.parse_args()
    sweeps = [s for s in args.sweeps.split(",") if s]
    unknown = [s for s in sweeps if s not in SWEEPS]
    if unknown or args.jobs < 1 or args.repetitions < 1:
        print(f"compare_pytorch_sweep.py: error: unknown sweep {', '.join(unknown)} (have: {', '.join(SWEEPS)})"
              if unknown else "compare_pytorch_sweep.py: error: --jobs and --repetitions must be >= 1", file=sys.stderr)
        return 2
    try:
        import torch  # noqa: F401
    except ImportError:
        print("compare_pytorch_sweep.py: PyTorch is not installed for this interpreter "
              f"({sys.executable}); install Debian's python3-torch to compare. Nothing to do.")
        return 0
    exe = args.normlab or str(ROOT / "build" / "normlab")
    if not Path(exe).exists():
        print(f"compare_pytorch_sweep.py: error: {exe} not found; build it or pass --normlab", file=sys.stderr)
        return 2
    normlab_registry.configure(exe)
    registry = {entry["kind"]: entry for entry in normlab_registry.normalizers()}

    rows, summary, loads = [], [], [load_average()]
    with tempfile.TemporaryDirectory(prefix="normlab-sweep-compare-") as scratch:
        scratch = Path(scratch)
        for name in sweeps:
            config, overrides = SWEEPS[name]
            first = scratch / f"{name}-first"
            normlab_sweep(exe, config, overrides, args.jobs, args.quick, first)  # untimed: the runs' settings
            runs = stored_runs(first)
            (scratch / f"{name}-data").mkdir()
            data = export_data(exe, runs, scratch / f"{name}-data")
            check_models(exe, registry, runs, data)
            jobs_list = [(settings, data[(settings["data"], settings["seed"])], registry) for _, settings, _ in runs]
            ours_acc = mean_accuracy([float(o["test_accuracy"]) for _, _, o in runs])
            for rep in range(args.repetitions):
                seconds = normlab_sweep(exe, config, overrides, args.jobs, args.quick, scratch / f"{name}-{rep}")
                rows.append({"sweep": name, "side": "normlab", "repetition": rep, "runs": len(runs),
                             "seconds": seconds, "mean_test_accuracy": ours_acc})
                seconds, outcomes = pytorch_sweep(jobs_list, args.jobs)
                rows.append({"sweep": name, "side": "pytorch", "repetition": rep, "runs": len(runs), "seconds": seconds,
                             "mean_test_accuracy": mean_accuracy([a for a, _ in outcomes])})
                print(f"{name} repetition {rep + 1}/{args.repetitions}: normlab {rows[-2]['seconds']:.1f} s, "
                      f"PyTorch {seconds:.1f} s", flush=True)
            ours = [r["seconds"] for r in rows if r["sweep"] == name and r["side"] == "normlab"]
            theirs = [r["seconds"] for r in rows if r["sweep"] == name and r["side"] == "pytorch"]
            ratios = [t / o for o, t in zip(ours, theirs)]
            summary.append({"sweep": name, "runs": len(runs), "normlab_s": median(ours), "pytorch_s": median(theirs),
                            "ratio": median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
                            "normlab_rph": 3600 * len(runs) / median(ours), "pytorch_rph": 3600 * len(runs) / median(theirs),
                            "normlab_acc": ours_acc,
                            "pytorch_acc": median([r["mean_test_accuracy"] for r in rows
                                                   if r["sweep"] == name and r["side"] == "pytorch"])})
    loads.append(load_average())

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "sweeps.csv.tmp", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    table = markdown(summary, args, loads)
    (args.out / "table.md.tmp").write_text(table)
    for name in ("sweeps.csv", "table.md"):  # whole files or the previous ones, never a torn one
        os.replace(args.out / f"{name}.tmp", args.out / name)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
