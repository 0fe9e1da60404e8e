"""normlab's models in PyTorch: the normalizer builders (one per registry kind) and the MLP and
VGG of experiments/models/, built from a run's resolved settings as normlab builds them.

Used by compare_pytorch.py (timing one training step) and compare_pytorch_sweep.py (training
whole sweeps). Kinds come from normlab's registry (normlab_registry.py); TORCH_BUILDERS only says
how PyTorch computes each, and a registered kind missing from it is reported by the callers as
"no PyTorch implementation", never dropped. Needs Debian's python3-torch.
"""
import math

import torch

import torch_reference

# ----------------------------------------------------------------------------------------------
# The PyTorch side of every normalizer: one builder per kind.

class TorchBuilder:
    """How PyTorch computes a kind.

    make(torch, keys, shape): for an activation normalizer (or the identity) an nn.Module for inputs
    shaped like `shape`; for a weight reparameterization a function module -> module that
    reparameterizes module.weight (dim 0 = output rows), as normlab's LayerWeight does.
    keys are the registry's defaults overridden by the spec's (strings, as in a spec).
    reference names what the comparison is against; formula is True where that is the autograd
    formula of scripts/torch_reference.py rather than a PyTorch module (said so in the table)."""

    def __init__(self, make, reference, formula=False):
        self.make, self.reference, self.formula = make, reference, formula


def _flag(keys, name):
    return {"true": True, "false": False}[keys[name]]


def _batch(torch, keys, shape):
    if "virtual_batch_size" in keys and keys["virtual_batch_size"] not in ("none", "0"):
        raise NotImplementedError("ghost batch norm (virtual_batch_size) has no PyTorch module")
    cls = torch.nn.BatchNorm1d if len(shape) <= 3 else torch.nn.BatchNorm2d
    return cls(shape[1], eps=float(keys["eps"]), momentum=torch_reference.momentum_of(keys),
               affine=_flag(keys, "affine"), track_running_stats=_flag(keys, "track_running_stats"))


def _instance(torch, keys, shape):
    cls = torch.nn.InstanceNorm1d if len(shape) == 3 else torch.nn.InstanceNorm2d
    return cls(shape[1], eps=float(keys["eps"]), momentum=torch_reference.momentum_of(keys),
               affine=_flag(keys, "affine"), track_running_stats=_flag(keys, "track_running_stats"))


def _formula(kind):
    return TorchBuilder(lambda torch, keys, shape: torch_reference.FormulaNorm(kind, keys, shape),
                        f"autograd formula ({kind}, torch_reference.py)", formula=True)


def _weight_std(torch, keys, shape):
    def reparameterize(module):
        torch.nn.utils.parametrize.register_parametrization(
            module, "weight", torch_reference.WeightStandardization(float(keys["eps"])))
        return module
    return reparameterize


TORCH_BUILDERS = {
    "batch": TorchBuilder(_batch, "nn.BatchNorm1d/2d"),
    "layer": TorchBuilder(lambda torch, keys, shape: torch.nn.LayerNorm(
        shape[1:], eps=float(keys["eps"]), elementwise_affine=_flag(keys, "elementwise_affine")), "nn.LayerNorm"),
    "instance": TorchBuilder(_instance, "nn.InstanceNorm1d/2d"),
    "group": TorchBuilder(lambda torch, keys, shape: torch.nn.GroupNorm(
        int(keys["num_groups"]), shape[1], eps=float(keys["eps"]), affine=_flag(keys, "affine")), "nn.GroupNorm"),
    "none": TorchBuilder(lambda torch, keys, shape: torch.nn.Identity(), "nn.Identity"),
    "weight": TorchBuilder(lambda torch, keys, shape: lambda m: torch.nn.utils.weight_norm(m, dim=0),
                           "nn.utils.weight_norm"),
    "spectral": TorchBuilder(lambda torch, keys, shape: lambda m: torch.nn.utils.spectral_norm(
        m, n_power_iterations=int(keys["n_power_iterations"]), eps=float(keys["eps"]), dim=0),
        "nn.utils.spectral_norm"),
    "weight_std": TorchBuilder(_weight_std, "autograd formula (weight_std, torch_reference.py) as a parametrization",
                               formula=True),
}
# torch 1.13 has no module for these: the same autograd formulas the fixtures use.
for _kind in ("rms", "batch_renorm", "mean_only", "frn", "evonorm_b0", "evonorm_s0", "switchable"):
    TORCH_BUILDERS[_kind] = _formula(_kind)


def spec_keys(entry, spec):
    """The keys of a spec with the registry's defaults filled in (so builders need no defaults)."""
    _, given = torch_reference.parse_spec(spec)
    keys = {k["name"]: k["default"] for k in entry.get("keys", [])}
    keys.update(given)
    return keys


def has_shift(module):
    """Whether a normalizer module adds a learnable shift (a bias parameter): normlab's bias=auto
    then drops the bias of the layer before it."""
    return isinstance(getattr(module, "bias", None), torch.nn.Parameter)


# ----------------------------------------------------------------------------------------------
# Models: experiments/models/model_builder.cpp, mlp.cpp and vgg.cpp, layer for layer.

ACTIVATIONS = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}
GAINS = {"relu": math.sqrt(2.0), "tanh": 5.0 / 3.0}  # normlab's activation_gain; 1 otherwise
# The attribute set on every activation normalizer a model holds, so that callers find them (to
# watch their inputs, as normlab's layer statistics do) without knowing which module classes they are.
ACTIVATION_NORM_MARK = "normlab_activation_norm"


def _widths(keys):
    return [int(w) for w in keys["widths"].split("x")]


def _init_weight(weight, init_spec, fan_in, fan_out, gain):
    """normlab's initializations (experiments/init/): kaiming N(0, (scale*gain)^2/fan_in), xavier
    U(-a, a) with a = scale*sqrt(6/(fan_in+fan_out)), normal:std, uniform:scale."""
    kind, keys = torch_reference.parse_spec(init_spec)
    with torch.no_grad():
        if kind == "kaiming":
            weight.normal_(0.0, float(keys.get("scale", 1)) * gain / math.sqrt(fan_in))
        elif kind == "xavier":
            bound = float(keys.get("scale", 1)) * math.sqrt(6.0 / (fan_in + fan_out))
            weight.uniform_(-bound, bound)
        elif kind == "normal":
            weight.normal_(0.0, float(keys.get("std", 0.01)))
        elif kind == "uniform":
            scale = float(keys.get("scale", 0.1))
            weight.uniform_(-scale, scale)
        else:
            raise NotImplementedError(f"initialization '{init_spec}' has no PyTorch counterpart here")


class ModelSpec:
    """What a run's settings say about its model: the normalizer, the weight reparameterization,
    placement, bias and init, with the registry entries of norm and reparam."""

    def __init__(self, registry, settings):
        self.settings = settings
        self.norm_spec, self.reparam_spec = settings["norm"], settings.get("reparam", "none")
        norm_kind, _ = torch_reference.parse_spec(self.norm_spec)
        reparam_kind, _ = torch_reference.parse_spec(self.reparam_spec)
        self.norm_entry, self.reparam_entry = registry[norm_kind], registry[reparam_kind]
        for kind in (norm_kind, reparam_kind):
            if kind not in TORCH_BUILDERS:
                raise NotImplementedError(f"normalizer '{kind}' has no PyTorch implementation")
        self.placement = settings.get("placement", "pre")
        self.bias, self.init = settings.get("bias", "auto"), settings.get("init", "kaiming")
        self.weight_entry = self.reparam_entry if self.reparam_entry["role"] == "weight" else (
            self.norm_entry if self.norm_entry["role"] == "weight" and self.placement != "none" else None)
        self.weight_spec = self.reparam_spec if self.weight_entry is self.reparam_entry else self.norm_spec

    def activation_norm(self, out_shape):
        """The activation normalizer for one layer's output (1, *out_shape), or None."""
        if self.norm_entry["role"] != "activation" or self.placement == "none":
            return None
        return TORCH_BUILDERS[self.norm_entry["kind"]].make(torch, spec_keys(self.norm_entry, self.norm_spec),
                                                            (1,) + tuple(out_shape))

    def keeps_bias(self, directly_following):
        if self.bias in ("true", "false"):
            return self.bias == "true"
        return not (directly_following is not None and has_shift(directly_following))

    def reparameterize(self, layer):
        if self.weight_entry is None:
            return layer
        keys = spec_keys(self.weight_entry, self.weight_spec)
        return TORCH_BUILDERS[self.weight_entry["kind"]].make(torch, keys, tuple(layer.weight.shape))(layer)


def _hidden_block(spec, make_layer, out_shape, act_name, fan_in, fan_out):
    """ModelBuilder::hidden_block: layer -> norm -> act (pre) or layer -> act -> norm (post); a
    normalizer that includes its activation replaces the activation in both placements."""
    norm = spec.activation_norm(out_shape)
    if norm is not None:
        setattr(norm, ACTIVATION_NORM_MARK, True)
    replaces_act = norm is not None and getattr(norm, "includes_activation", False)
    norm_first = spec.placement != "post" or replaces_act
    layer = make_layer(spec.keeps_bias(norm if norm_first else None))
    _init_weight(layer.weight, spec.init, fan_in, fan_out, GAINS.get(act_name, 1.0))
    if layer.bias is not None:
        torch.nn.init.zeros_(layer.bias)
    layers = [spec.reparameterize(layer)]
    if norm is not None and norm_first:
        layers.append(norm)
    if not replaces_act:
        layers.append(ACTIVATIONS[act_name]())
    if norm is not None and not norm_first:
        layers.append(norm)
    return layers


def _output_linear(spec, features, classes):
    linear = torch.nn.Linear(features, classes)
    _init_weight(linear.weight, spec.init, features, classes, 1.0)
    torch.nn.init.zeros_(linear.bias)
    return linear


def mlp(spec, model_keys, sample_shape, classes):
    """mlp:widths=..,act=..,dropout=..: [Flatten] -> per width Linear -> (norm, act) [-> Dropout] -> Linear."""
    layers, features = [], int(math.prod(sample_shape))
    if len(sample_shape) > 1:
        layers.append(torch.nn.Flatten())
    dropout = float(model_keys.get("dropout", 0))
    for width in _widths(model_keys):
        layers += _hidden_block(spec, lambda bias, i=features, o=width: torch.nn.Linear(i, o, bias=bias), (width,),
                                model_keys["act"], features, width)
        if dropout > 0:
            layers.append(torch.nn.Dropout(dropout))
        features = width
    layers.append(_output_linear(spec, features, classes))
    return torch.nn.Sequential(*layers)


def vgg(spec, model_keys, sample_shape, classes):
    """vgg:widths=..,act=..,pool=..: per width conv3x3 (padding 1) -> (norm, act) -> 2x2 pooling;
    global average pooling -> Linear."""
    layers, (channels, height, width) = [], sample_shape
    pool = torch.nn.MaxPool2d if model_keys.get("pool", "max") == "max" else torch.nn.AvgPool2d
    for out in _widths(model_keys):
        layers += _hidden_block(spec, lambda bias, i=channels, o=out: torch.nn.Conv2d(i, o, 3, padding=1, bias=bias),
                                (out, height, width), model_keys["act"], channels * 9, out * 9)
        layers.append(pool(2))
        channels, height, width = out, height // 2, width // 2
    layers += [torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), _output_linear(spec, channels, classes)]
    return torch.nn.Sequential(*layers)


class BasicBlock(torch.nn.Module):
    """experiments/layers/residual_block.cpp: relu(branch(x) + shortcut(x)); shortcut None is the identity."""

    def __init__(self, branch, shortcut):
        super().__init__()
        self.branch, self.shortcut = torch.nn.Sequential(*branch), shortcut

    def forward(self, x):
        return torch.relu(self.branch(x) + (x if self.shortcut is None else self.shortcut(x)))


def _conv(spec, geometry, bias):
    """ModelBuilder::make_conv: a Conv2d (in, out, kernel, stride, padding) with normlab's init (gain
    of ReLU) and zero bias, reparameterized by the run's weight normalizer if it has one."""
    cin, cout, k, stride, padding = geometry
    conv = torch.nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=bias)
    _init_weight(conv.weight, spec.init, cin * k * k, cout * k * k, GAINS["relu"])
    if conv.bias is not None:
        torch.nn.init.zeros_(conv.bias)
    return spec.reparameterize(conv)


def _basic_block(spec, cin, cout, stride, out_shape):
    """experiments/models/resnet.cpp's basic_block, layer for layer (its header lists the branch
    of each placement)."""
    norm1, norm2 = spec.activation_norm(out_shape), spec.activation_norm(out_shape)
    replaces_act = norm1 is not None and getattr(norm1, "includes_activation", False)
    pre = spec.placement == "pre" or replaces_act
    branch = [_conv(spec, (cin, cout, 3, stride, 1), spec.keeps_bias(norm1 if pre else None))]
    if norm1 is not None and pre:
        branch.append(norm1)
    if not replaces_act:
        branch.append(torch.nn.ReLU())
    if norm1 is not None and not pre:
        branch.append(norm1)
    branch.append(_conv(spec, (cout, cout, 3, 1, 1), spec.keeps_bias(norm2)))
    if norm2 is not None:
        branch.append(norm2)
    shortcut = None
    if stride != 1 or cin != cout:
        norm = spec.activation_norm(out_shape)
        shortcut = [_conv(spec, (cin, cout, 1, stride, 0), spec.keeps_bias(norm))] + ([norm] if norm is not None else [])
        shortcut = torch.nn.Sequential(*shortcut)
    for norm in (norm1, norm2) + ((shortcut[-1],) if shortcut is not None and len(shortcut) > 1 else ()):
        if norm is not None:
            setattr(norm, ACTIVATION_NORM_MARK, True)
    return BasicBlock(branch, shortcut)


def resnet(spec, model_keys, sample_shape, classes):
    """resnet:depth=..,width=..: stem conv3x3 -> (norm, relu); 3 stages of (depth-2)/6 basic blocks
    with width, 2·width, 4·width channels (stride 2 and a projection shortcut entering stages 2
    and 3); global average pooling -> Linear."""
    depth, width = int(model_keys["depth"]), int(model_keys["width"])
    channels, height, breadth = sample_shape
    layers = _hidden_block(spec, lambda bias: torch.nn.Conv2d(channels, width, 3, padding=1, bias=bias),
                           (width, height, breadth), "relu", channels * 9, width * 9)
    channels = width
    for stage in range(3):
        out = width << stage
        for block in range((depth - 2) // 6):
            stride = 2 if stage > 0 and block == 0 else 1
            height, breadth = (height - 1) // stride + 1, (breadth - 1) // stride + 1
            layers.append(_basic_block(spec, channels, out, stride, (out, height, breadth)))
            channels = out
    layers += [torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), _output_linear(spec, channels, classes)]
    return torch.nn.Sequential(*layers)


MODELS = {"mlp": mlp, "vgg": vgg, "resnet": resnet}
MODEL_DEFAULTS = {"mlp": {"widths": "128x64", "act": "relu", "dropout": "0"},
                  "vgg": {"widths": "16x32x64", "act": "relu", "pool": "max"},
                  "resnet": {"depth": "8", "width": "16"}}


def build(registry, settings, sample_shape, classes):
    """The PyTorch model of a run: registry is {kind: entry} of normlab's normalizers, settings the
    run's resolved settings (settings.csv), sample_shape one sample's shape without the batch dim."""
    kind, keys = torch_reference.parse_spec(settings["model"])
    if kind not in MODELS:
        raise NotImplementedError(f"model '{kind}' has no PyTorch counterpart here (have: {', '.join(MODELS)})")
    model_keys = dict(MODEL_DEFAULTS[kind], **keys)
    return MODELS[kind](ModelSpec(registry, settings), model_keys, tuple(sample_shape), classes)


# ----------------------------------------------------------------------------------------------
# Sequence models: experiments/models/transformer.cpp and lstm.cpp, layer for layer. Samples are
# windows of T token ids (sample_shape (T,)), classes the vocabulary; the models return logits
# (N·T, V) as normlab's do, and every normalizer works on rows of tokens (N·T, C): layer and rms
# per token, batch per channel over the batch and the time positions.

def _token_norm(spec, width):
    """The per-token normalizer of a sequence model for (N·T, width) rows, or None for the identity."""
    norm = spec.activation_norm((width,))
    return None if isinstance(norm, torch.nn.Identity) else norm


def _apply(module, x):
    return x if module is None else module(x)


class TransformerBlock(torch.nn.Module):
    """layers/transformer_block.hpp: pre  h = x + attn(ln_1(x)); y = h + mlp(ln_2(h))
                                    post h = ln_1(x + attn(x)); y = ln_2(h + mlp(h)),
    causal multi-head self-attention (c_attn, c_proj) and a GELU MLP (c_fc, c_proj), residual
    dropout on each branch's output. x: (N·T, C)."""

    def __init__(self, spec, context, width, heads, mlp_width, bias, dropout, std, residual_std):
        super().__init__()
        self.pre, self.context, self.heads = spec.placement != "post", context, heads
        self.ln_1, self.ln_2 = _token_norm(spec, width), _token_norm(spec, width)
        self.c_attn = torch.nn.Linear(width, 3 * width, bias=bias)
        self.attn_proj = torch.nn.Linear(width, width, bias=bias)
        self.c_fc = torch.nn.Linear(width, mlp_width, bias=bias)
        self.mlp_proj = torch.nn.Linear(mlp_width, width, bias=bias)
        for linear, s in ((self.c_attn, std), (self.attn_proj, residual_std), (self.c_fc, std),
                          (self.mlp_proj, residual_std)):
            torch.nn.init.normal_(linear.weight, 0.0, s)
            if linear.bias is not None:
                torch.nn.init.zeros_(linear.bias)
        self.drop_1 = torch.nn.Dropout(dropout) if dropout > 0 else None
        self.drop_2 = torch.nn.Dropout(dropout) if dropout > 0 else None
        self.register_buffer("causal", torch.tril(torch.ones(context, context, dtype=torch.bool)), persistent=False)

    def attn(self, x):
        rows, width = x.shape
        T, H = self.context, self.heads
        q, k, v = self.c_attn(x).view(rows // T, T, 3 * width).split(width, dim=2)
        q, k, v = (t.view(rows // T, T, H, width // H).transpose(1, 2) for t in (q, k, v))  # (N, H, T, d)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(width // H)
        probs = scores.masked_fill(~self.causal, float("-inf")).softmax(-1)
        return _apply(self.drop_1, self.attn_proj((probs @ v).transpose(1, 2).reshape(rows, width)))

    def mlp(self, x):
        return _apply(self.drop_2, self.mlp_proj(torch.nn.functional.gelu(self.c_fc(x))))

    def forward(self, x):
        if self.pre:
            h = x + self.attn(_apply(self.ln_1, x))
            return h + self.mlp(_apply(self.ln_2, h))
        h = _apply(self.ln_1, x + self.attn(x))
        return _apply(self.ln_2, h + self.mlp(h))


class Transformer(torch.nn.Module):
    """transformer:layers,width,heads,mlp_ratio,dropout,tie_weights: token + learned position
    embeddings [-> Dropout] -> blocks -> (pre: final norm) -> head (tied: the token embedding's
    weight), GPT-2's initialization (normal 0.02, residual projections 0.02/√(2·layers), biases 0)."""

    def __init__(self, spec, model_keys, context, vocab):
        super().__init__()
        layers, width, heads = int(model_keys["layers"]), int(model_keys["width"]), int(model_keys["heads"])
        dropout = float(model_keys["dropout"])
        std, residual_std = 0.02, 0.02 / math.sqrt(2.0 * layers)
        bias = spec.keeps_bias(None)
        self.wte, self.wpe = torch.nn.Embedding(vocab, width), torch.nn.Embedding(context, width)
        torch.nn.init.normal_(self.wte.weight, 0.0, std)
        torch.nn.init.normal_(self.wpe.weight, 0.0, std)
        self.drop = torch.nn.Dropout(dropout) if dropout > 0 else None
        self.blocks = torch.nn.ModuleList(
            TransformerBlock(spec, context, width, heads, int(model_keys["mlp_ratio"]) * width, bias, dropout, std,
                             residual_std) for _ in range(layers))
        self.ln_f = _token_norm(spec, width) if spec.placement != "post" else None
        self.head = None
        if model_keys["tie_weights"] != "true":
            self.head = torch.nn.Linear(width, vocab, bias=False)
            torch.nn.init.normal_(self.head.weight, 0.0, std)
        self.register_buffer("positions", torch.arange(context), persistent=False)

    def forward(self, idx):
        x = _apply(self.drop, (self.wte(idx) + self.wpe(self.positions)).reshape(-1, self.wte.embedding_dim))
        for block in self.blocks:
            x = block(x)
        x = _apply(self.ln_f, x)
        return x @ self.wte.weight.t() if self.head is None else self.head(x)


class StepNorms(torch.nn.Module):
    """layers/step_normalizers.hpp: one normalizer per time step sharing step 0's parameters; a
    normalizer with running buffers (batch) keeps its own per step (Cooijmans et al. 2017)."""

    def __init__(self, spec, steps, features, gain):
        super().__init__()
        self.steps = torch.nn.ModuleList(spec.activation_norm((features,)) for _ in range(steps))
        first = self.steps[0]
        with torch.no_grad():
            if getattr(first, "weight", None) is not None:
                first.weight.fill_(gain)
        for step in self.steps[1:]:  # the same Parameter objects: gradients add up in step 0's
            for name, _ in list(step.named_parameters(recurse=False)):
                delattr(step, name)
                setattr(step, name, getattr(first, name))

    def forward(self, t, x):
        return self.steps[t](x)


class NormalizedLstm(torch.nn.Module):
    """layers/lstm.hpp with normalizers at Ba et al.'s sites, step by step:
    a_t = norm_ih_t(x_t W_ihᵀ) + b_ih + norm_hh_t(h_{t-1} W_hhᵀ) + b_hh; c_t = f c_{t-1} + i g;
    h_t = o tanh(norm_c_t(c_t)); gates i, f, g, o as torch.nn.LSTM, state from zero."""

    def __init__(self, spec, input_size, hidden, steps, gain):
        super().__init__()
        self.hidden = hidden
        self.weight_ih = torch.nn.Parameter(torch.empty(4 * hidden, input_size))
        self.weight_hh = torch.nn.Parameter(torch.empty(4 * hidden, hidden))
        self.bias_ih = torch.nn.Parameter(torch.empty(4 * hidden))
        self.bias_hh = torch.nn.Parameter(torch.empty(4 * hidden))
        self.norm_ih = StepNorms(spec, steps, 4 * hidden, gain)
        self.norm_hh = StepNorms(spec, steps, 4 * hidden, gain)
        self.norm_c = StepNorms(spec, steps, hidden, gain)

    def lstm_weights(self):
        return [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]

    def forward(self, x):  # x: (N, T, I) -> (N, T, H)
        N, T, _ = x.shape
        H = self.hidden
        # Every step's input projection at once, (N, T, 4H), split by unbind: its backward is one
        # stack, where T slices gx[:, t] would each scatter into a zero (N, T, 4H) tensor.
        gx = (x @ self.weight_ih.t()).unbind(1)
        h = x.new_zeros(N, H)
        c = x.new_zeros(N, H)
        outputs = []
        for t in range(T):
            a = self.norm_ih(t, gx[t]) + self.bias_ih + self.norm_hh(t, h @ self.weight_hh.t()) + self.bias_hh
            i, f, g, o = a.split(H, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(self.norm_c(t, c))
            outputs.append(h)
        return torch.stack(outputs, dim=1)


class Lstm(torch.nn.Module):
    """lstm:layers,hidden,embed: Embedding(V, embed) -> layers × LSTM(hidden) -> Linear(hidden, V);
    torch.nn.LSTM itself without a normalizer, NormalizedLstm with one. PyTorch's initialization
    (embedding normal(0, 1), the rest uniform(±1/√hidden)), as normlab's."""

    def __init__(self, spec, model_keys, context, vocab):
        super().__init__()
        layers, hidden, embed = int(model_keys["layers"]), int(model_keys["hidden"]), int(model_keys["embed"])
        normalized = spec.norm_entry["role"] == "activation" and spec.placement != "none"
        gain = 0.1 if normalized and spec.norm_entry.get("batch_statistics") else 1.0
        self.embedding = torch.nn.Embedding(vocab, embed)
        if normalized:
            self.lstm = torch.nn.ModuleList(NormalizedLstm(spec, embed if l == 0 else hidden, hidden, context, gain)
                                            for l in range(layers))
            bound = 1.0 / math.sqrt(hidden)
            with torch.no_grad():
                for layer in self.lstm:
                    for p in layer.lstm_weights():
                        p.uniform_(-bound, bound)
        else:
            self.lstm = torch.nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.head = torch.nn.Linear(hidden, vocab)  # PyTorch's Linear init is uniform(±1/√fan_in)

    def forward(self, idx):
        x = self.embedding(idx)
        if isinstance(self.lstm, torch.nn.LSTM):
            x, _ = self.lstm(x)
        else:
            for layer in self.lstm:
                x = layer(x)
        return self.head(x.reshape(-1, x.shape[-1]))


MODELS.update({"transformer": lambda spec, keys, shape, classes: Transformer(spec, keys, shape[0], classes),
               "lstm": lambda spec, keys, shape, classes: Lstm(spec, keys, shape[0], classes)})
MODEL_DEFAULTS.update({
    "transformer": {"layers": "4", "width": "128", "heads": "4", "mlp_ratio": "4", "dropout": "0",
                    "tie_weights": "true"},
    "lstm": {"layers": "1", "hidden": "128", "embed": "64"}})
