#!/usr/bin/python3
"""Times normlab against PyTorch on the CPU, side by side, and writes the table of issues 6, 10 and 16.

    /usr/bin/python3 scripts/compare_pytorch.py [--bench build/normlab_bench] [--normlab build/normlab]
        [--threads 1,2] [--repetitions 5] [--min-time 0.1] [--quick] [--filter REGEX] [--out DIR]

What is compared: every normalizer of normlab's registry (`normlab list --json`, read through
normlab_registry.py from the normlab next to the bench, or --normlab), on the cells normlab_bench
registers for it: norm/<kind>/<f32|f64>/<forward|backward|fwdbwd>/<shape> with the kind's default
keys, step/<vgg|resnet20>/<kind>/f32 with its first registry example spec, and step/mlp_ioffe/f32; and the
sequence steps step/transformer_nanogpt/<norm>/f32 and step/lstm/<norm>/f32 (compare_pytorch_sequence.py,
which stops the script when a PyTorch model's parameter count differs from `normlab model`'s). The
PyTorch side of a kind is torch_models.TORCH_BUILDERS[kind]: PyTorch's module where it has one, otherwise the
autograd formula of scripts/torch_reference.py that the parity fixtures also come from (marked †
in the table); a registered kind without a builder gets rows saying "no PyTorch implementation".

Method (issue 16): the machine's speed drifts by tens of percent over minutes, so for each thread
count the two sides are interleaved: --repetitions times, kind by kind, normlab_bench runs the
kind's cells once (--benchmark_repetitions=1, one process for all of them so that its start-up does
not dominate), then PyTorch times the same cells once. Each repetition of a cell is the mean time
of as many calls as fit in --min-time seconds (Google Benchmark's method, mirrored for torch).
The table reports, per cell, the median over repetitions of the ratio PyTorch time / normlab time
with its min–max, and the load average (/proc/loadavg) before and after the whole run. A step with
a GEMM floor benchmark (GEMM_FLOORS: gemm/mlp_ioffe/f32, its matrix products alone) gets that floor
timed in the same normlab_bench process, and the median of step / floor. A
streaming-bandwidth probe runs before and after each thread count (see measure_bandwidth).

Writes to --out (default results/benchmarks/): normlab_t<n>.json and pytorch_t<n>.json (seconds per
repetition for every cell; normlab's with Google Benchmark's context), bandwidth.json (with the load
averages), comparison.csv (one row per benchmark and thread count), table.md (the ratios and
targets), ratios.pdf/.png (the figure, bars min–max). For a quick check of the script, write
elsewhere (--out /tmp/cmp) with --quick --repetitions 2 --min-time 0.01: timings on a shared
machine are not results.

PyTorch settings mirror experiments/bench/*.cpp (see the comment at the top of each file).
Needs Debian's python3 with python3-torch, numpy, pandas, matplotlib. Without torch the script
says so and exits 0.
"""
import argparse
import json
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
import compare_pytorch_sequence  # noqa: E402  (the step/transformer_nanogpt and step/lstm cells)

torch_models = None  # scripts/torch_models.py (normalizer builders, models), imported in main() once torch is known to exist

DTYPES = {"f32": "float32", "f64": "float64"}
FWDBWD_TARGET = 2.0
BANDWIDTH_TARGET = 0.5
STEP_TARGETS = {"mlp": 2.5, "cnn": 1.5}  # issue 16: MLP ≥ 2.5× at 1 thread (issue 6 had asked 5×)
# A step's GEMM floor: the benchmark that times only its matrix products (gemm_floor_bench.cpp),
# run in the same normlab_bench process as the step, and issue 16's bound on step / floor.
GEMM_FLOORS = {"step/mlp_ioffe/f32": "gemm/mlp_ioffe/f32"}
GEMM_FLOOR_TARGET = 1.3


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


class WeightHolder:
    """A module whose forward returns its weight, so a weight reparameterization can be timed on
    a bare weight tensor as normlab_bench's norm/<weight kind> does."""

    @staticmethod
    def make(torch, weight):
        class Holder(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = torch.nn.Parameter(weight)

            def forward(self):
                return self.weight
        return Holder()


# ----------------------------------------------------------------------------------------------
# PyTorch timings: one repetition of a cell, the same method as Google Benchmark's.

def time_once(fn, min_time):
    """Mean seconds per call over as many calls as fit in min_time, after two warm-up calls
    (allocator caches, lazy initialisation) and one calibration call."""
    fn()
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(min_time / once))
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def time_median(fn, repetitions, min_time):
    """Median over repetitions of time_once (used by the bandwidth probe)."""
    means = sorted(time_once(fn, min_time) for _ in range(repetitions))
    mid = len(means) // 2
    return means[mid] if len(means) % 2 else 0.5 * (means[mid - 1] + means[mid])


def torch_norm_passes(torch, entry, builder, shape, dtype):
    """{pass: callable} for forward (training mode, autograd recording), backward alone
    (retain_graph; grads reset to None each call as zero_grad(set_to_none=True) does) and
    forward+backward of a kind with its default keys, on the tensors normlab_bench uses."""
    torch_dtype = getattr(torch, DTYPES[dtype])
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(*shape, generator=gen, dtype=torch_dtype) * 2 + 0.5)
    dy = torch.randn(*shape, generator=gen, dtype=torch_dtype)
    made = builder.make(torch, torch_models.spec_keys(entry, entry["kind"]), shape)
    if entry["role"] == "weight":
        # x is the weight (v) itself; normlab_bench times the reparameterization of a weight with
        # the input's shape, rows = dim 0.
        holder = made(WeightHolder.make(torch, x)).train()
        leaves = list(holder.parameters())
        forward = holder
    else:
        x.requires_grad_(True)
        module = made.to(torch_dtype).train()
        leaves = [x] + list(module.parameters())

        def forward():
            return module(x)

    def clear():
        for t in leaves:
            t.grad = None

    def fwdbwd():
        clear()
        forward().backward(dy)

    y = forward()

    def bwd():
        clear()
        y.backward(dy, retain_graph=True)

    return {"forward": forward, "backward": bwd, "fwdbwd": fwdbwd}


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


# The CNN steps by cell name (step/<name>/<kind>/f32): normlab's model spec, on 3x32x32 inputs at
# batch 32 (experiments/bench/training_step_bench.cpp registers the same pairs).
CNN_MODELS = {"vgg": "vgg:widths=16x32x64,act=relu", "resnet20": "resnet:depth=20,width=16"}
CNN_LR = {"vgg": 0.1, "resnet20": 0.01}  # the bench's learning rates (ResNet-20 diverges at 0.1 on random labels)
CNN_INPUT = (32, 3, 32, 32)


def torch_cnn(registry, model, spec):
    """normlab's CNN_MODELS[model] on 3x32x32 inputs, 10 classes, normalizer `spec` in placement
    pre (scripts/torch_models.py builds it as experiments/models/ does)."""
    return torch_models.build(registry, {"norm": spec, "model": CNN_MODELS[model], "placement": "pre"},
                              CNN_INPUT[1:], 10)


def check_cnn_models(torch, registry, pairs):
    """Warns where a PyTorch CNN differs from normlab's in its learnable parameter count or number
    of ReLUs (`normlab model` prints both; a residual block's ReLU after the add is counted with
    its block on both sides), i.e. where the two sides would not time the same network: a cheap
    guard on the spec semantics of torch_cnn. pairs: (model, kind)."""
    exe = normlab_registry.find_normlab()
    for model_name, kind in pairs:
        entry, builder = registry.get(kind), torch_models.TORCH_BUILDERS.get(kind)
        if entry is None or builder is None:
            continue
        spec = entry["examples"][0]
        model = torch_cnn(registry, model_name, spec)
        relus = sum(isinstance(m, torch.nn.ReLU) for m in model.modules())
        blocks = sum(isinstance(m, torch_models.BasicBlock) for m in model.modules())
        ours = (sum(p.numel() for p in model.parameters()), relus + blocks)
        done = subprocess.run([exe, "model", "--model", CNN_MODELS[model_name], "--norm", spec],
                              capture_output=True, text=True)
        found = re.search(r"total: ([\d,]+) learnable", done.stdout)
        cell = f"step/{model_name}/{kind}"
        if done.returncode != 0 or not found:
            print(f"compare_pytorch.py: warning: cannot check {cell} against `normlab model`", file=sys.stderr)
            continue
        theirs = (int(found.group(1).replace(",", "")), done.stdout.count("ReLU") + done.stdout.count("BasicBlock("))
        if ours != theirs:
            print(f"compare_pytorch.py: warning: {cell} ({spec}): PyTorch's model has {ours[0]} parameters "
                  f"and {ours[1]} ReLUs, normlab's {theirs[0]} and {theirs[1]}", file=sys.stderr)


def torch_step(torch, model, input_shape, lr=0.1):
    """One training step as a callable: zero_grad, forward, cross-entropy, backward, SGD update."""
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

    return step


# ----------------------------------------------------------------------------------------------
# Cells: what both sides time. Taken from normlab_bench's own list (which iterates the registry),
# matched to the registry's entries; the PyTorch side of a cell comes from TORCH_BUILDERS.

class Cell:
    """One benchmark name, e.g. norm/group/f32/fwdbwd/N:64/C:64/H:32/W:32 or step/vgg/frn/f32."""

    def __init__(self, name):
        self.name = name
        parts = name.split("/")
        self.is_norm = parts[0] == "norm"
        if self.is_norm:
            self.kind, self.dtype, self.pass_ = parts[1], parts[2], parts[3]
            self.shape = tuple(int(p.split(":")[1]) for p in parts[4:])
        else:
            self.dtype, self.pass_, self.shape = parts[-1], None, None
            self.model = parts[1]
            self.kind = parts[2] if parts[1] in CNN_MODELS else None  # step/mlp_ioffe uses batch norm itself
        # step/transformer_nanogpt/<norm>/f32, step/lstm/<norm>/f32: compare_pytorch_sequence.py
        self.sequence = compare_pytorch_sequence.is_sequence_step(name)

    @property
    def setup_key(self):
        """Cells that share their tensors and module (the three passes of one normalizer and shape)."""
        return (self.kind, self.dtype, self.shape) if self.is_norm else self.name


def list_cells(bench, pattern, quick):
    """The benchmark names normlab_bench registers, filtered by the regex `pattern` and, in quick
    mode, to float32."""
    done = subprocess.run([str(bench), "--benchmark_list_tests=true"], capture_output=True, text=True, check=True)
    names = [line.strip().removesuffix("/real_time") for line in done.stdout.splitlines() if line.strip()]
    names = [n for n in names if n.startswith(("norm/", "step/")) and re.search(pattern, n)]
    if quick:
        names = [n for n in names if "/f32" in n]
    return [Cell(n) for n in names]


def torch_cell_callables(torch, registry, cells):
    """{cell name: callable to time, or the reason there is none} for one PyTorch pass."""
    callables = {}
    by_setup = {}
    for cell in cells:
        by_setup.setdefault(cell.setup_key, []).append(cell)
    for group in by_setup.values():
        first = group[0]
        try:
            if first.sequence:
                fns = {first.name: compare_pytorch_sequence.torch_step(torch, registry, first.name)}
            elif not first.is_norm and first.model not in CNN_MODELS and first.model != "mlp_ioffe":
                raise NotImplementedError(NO_TORCH_STEP)
            elif first.kind is None:  # step/mlp_ioffe
                fns = {first.name: torch_step(torch, torch_mlp(torch), (60, 784))}
            else:
                entry = registry.get(first.kind)
                if entry is None:  # a bench built from other sources than the normlab read
                    raise NotImplementedError(f"'{first.kind}' is not in normlab's registry")
                builder = torch_models.TORCH_BUILDERS.get(first.kind)
                if builder is None:
                    raise NotImplementedError("no PyTorch implementation")
                if first.is_norm:
                    passes = torch_norm_passes(torch, entry, builder, first.shape, first.dtype)
                    fns = {c.name: passes[c.pass_] for c in group}
                else:
                    model = torch_cnn(registry, first.model, entry["examples"][0])
                    fns = {first.name: torch_step(torch, model, CNN_INPUT, lr=CNN_LR[first.model])}
        except NotImplementedError as why:
            fns = {c.name: str(why) for c in group}
        yield fns


def run_torch_pass(torch, registry, cells, threads, min_time):
    """One repetition of every cell on the PyTorch side: {name: seconds or reason string}."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    results = {}
    for fns in torch_cell_callables(torch, registry, cells):
        for name, fn in fns.items():
            results[name] = fn if isinstance(fn, str) else time_once(fn, min_time)
        del fns  # free the group's tensors before building the next
    return results


def run_normlab_pass(bench, cells, threads, min_time, out_json):
    """One repetition of every cell in normlab_bench: {name: seconds}, and the run's context."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    names = [c.name for c in cells] + [GEMM_FLOORS[c.name] for c in cells if c.name in GEMM_FLOORS]
    regex = "^(" + "|".join(re.escape(n) for n in names) + ")(/real_time)?$"
    # (The training steps take two untimed steps inside the benchmark, as time_once does here.)
    args = [str(bench), "--benchmark_repetitions=1", f"--benchmark_min_time={min_time}",
            f"--benchmark_filter={regex}", f"--benchmark_out={out_json}", "--benchmark_out_format=json"]
    # Google Benchmark prints its context to stderr on every run: shown only when it fails.
    done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise subprocess.CalledProcessError(done.returncode, args[0])
    data = json.loads(Path(out_json).read_text())
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    results = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        results[b["run_name"].removesuffix("/real_time")] = b["real_time"] * scale[b["time_unit"]]
    return results, data["context"]


def load_average():
    """The 1, 5 and 15 minute load averages from /proc/loadavg (os.getloadavg elsewhere)."""
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return list(os.getloadavg())


def run_interleaved(torch, bench, registry, cells, threads, repetitions, min_time, out_dir):
    """normlab, PyTorch, normlab, PyTorch, ...: each repetition times every cell once on each side,
    kind by kind (normlab_bench over the kind's cells, then PyTorch over the same cells), so both
    sides of a cell are timed within seconds of each other and see the same drift of the machine's
    speed (it drifts by tens of percent over minutes); per-repetition ratios are then robust where
    medians of separate runs are not. One normlab_bench process per kind and repetition keeps its
    start-up negligible next to the cells' own time.
    Returns ({name: [normlab seconds per repetition]}, {name: [PyTorch seconds or reason]}, context)."""
    normlab_runs, torch_runs, context = {}, {}, {}
    by_kind = {}
    for cell in cells:
        by_kind.setdefault(cell.kind or cell.name, []).append(cell)
    for rep in range(repetitions):
        print(f"  repetition {rep + 1}/{repetitions} ({len(cells)} cells)", flush=True)
        for kind, group in by_kind.items():
            print(f"    {kind}: normlab_bench, PyTorch", flush=True)
            times, context = run_normlab_pass(bench, group, threads, min_time, out_dir / "normlab.json")
            for name, seconds in times.items():
                normlab_runs.setdefault(name, []).append(seconds)
            for name, seconds in run_torch_pass(torch, registry, group, threads, min_time).items():
                torch_runs.setdefault(name, []).append(seconds)
    return normlab_runs, torch_runs, context


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else 0.5 * (values[mid - 1] + values[mid])


# ----------------------------------------------------------------------------------------------
# Table and figure.

def tensor_bytes(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    return n * (4 if dtype == "f32" else 8)


def tensors_moved(role, pass_):
    backward = 2 if role == "identity" else 3  # the identity's backward does not read x
    return {"forward": 2, "backward": backward, "fwdbwd": 2 + backward}[pass_]


def tensors_written(pass_):
    return {"forward": 1, "backward": 1, "fwdbwd": 2}[pass_]


def pytorch_side(cell, registry):
    """(what the cell is compared with, whether it is an autograd formula) for the table."""
    if cell.sequence:
        return compare_pytorch_sequence.reference(cell.name)
    if cell.kind is None:
        return ("nn.BatchNorm1d", False) if cell.model == "mlp_ioffe" else (NO_TORCH_STEP, False)
    builder = torch_models.TORCH_BUILDERS.get(cell.kind)
    if cell.kind not in registry or builder is None:
        return NO_TORCH, False
    return builder.reference, builder.formula


NO_TORCH = "no PyTorch implementation"
NO_TORCH_STEP = "no PyTorch model in compare_pytorch.py"


def build_rows(pd, cells, registry, normlab_runs, torch_runs, bandwidth, threads):
    """One row per cell: medians of both sides, and the median, min and max over repetitions of
    the per-repetition ratio PyTorch / normlab (each repetition timed both sides back to back)."""
    rows = []
    for cell in cells:
        ours = normlab_runs.get(cell.name)
        if not ours:
            continue
        theirs = torch_runs.get(cell.name, [NO_TORCH])
        reference, formula = pytorch_side(cell, registry)
        row = {"threads": threads, "benchmark": cell.name, "normlab_s": median(ours), "repetitions": len(ours),
               "pytorch_reference": reference, "formula": formula,
               "pytorch_s": None, "speedup": None, "speedup_min": None, "speedup_max": None}
        if all(isinstance(t, float) for t in theirs) and len(theirs) == len(ours):
            ratios = [t / n for t, n in zip(theirs, ours)]
            row.update(pytorch_s=median(theirs), speedup=median(ratios), speedup_min=min(ratios),
                       speedup_max=max(ratios))
        else:
            row["pytorch_reference"] = next((t for t in theirs if isinstance(t, str)), reference)
        floor = normlab_runs.get(GEMM_FLOORS.get(cell.name, ""))
        if floor and len(floor) == len(ours):  # per repetition: step / its GEMMs, same process
            row.update(gemm_floor_s=median(floor), step_over_gemm_floor=median([n / f for n, f in zip(ours, floor)]))
        if cell.is_norm:
            role = registry[cell.kind]["role"] if cell.kind in registry else "activation"
            moved = tensors_moved(role, cell.pass_) * tensor_bytes(cell.shape, cell.dtype)
            row.update(kind=cell.kind, dtype=cell.dtype, pass_=cell.pass_, shape=str(cell.shape))
            row["normlab_GBps"] = moved / row["normlab_s"] / 1e9
            row["bandwidth_share"] = moved / row["normlab_s"] / bandwidth["best"]
            row["large"] = len(cell.shape) == 4
            # The largest ratio an implementation with ordinary stores could reach: PyTorch's time /
            # the time to move the useful bytes plus the write-allocate read of every output at the
            # measured streaming bandwidth. Below the target, the target is out of reach for this
            # shape on this machine whatever the kernel. Only meaningful for tensors that do not
            # live in cache (the 4-D shapes).
            if row["pytorch_s"] and row["large"]:
                traffic = (tensors_moved(role, cell.pass_) + tensors_written(cell.pass_)) * tensor_bytes(
                    cell.shape, cell.dtype)
                row["ceiling"] = row["pytorch_s"] / (traffic / bandwidth["best"])
        rows.append(row)
    return pd.DataFrame(rows)


def ratio_cell(r, target):
    """'**median** (min–max)' with ✗ below the target, or why there is no ratio."""
    if r.speedup is None or r.speedup != r.speedup:
        return r.pytorch_reference
    mark = "" if target is None or r.speedup >= target else " ✗"
    return f"**{r.speedup:.2f}**{mark} ({r.speedup_min:.2f}–{r.speedup_max:.2f})"


def side_cell(r):
    """The PyTorch column: the module, or the formula marked †."""
    return f"{r.pytorch_reference} †" if r.formula else r.pytorch_reference


def ms(value):
    return f"{value * 1e3:.3f}" if value is not None and value == value else "–"


FORMULA_NOTE = ("† PyTorch 1.13 has no module for this kind: the PyTorch time is that of the short autograd "
                "implementation in scripts/torch_reference.py, the same formula the parity fixtures come from "
                "(scripts/make_fixtures.py), so its ratio compares normlab with straightforward PyTorch code, "
                "not with an optimized PyTorch kernel.\n")


def markdown_table(df, threads_list, bandwidth):
    lines = []
    norm = df[df.benchmark.str.startswith("norm/")]
    for dtype in ["f32", "f64"]:
        sub = norm[(norm.dtype == dtype) & (norm.pass_ == "fwdbwd")] if not norm.empty else norm
        if sub.empty:
            continue
        lines.append(f"\n### Forward+backward, {DTYPES[dtype]}: PyTorch time / normlab time, median (min–max) over "
                     f"repetitions (≥ {FWDBWD_TARGET:g} is the target for float32)\n")
        if dtype == "f32":
            lines.append("The ceiling is PyTorch's time divided by the time needed just to move the useful "
                         "bytes (x, y, dy, dx) plus the write-allocate read of each output (y, dx) at the "
                         "measured streaming bandwidth: where the tensors do not stay in cache (the two "
                         "12.8M-element shapes), no implementation with ordinary stores can beat PyTorch by "
                         "more. On (64, 64, 32, 32), whose 16 MiB tensors partly stay in a 32 MiB L3, it is "
                         "indicative only; (128, 1024) is cache-resident and has none.\n")
            lines.append(FORMULA_NOTE)
        header = "| normalizer | PyTorch side | shape | " + " | ".join(
            f"t={t} normlab ms | t={t} PyTorch ms | t={t} ratio | t={t} ceiling" for t in threads_list) + " |"
        lines += [header, "|" + "---|" * (3 + 4 * len(threads_list))]
        for (kind, shape), group in sub.groupby(["kind", "shape"], sort=False):
            cells = []
            for t in threads_list:
                r = group[group.threads == t]
                if r.empty:
                    cells += ["", "", "", ""]
                    continue
                r = r.iloc[0]
                ceiling = r.get("ceiling")
                cells += [ms(r.normlab_s), ms(r.pytorch_s), ratio_cell(r, FWDBWD_TARGET if dtype == "f32" else None),
                          f"{ceiling:.2f}" if ceiling is not None and ceiling == ceiling else "–"]
            lines.append(f"| {kind} | {side_cell(group.iloc[0])} | {shape} | " + " | ".join(cells) + " |")
    big = norm[(norm.dtype == "f32") & (norm.large == True)] if not norm.empty else norm  # noqa: E712
    if not big.empty:
        lines.append("\n### Share of measured memory bandwidth, large (4-D) tensors, float32, normlab\n")
        lines.append("Useful bytes (forward: x, y; backward: x, dy, dx) per second / best streaming bandwidth "
                     f"(target ≥ {BANDWIDTH_TARGET:.0%}). Bandwidth: " + ", ".join(
                         f"t={t}: {bandwidth[t]['best'] / 1e9:.1f} GB/s" for t in threads_list) + "\n")
        header = "| normalizer | pass | shape | " + " | ".join(f"t={t} GB/s | t={t} share" for t in threads_list) + " |"
        lines += [header, "|" + "---|" * (3 + 2 * len(threads_list))]
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
        lines.append("\n### Training steps, float32: PyTorch time / normlab time, median (min–max) "
                     f"(targets: MLP ≥ {STEP_TARGETS['mlp']:g}, CNN ≥ {STEP_TARGETS['cnn']:g})\n")
        lines.append("step/vgg/<kind> and step/resnet20/<kind> (ResNet-20, 3x32x32, batch 32) use the kind's first registry example spec (`normlab list`), built the "
                     "same way on both sides. " + FORMULA_NOTE)
        header = "| step | PyTorch side | " + " | ".join(
            f"t={t} normlab ms | t={t} PyTorch ms | t={t} ratio" for t in threads_list) + " |"
        lines += [header, "|" + "---|" * (2 + 3 * len(threads_list))]
        for name, group in steps.groupby("benchmark", sort=False):
            target = STEP_TARGETS["mlp" if "mlp" in name else "cnn"]
            cells = []
            for t in threads_list:
                r = group[group.threads == t]
                if r.empty:
                    cells += ["", "", ""]
                    continue
                r = r.iloc[0]
                cells += [ms(r.normlab_s), ms(r.pytorch_s), ratio_cell(r, target)]
            lines.append(f"| {name} | {side_cell(group.iloc[0])} | " + " | ".join(cells) + " |")
        floors = steps[steps.step_over_gemm_floor.notna()] if "step_over_gemm_floor" in steps else steps[:0]
        if not floors.empty:
            lines.append(f"\nA step against its GEMM floor (the step's matrix products alone, through the same gemm() "
                         f"on the same shapes, timed in the same normlab_bench process; target ≤ {GEMM_FLOOR_TARGET:g}):\n")
            lines += ["| step | floor benchmark | threads | floor ms | step / floor, median of repetitions |",
                      "|---|---|---|---|---|"]
            for r in floors.itertuples():
                mark = "" if r.step_over_gemm_floor <= GEMM_FLOOR_TARGET else " ✗"
                lines.append(f"| {r.benchmark} | {GEMM_FLOORS[r.benchmark]} | {r.threads} | {ms(r.gemm_floor_s)} | "
                             f"**{r.step_over_gemm_floor:.2f}**{mark} |")
    return "\n".join(lines) + "\n"


def bar_errors(sub):
    """Error bars from the min–max of the ratio over repetitions (0 where there is none)."""
    lower = (sub.speedup - sub.speedup_min).fillna(0).clip(lower=0)
    upper = (sub.speedup_max - sub.speedup).fillna(0).clip(lower=0)
    return [lower.to_list(), upper.to_list()]


def make_figure(plt, df, threads_list, out_dir):
    df = df.astype({"speedup": float, "speedup_min": float, "speedup_max": float})
    norm = df[df.benchmark.str.startswith("norm/")]
    if not norm.empty:
        norm = norm[(norm.dtype == "f32") & (norm.pass_ == "fwdbwd")]
    steps = df[df.benchmark.str.startswith("step/")]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / len(threads_list)
    if not norm.empty:
        first = norm[norm.threads == threads_list[0]]
        labels = [f"{k}\n{s}" for k, s in first[["kind", "shape"]].itertuples(index=False)]
        for i, t in enumerate(threads_list):
            sub = norm[norm.threads == t]
            axes[0].bar([j + i * width for j in range(len(sub))], sub.speedup.fillna(0), width,
                        yerr=bar_errors(sub), capsize=1, label=f"{t} thread(s)")
        axes[0].set_xticks([j + width * (len(threads_list) - 1) / 2 for j in range(len(labels))])
        axes[0].set_xticklabels(labels, rotation=90, fontsize=6)
    axes[0].axhline(FWDBWD_TARGET, color="k", linestyle="--", linewidth=1, label="target 2×")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("PyTorch time / normlab time (log; bars: min–max)")
    axes[0].set_title("Normalizer forward+backward, float32")
    axes[0].legend(fontsize=8)
    if not steps.empty:
        names = list(dict.fromkeys(steps.benchmark))
        for i, t in enumerate(threads_list):
            sub = steps[steps.threads == t].set_index("benchmark").reindex(names)
            axes[1].bar([j + i * width for j in range(len(names))], sub.speedup.fillna(0), width,
                        yerr=bar_errors(sub), capsize=1)
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
    parser.add_argument("--normlab", type=Path,
                        help="normlab executable whose registry lists the normalizers (default: next to the bench)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--repetitions", type=int, default=5, help="interleaved repetitions per side")
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds per repetition of a cell")
    parser.add_argument("--filter", default="", help="regex on benchmark names (default: all)")
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
    global torch_models
    import torch_models
    compare_pytorch_sequence.torch_models = torch_models

    bench = args.bench or find_bench()
    if bench is None or not Path(bench).exists():
        print("compare_pytorch.py: normlab_bench not found; build it (cmake --build build --target normlab_bench) "
              "or pass --bench", file=sys.stderr)
        return 2
    # The registry of the normlab built with this bench, so that both list the same kinds.
    next_to_bench = Path(bench).resolve().parent / "normlab"
    normlab_registry.configure(str(args.normlab or next_to_bench) if (args.normlab or next_to_bench.exists()) else None)
    try:
        registry = {entry["kind"]: entry for entry in normlab_registry.normalizers()}
    except normlab_registry.RegistryError as error:
        print(f"compare_pytorch.py: {error}", file=sys.stderr)
        return 2
    cells = list_cells(bench, args.filter, args.quick)
    benched = {c.kind for c in cells if c.kind}
    for kind in registry:
        if kind not in torch_models.TORCH_BUILDERS:
            print(f"compare_pytorch.py: note: '{kind}' has {NO_TORCH}; its rows say so", file=sys.stderr)
        if not args.filter and kind not in benched:
            print(f"compare_pytorch.py: warning: normlab_bench has no cells for registered kind '{kind}'",
                  file=sys.stderr)
    check_cnn_models(torch, registry, sorted({(c.model, c.kind) for c in cells if c.kind and not c.is_norm}))
    try:
        compare_pytorch_sequence.check_models(registry, [c.name for c in cells if c.sequence])
    except compare_pytorch_sequence.ModelMismatch as error:
        print(f"compare_pytorch.py: {error}", file=sys.stderr)
        return 2
    threads_list = [int(t) for t in args.threads.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)

    load_before = load_average()
    frames, bandwidth, context = [], {}, {}
    for threads in threads_list:
        print(f"threads={threads}: bandwidth probe", flush=True)
        before = measure_bandwidth(torch, np, threads, args.repetitions)
        print(f"  best streaming bandwidth {before['best'] / 1e9:.1f} GB/s", flush=True)
        print(f"threads={threads}: normlab_bench and PyTorch {torch.__version__}, interleaved", flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            normlab_runs, torch_runs, context = run_interleaved(torch, bench, registry, cells, threads,
                                                                args.repetitions, args.min_time, Path(scratch))
        (args.out / f"normlab_t{threads}.json").write_text(json.dumps(
            {"context": context, "threads": threads, "seconds_per_repetition": normlab_runs}, indent=1))
        (args.out / f"pytorch_t{threads}.json").write_text(json.dumps(
            {"torch": torch.__version__, "threads": threads, "seconds_per_repetition": torch_runs}, indent=1))
        # Probed again after the runs: on a shared machine the bandwidth available varies, and the
        # larger of the two probes is the conservative reference for the shares.
        after = measure_bandwidth(torch, np, threads, args.repetitions)
        bandwidth[threads] = dict(before if before["best"] >= after["best"] else after,
                                  best_before=before["best"], best_after=after["best"])
        print(f"  best streaming bandwidth after the runs {after['best'] / 1e9:.1f} GB/s", flush=True)
        frames.append(build_rows(pd, cells, registry, normlab_runs, torch_runs, bandwidth[threads], threads))
    load_after = load_average()

    df = pd.concat(frames, ignore_index=True)
    df.to_csv(args.out / "comparison.csv", index=False)
    (args.out / "bandwidth.json").write_text(json.dumps(
        {"bandwidth": {str(k): v for k, v in bandwidth.items()}, "loadavg_before": load_before,
         "loadavg_after": load_after}, indent=1))
    command = "/usr/bin/python3 scripts/compare_pytorch.py " + " ".join(sys.argv[1:])
    load = lambda values: " / ".join(f"{v:.2f}" for v in values)
    header = (f"Generated by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
              f"host {platform.node()}, {context.get('num_cpus')} CPUs; load average (1/5/15 min) "
              f"{load(load_before)} before the run and {load(load_after)} after; PyTorch {torch.__version__}; "
              f"{args.repetitions} interleaved repetitions (normlab, PyTorch, normlab, ...) of >= {args.min_time} s "
              f"per cell; ratios are medians (min–max) of the per-repetition ratios.\n")
    table = header + markdown_table(df, threads_list, bandwidth)
    (args.out / "table.md").write_text(table)
    make_figure(plt, df, threads_list, args.out)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
