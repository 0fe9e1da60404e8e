#!/usr/bin/python3
"""Times normlab against PyTorch on the CPU, side by side, and writes the table of issue 6.

    /usr/bin/python3 scripts/compare_pytorch.py [--bench build/normlab_bench] [--threads 1,2]

For each thread count it runs, one after the other on the same machine:
  1. a streaming-bandwidth probe (see measure_bandwidth),
  2. PyTorch: every normalizer on the issue's shapes (forward, backward, forward+backward; float32
     and float64) and the training steps, with torch.set_num_threads(n),
  3. normlab_bench with OMP_NUM_THREADS=n and OPENBLAS_NUM_THREADS=n (Google Benchmark, JSON).
Both sides report the median over --repetitions repetitions, each repetition being the mean time
of as many calls as fit in --min-time seconds (Google Benchmark's own method, mirrored for torch).

Writes to --out (default results/benchmarks/): normlab_t<n>.json (Google Benchmark's JSON),
pytorch_t<n>.json, bandwidth.json, comparison.csv (one row per benchmark and thread count),
table.md (the ratios and targets), ratios.pdf/.png (the figure).

PyTorch settings mirror experiments/bench/*.cpp (see the comment at the top of each file).
Needs Debian's python3 with python3-torch, numpy, pandas, matplotlib. Without torch the script
says so and exits 0.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NORM_SHAPES = [(64, 64, 32, 32), (256, 256, 14, 14), (32, 128, 56, 56), (128, 1024)]
NORM_KINDS = ["batch", "layer", "instance", "group", "weight", "none"]
PASSES = ["forward", "backward", "fwdbwd"]
DTYPES = {"f32": "float32", "f64": "float64"}
FWDBWD_TARGET = 2.0
BANDWIDTH_TARGET = 0.5
STEP_TARGETS = {"mlp": 5.0, "cnn": 1.5}


def shape_suffix(shape):
    names = ["N", "C", "H", "W"] if len(shape) == 4 else ["N", "C"]
    return "/".join(f"{n}:{v}" for n, v in zip(names, shape))


def norm_name(kind, dtype, pass_, shape):
    return f"norm/{kind}/{dtype}/{pass_}/{shape_suffix(shape)}"


# ----------------------------------------------------------------------------------------------
# Timing, the same method on both sides.

def time_median(fn, repetitions, min_time):
    """Median over repetitions of the mean seconds per call; each repetition runs >= min_time."""
    for _ in range(2):  # warm-up: allocator caches, lazy initialisation
        fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(min_time / once))
    means = []
    for _ in range(repetitions):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        means.append((time.perf_counter() - start) / calls)
    means.sort()
    mid = len(means) // 2
    return means[mid] if len(means) % 2 else 0.5 * (means[mid - 1] + means[mid])


# ----------------------------------------------------------------------------------------------
# Bandwidth.

def measure_bandwidth(torch, np, threads, repetitions):
    """Streaming bandwidth in bytes/s: the best (median over repetitions) of four simple kernels on 64 Mi-element float32
    arrays (256 MiB each, far beyond the caches): numpy copy (np.copyto: 2 arrays moved) and add
    (np.add(a, b, out=c): 3 arrays), single-threaded; torch copy_ and torch.add(out=) at `threads`
    threads. Bytes counted are the arrays read plus written (write-allocate traffic not counted),
    the same convention as normlab_bench's bytes_per_second."""
    n = 64 * 1024 * 1024
    a = np.ones(n, dtype=np.float32)
    b = np.full(n, 2.0, dtype=np.float32)
    c = np.empty(n, dtype=np.float32)
    ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c)
    torch.set_num_threads(threads)
    kernels = {
        "numpy_copy": (lambda: np.copyto(c, a), 2),
        "numpy_add": (lambda: np.add(a, b, out=c), 3),
        "torch_copy": (lambda: tc.copy_(ta), 2),
        "torch_add": (lambda: torch.add(ta, tb, out=tc), 3),
    }
    result = {}
    for name, (fn, arrays) in kernels.items():
        seconds = time_median(fn, repetitions, 0.3)
        result[name] = arrays * n * 4 / seconds
    result["best"] = max(result.values())
    return result


# ----------------------------------------------------------------------------------------------
# PyTorch side.

def torch_normalizer(torch, kind, shape, dtype):
    """The module (or function) normlab's `kind` is compared with; see normalizer_bench.cpp."""
    nn = torch.nn
    C = shape[1]
    if kind == "batch":
        return nn.BatchNorm2d(C) if len(shape) == 4 else nn.BatchNorm1d(C)
    if kind == "layer":
        return nn.LayerNorm(shape[1:])
    if kind == "instance":
        return nn.InstanceNorm2d(C)
    if kind == "group":
        return nn.GroupNorm(32, C)
    if kind == "none":
        return nn.Identity()
    raise ValueError(kind)


def torch_norm_timings(torch, shape, kind, dtype, repetitions, min_time):
    """Seconds for forward (training mode, autograd recording), backward alone (retain_graph,
    grads reset to None each call as zero_grad(set_to_none=True) does) and forward+backward."""
    torch_dtype = getattr(torch, DTYPES[dtype])
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(*shape, generator=gen, dtype=torch_dtype) * 2 + 0.5).requires_grad_(True)
    dy = torch.randn(*shape, generator=gen, dtype=torch_dtype)
    if kind == "weight":
        # torch.nn.utils.weight_norm computes w = torch._weight_norm(v, g, 0) at every forward.
        g = torch.linalg.vector_norm(x.detach().reshape(shape[0], -1), dim=1).reshape(
            (shape[0],) + (1,) * (len(shape) - 1)).requires_grad_(True)
        leaves = [x, g]

        def forward():
            return torch._weight_norm(x, g, 0)
    else:
        module = torch_normalizer(torch, kind, shape, dtype).to(torch_dtype).train()
        leaves = [x] + list(module.parameters())

        def forward():
            return module(x)

    def clear():
        for t in leaves:
            t.grad = None

    def fwd():
        return forward()

    def fwdbwd():
        clear()
        forward().backward(dy)

    y = forward()

    def bwd():
        clear()
        y.backward(dy, retain_graph=True)

    return {
        "forward": time_median(fwd, repetitions, min_time),
        "backward": time_median(bwd, repetitions, min_time),
        "fwdbwd": time_median(fwdbwd, repetitions, min_time),
    }


def torch_mlp(torch):
    """The Ioffe & Szegedy MLP: 784-100-100-100-10, sigmoid, batch norm before each sigmoid (the
    preceding Linear without bias, as normlab's bias=auto drops it), cross-entropy, plain SGD."""
    nn = torch.nn
    layers, width_in = [], 784
    for width in (100, 100, 100):
        layers += [nn.Linear(width_in, width, bias=False), nn.BatchNorm1d(width), nn.Sigmoid()]
        width_in = width
    layers.append(nn.Linear(width_in, 10))
    return nn.Sequential(*layers)


def torch_vgg(torch, norm, widths=(16, 32, 64)):
    """normlab's `vgg:widths=16x32x64,act=relu` with placement pre: per width conv3x3 (padding 1)
    -> norm -> ReLU -> 2x2 max pool; global average pool; Linear to 10 classes. The conv has a
    bias unless the normalizer adds a shift (bias=auto). Group norm with 8 groups. Weight norm
    reparameterizes the hidden conv weights (torch.nn.utils.weight_norm), not the output Linear."""
    nn = torch.nn
    layers, c_in = [], 3
    for width in widths:
        if norm in ("batch", "group"):
            norm_layer = nn.BatchNorm2d(width) if norm == "batch" else nn.GroupNorm(8, width)
            layers += [nn.Conv2d(c_in, width, 3, padding=1, bias=False), norm_layer]
        elif norm == "instance":
            layers += [nn.Conv2d(c_in, width, 3, padding=1), nn.InstanceNorm2d(width)]
        elif norm == "weight":
            layers.append(nn.utils.weight_norm(nn.Conv2d(c_in, width, 3, padding=1)))
        else:
            layers.append(nn.Conv2d(c_in, width, 3, padding=1))
        layers += [nn.ReLU(), nn.MaxPool2d(2)]
        c_in = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    layers.append(nn.Linear(c_in, 10))
    return nn.Sequential(*layers)


def torch_vgg_layer(torch, widths=(16, 32, 64)):
    """torch_vgg with layer norm: LayerNorm over (C, H, W) of each block's conv output."""
    nn = torch.nn
    layers, c_in, side = [], 3, 32
    for width in widths:
        layers += [nn.Conv2d(c_in, width, 3, padding=1, bias=False), nn.LayerNorm((width, side, side)),
                   nn.ReLU(), nn.MaxPool2d(2)]
        c_in, side = width, side // 2
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, 10)]
    return nn.Sequential(*layers)


def torch_step_timing(torch, model, input_shape, repetitions, min_time, lr=0.1):
    """One training step: zero_grad, forward, cross-entropy, backward, SGD update."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(*input_shape, generator=gen)
    labels = torch.randint(0, 10, (input_shape[0],), generator=gen)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()

    return time_median(step, repetitions, min_time)


STEP_NORMS = ["batch", "layer", "instance", "group", "weight", "none"]


def torch_steps(torch, repetitions, min_time):
    torch.manual_seed(0)
    out = {"step/mlp_ioffe/f32": torch_step_timing(torch, torch_mlp(torch), (60, 784), repetitions, min_time)}
    for norm in STEP_NORMS:
        model = torch_vgg_layer(torch) if norm == "layer" else torch_vgg(torch, norm)
        out[f"step/vgg/{norm}/f32"] = torch_step_timing(torch, model, (32, 3, 32, 32), repetitions, min_time)
    return out


def run_torch(torch, threads, repetitions, min_time, quick):
    torch.set_num_threads(threads)
    results = {}
    for kind in NORM_KINDS:
        for dtype in DTYPES:
            if quick and dtype == "f64":
                continue
            for shape in NORM_SHAPES:
                if kind == "instance" and len(shape) == 2:
                    continue  # instance normalization needs a spatial dim
                timings = torch_norm_timings(torch, shape, kind, dtype, repetitions, min_time)
                for pass_, seconds in timings.items():
                    results[norm_name(kind, dtype, pass_, shape)] = seconds
                print(f"  torch t={threads} {kind} {dtype} {shape}: fwdbwd {timings['fwdbwd'] * 1e3:.3f} ms",
                      flush=True)
    results.update(torch_steps(torch, repetitions, min_time))
    return results


# ----------------------------------------------------------------------------------------------
# normlab side.

def run_normlab(bench, threads, repetitions, min_time, out_json, quick):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    args = [str(bench), f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=true",
            f"--benchmark_min_time={min_time}", "--benchmark_format=json", f"--benchmark_out={out_json}",
            "--benchmark_out_format=json"]
    if quick:
        args.append("--benchmark_filter=/f32/")
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    data = json.loads(Path(out_json).read_text())
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    results = {}
    for b in data["benchmarks"]:
        # The median aggregate; with one repetition Google Benchmark reports only the run itself.
        if b.get("aggregate_name", "median") != "median":
            continue
        name = b["run_name"].removesuffix("/real_time")
        results[name] = b["real_time"] * scale[b["time_unit"]]
    return results, data["context"]


# ----------------------------------------------------------------------------------------------
# Table and figure.

def tensor_bytes(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    return n * (4 if dtype == "f32" else 8)


def tensors_moved(kind, pass_):
    backward = 2 if kind == "none" else 3
    return {"forward": 2, "backward": backward, "fwdbwd": 2 + backward}[pass_]


def tensors_written(pass_):
    return {"forward": 1, "backward": 1, "fwdbwd": 2}[pass_]


def build_rows(pd, normlab, torch_times, bandwidth, threads):
    rows = []
    for name, seconds in normlab.items():
        parts = name.split("/")
        row = {"threads": threads, "benchmark": name, "normlab_s": seconds, "pytorch_s": torch_times.get(name)}
        row["speedup"] = row["pytorch_s"] / seconds if row["pytorch_s"] else None
        if parts[0] == "norm":
            kind, dtype, pass_ = parts[1], parts[2], parts[3]
            shape = tuple(int(p.split(":")[1]) for p in parts[4:])
            moved = tensors_moved(kind, pass_) * tensor_bytes(shape, dtype)
            row.update(kind=kind, dtype=dtype, pass_=pass_, shape=str(shape))
            row["normlab_GBps"] = moved / seconds / 1e9
            row["bandwidth_share"] = moved / seconds / bandwidth["best"]
            row["large"] = len(shape) == 4
            # The largest ratio an implementation with ordinary stores could reach: PyTorch's time /
            # the time to move the useful bytes plus the write-allocate read of every output at the
            # measured streaming bandwidth. Below the target, the target is out of reach for this
            # shape on this machine whatever the kernel. Only meaningful for tensors that do not
            # live in cache (the 4-D shapes).
            if row["pytorch_s"] and row["large"]:
                traffic = (tensors_moved(kind, pass_) + tensors_written(pass_)) * tensor_bytes(shape, dtype)
                row["ceiling"] = row["pytorch_s"] / (traffic / bandwidth["best"])
        rows.append(row)
    return pd.DataFrame(rows)


def markdown_table(df, threads_list, bandwidth):
    lines = []
    norm = df[df.benchmark.str.startswith("norm/")]
    for dtype in ["f32", "f64"]:
        sub = norm[(norm.dtype == dtype) & (norm.pass_ == "fwdbwd")]
        if sub.empty:
            continue
        lines.append(f"\n### Forward+backward, {DTYPES[dtype]}: PyTorch time / normlab time "
                     f"(≥ {FWDBWD_TARGET:g} is the target for float32)\n")
        if dtype == "f32":
            lines.append("The ceiling is PyTorch's time divided by the time needed just to move the useful "
                         "bytes (x, y, dy, dx) plus the write-allocate read of each output (y, dx) at the "
                         "measured streaming bandwidth: where the tensors do not stay in cache (the two "
                         "12.8M-element shapes), no implementation with ordinary stores can beat PyTorch by "
                         "more. On (64, 64, 32, 32), whose 16 MiB tensors partly stay in a 32 MiB L3, it is "
                         "indicative only; (128, 1024) is cache-resident and has none.\n")
        header = "| normalizer | shape | " + " | ".join(
            f"t={t} normlab ms | t={t} PyTorch ms | t={t} ratio | t={t} ceiling" for t in threads_list) + " |"
        lines += [header, "|" + "---|" * (2 + 4 * len(threads_list))]
        for (kind, shape), group in sub.groupby(["kind", "shape"], sort=False):
            cells = []
            for t in threads_list:
                r = group[group.threads == t]
                if r.empty:
                    cells += ["", "", "", ""]
                    continue
                r = r.iloc[0]
                mark = "" if dtype != "f32" or r.speedup >= FWDBWD_TARGET else " ✗"
                ceiling = r.get("ceiling")
                cells += [f"{r.normlab_s * 1e3:.3f}", f"{r.pytorch_s * 1e3:.3f}", f"**{r.speedup:.2f}**{mark}",
                          f"{ceiling:.2f}" if ceiling is not None and ceiling == ceiling else "–"]
            lines.append(f"| {kind} | {shape} | " + " | ".join(cells) + " |")
    lines.append("\n### Share of measured memory bandwidth, large (4-D) tensors, float32, normlab\n")
    lines.append("Useful bytes (forward: x, y; backward: x, dy, dx) per second / best streaming bandwidth "
                 f"(target ≥ {BANDWIDTH_TARGET:.0%}). Bandwidth: " + ", ".join(
                     f"t={t}: {bandwidth[t]['best'] / 1e9:.1f} GB/s" for t in threads_list) + "\n")
    header = "| normalizer | pass | shape | " + " | ".join(f"t={t} GB/s | t={t} share" for t in threads_list) + " |"
    lines += [header, "|" + "---|" * (3 + 2 * len(threads_list))]
    big = norm[(norm.dtype == "f32") & (norm.large == True)]  # noqa: E712
    for (kind, pass_, shape), group in big.groupby(["kind", "pass_", "shape"], sort=False):
        cells = []
        for t in threads_list:
            r = group[group.threads == t]
            if r.empty:
                cells += ["", ""]
                continue
            r = r.iloc[0]
            mark = "" if r.bandwidth_share >= BANDWIDTH_TARGET else " ✗"
            cells += [f"{r.normlab_GBps:.1f}", f"{r.bandwidth_share:.0%}{mark}"]
        lines.append(f"| {kind} | {pass_} | {shape} | " + " | ".join(cells) + " |")
    steps = df[df.benchmark.str.startswith("step/")]
    if not steps.empty:
        lines.append("\n### Training steps, float32: PyTorch time / normlab time "
                     f"(targets: MLP ≥ {STEP_TARGETS['mlp']:g}, CNN ≥ {STEP_TARGETS['cnn']:g})\n")
        header = "| step | " + " | ".join(
            f"t={t} normlab ms | t={t} PyTorch ms | t={t} ratio" for t in threads_list) + " |"
        lines += [header, "|" + "---|" * (1 + 3 * len(threads_list))]
        for name, group in steps.groupby("benchmark", sort=False):
            target = STEP_TARGETS["mlp" if "mlp" in name else "cnn"]
            cells = []
            for t in threads_list:
                r = group[group.threads == t]
                if r.empty or r.iloc[0].pytorch_s is None:
                    cells += ["", "", ""]
                    continue
                r = r.iloc[0]
                mark = "" if r.speedup >= target else " ✗"
                cells += [f"{r.normlab_s * 1e3:.3f}", f"{r.pytorch_s * 1e3:.3f}", f"**{r.speedup:.2f}**{mark}"]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def make_figure(plt, df, threads_list, out_dir):
    norm = df[df.benchmark.str.startswith("norm/") & (df.dtype == "f32") & (df.pass_ == "fwdbwd")]
    steps = df[df.benchmark.str.startswith("step/")]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3, 1]})
    labels = [f"{k}\n{s}" for k, s in norm[norm.threads == threads_list[0]][["kind", "shape"]].itertuples(index=False)]
    width = 0.8 / len(threads_list)
    for i, t in enumerate(threads_list):
        sub = norm[norm.threads == t]
        axes[0].bar([j + i * width for j in range(len(sub))], sub.speedup, width, label=f"{t} thread(s)")
    axes[0].axhline(FWDBWD_TARGET, color="k", linestyle="--", linewidth=1, label="target 2×")
    axes[0].set_xticks([j + width * (len(threads_list) - 1) / 2 for j in range(len(labels))])
    axes[0].set_xticklabels(labels, rotation=90, fontsize=6)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("PyTorch time / normlab time (log)")
    axes[0].set_title("Normalizer forward+backward, float32")
    axes[0].legend(fontsize=8)
    if not steps.empty:
        names = list(dict.fromkeys(steps.benchmark))
        for i, t in enumerate(threads_list):
            sub = steps[steps.threads == t].set_index("benchmark").reindex(names)
            axes[1].bar([j + i * width for j in range(len(names))], sub.speedup, width)
        axes[1].set_xticks([j + width * (len(threads_list) - 1) / 2 for j in range(len(names))])
        axes[1].set_xticklabels([n.removeprefix("step/").removesuffix("/f32") for n in names], rotation=90,
                                fontsize=7)
        axes[1].axhline(STEP_TARGETS["cnn"], color="k", linestyle=":", linewidth=1)
        axes[1].axhline(STEP_TARGETS["mlp"], color="k", linestyle="--", linewidth=1)
        axes[1].set_yscale("log")
        axes[1].set_title("Training steps (dotted: 1.5×, dashed: 5×)")
    fig.tight_layout()
    fig.savefig(out_dir / "ratios.pdf")
    fig.savefig(out_dir / "ratios.png", dpi=130)


def find_bench():
    for candidate in sorted(ROOT.glob("build*/normlab_bench")):
        return candidate
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", type=Path, help="normlab_bench executable (default: build*/normlab_bench)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds per repetition")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks")
    parser.add_argument("--quick", action="store_true", help="float32 only")
    args = parser.parse_args()

    try:
        import torch
    except ImportError:
        print("compare_pytorch.py: PyTorch is not installed for this interpreter "
              f"({sys.executable}); install Debian's python3-torch to compare. Nothing to do.")
        return 0
    import numpy as np
    import pandas as pd
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bench = args.bench or find_bench()
    if bench is None or not Path(bench).exists():
        print("compare_pytorch.py: normlab_bench not found; build it (cmake --build build --target normlab_bench) "
              "or pass --bench", file=sys.stderr)
        return 2
    threads_list = [int(t) for t in args.threads.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)

    frames, bandwidth = [], {}
    for threads in threads_list:
        print(f"threads={threads}: bandwidth probe", flush=True)
        before = measure_bandwidth(torch, np, threads, args.repetitions)
        print(f"  best streaming bandwidth {before['best'] / 1e9:.1f} GB/s", flush=True)
        print(f"threads={threads}: PyTorch {torch.__version__}", flush=True)
        torch_times = run_torch(torch, threads, args.repetitions, args.min_time, args.quick)
        (args.out / f"pytorch_t{threads}.json").write_text(json.dumps(
            {"torch": torch.__version__, "threads": threads, "seconds": torch_times}, indent=1))
        print(f"threads={threads}: normlab_bench", flush=True)
        normlab, context = run_normlab(bench, threads, args.repetitions, args.min_time,
                                       args.out / f"normlab_t{threads}.json", args.quick)
        # Probed again after the runs: on a shared machine the bandwidth available varies, and the
        # larger of the two probes is the conservative reference for the shares.
        after = measure_bandwidth(torch, np, threads, args.repetitions)
        bandwidth[threads] = dict(before if before["best"] >= after["best"] else after,
                                  best_before=before["best"], best_after=after["best"])
        print(f"  best streaming bandwidth after the runs {after['best'] / 1e9:.1f} GB/s", flush=True)
        frames.append(build_rows(pd, normlab, torch_times, bandwidth[threads], threads))

    df = pd.concat(frames, ignore_index=True)
    df.to_csv(args.out / "comparison.csv", index=False)
    (args.out / "bandwidth.json").write_text(json.dumps({str(k): v for k, v in bandwidth.items()}, indent=1))
    command = "/usr/bin/python3 scripts/compare_pytorch.py " + " ".join(sys.argv[1:])
    header = (f"Generated by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
              f"host {platform.node()}, {context.get('num_cpus')} CPUs, load average "
              f"{os.getloadavg()[0]:.2f} at the end; PyTorch {torch.__version__}; "
              f"medians of {args.repetitions} repetitions of >= {args.min_time} s.\n")
    table = header + markdown_table(df, threads_list, bandwidth)
    (args.out / "table.md").write_text(table)
    make_figure(plt, df, threads_list, args.out)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
