"""The sequence-model training steps of compare_pytorch.py: normlab_bench's
step/transformer_nanogpt/<norm>/f32 and step/lstm/<norm>/f32 (experiments/bench/sequence_step_bench.cpp)
on the PyTorch side, built by torch_models.py from the same settings.

What each step does on both sides: training-mode forward of a batch of token windows (N, T),
per-token cross-entropy over the vocabulary, zero_grad, backward, one AdamW step at lr 1e-3 (the
defaults of normlab's adamw and torch.optim.AdamW agree: betas 0.9/0.999, eps 1e-8, weight decay
0.01). Token ids uniform over the vocabulary, labels the ids shifted by one, fixed before timing.

SETTINGS mirrors the bench's registration; check_models() stops the comparison when a PyTorch
model's learnable parameter count differs from `normlab model`'s for the same settings, so that
the two sides cannot silently time different networks.
"""
import re
import subprocess

import normlab_registry

torch_models = None  # scripts/torch_models.py, set by compare_pytorch.py once torch is known to exist

VOCAB, CONTEXT = 65, 64  # sequence_step_bench.cpp's kVocab, kContext

# The bench's <model> part of step/<model>/<norm>/f32: the model spec, the bias key and the batch.
SETTINGS = {
    "transformer_nanogpt": {"model": "transformer:layers=4,width=128,heads=4", "bias": "false", "batch": 12},
    "lstm": {"model": "lstm:layers=1,hidden=128,embed=64", "bias": "auto", "batch": 32},
}


def is_sequence_step(name):
    parts = name.split("/")
    return len(parts) == 4 and parts[0] == "step" and parts[1] in SETTINGS


def settings_of(name):
    """The run settings (as torch_models.build reads them) and the batch size of a step cell."""
    _, model, norm, _ = name.split("/")
    s = SETTINGS[model]
    return {"model": s["model"], "norm": norm, "placement": "pre", "bias": s["bias"], "init": "kaiming"}, s["batch"]


def build_model(registry, name):
    settings, _ = settings_of(name)
    return torch_models.build(registry, settings, (CONTEXT,), VOCAB)


def torch_step(torch, registry, name):
    """One training step of the cell's model as a callable (zero_grad, forward, loss, backward, AdamW)."""
    _, batch = settings_of(name)
    model = build_model(registry, name).train()
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, VOCAB, (batch, CONTEXT), generator=gen)
    labels = torch.roll(x.reshape(-1), -1)  # the next token: ids shifted by one, as the bench's labels
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()

    return step


def reference(name):
    """The PyTorch side of a step for the table, and False: it is never torch_reference.py's formula
    alone (the normalizer's own side, a PyTorch module or that formula, is named in the text)."""
    settings, _ = settings_of(name)
    norm, kind = settings["norm"], settings["model"].split(":")[0]
    builder = torch_models.TORCH_BUILDERS.get(norm)
    norm_side = "no norm" if norm == "none" else (builder.reference if builder else norm)
    if kind == "lstm":
        if norm == "none":
            return "nn.LSTM", False
        return f"per-step LSTM cell (torch_models.py), {norm_side}", False
    return f"GPT-2 blocks (torch_models.py), {norm_side}", False


class ModelMismatch(Exception):
    pass


def check_models(registry, names):
    """Raises ModelMismatch when a PyTorch model's learnable parameter count differs from
    `normlab model`'s for the same settings (or when normlab cannot say)."""
    exe = normlab_registry.find_normlab()
    for name in names:
        settings, _ = settings_of(name)
        model = build_model(registry, name)
        ours = sum(p.numel() for p in model.parameters())
        done = subprocess.run([exe, "model", "--model", settings["model"], "--norm", settings["norm"], "--bias",
                               settings["bias"], "--input", str(CONTEXT), "--classes", str(VOCAB)],
                              capture_output=True, text=True)
        found = re.search(r"total: ([\d,]+) learnable", done.stdout)
        if done.returncode != 0 or not found:
            raise ModelMismatch(f"{name}: `normlab model` did not give a parameter count: {done.stderr.strip()}")
        theirs = int(found.group(1).replace(",", ""))
        if ours != theirs:
            raise ModelMismatch(f"{name}: PyTorch's model has {ours} learnable parameters, normlab's {theirs}")
