"""PyTorch references for normlab's normalizers that torch 1.13 has no module for.

Shared by scripts/make_fixtures.py (the parity fixtures) and scripts/compare_pytorch.py (the speed
comparison), so that both compare normlab with the same formulas. Each formula is a short autograd
implementation of the definition in issue 10 (and in the kind's `normlab list` doc): autograd gives
the gradients; running buffers are updated by hand as torch.nn.BatchNorm updates them.

Changing the arithmetic here changes the committed fixtures: after an edit, run
`/usr/bin/python3 scripts/make_fixtures.py` and check that `git status` shows no change under
tests/fixtures/ (or commit the new fixtures deliberately).

Two layers:
  formulas   plain functions of tensors (x, parameters, buffers, parsed spec keys);
  modules    FormulaNorm, an nn.Module around a formula with normlab's parameter and buffer names and
             defaults, and WeightStandardization, a parametrization; used where a whole model is built
             (compare_pytorch.py's training steps).
"""
import numpy as np
import torch


def parse_spec(spec):
    """'group:num_groups=8,eps=1e-4' -> ('group', {'num_groups': '8', 'eps': '1e-4'}), values as strings."""
    kind, _, rest = spec.partition(":")
    keys = dict(item.split("=") for item in rest.split(",")) if rest else {}
    return kind, keys


def boolean(keys, name, default):
    return {"true": True, "false": False}[keys.get(name, default)]


def channel_view(t, x):
    """A (C) tensor viewed to broadcast against x: (N, C, *spatial)."""
    return t.view((1, -1) + (1,) * (x.dim() - 2))


def update_running(buffers, name, batch_value, count, momentum):
    """BatchNorm's running update of buffers[name] with a biased batch statistic (variance when
    count is given: corrected to the unbiased one). num_batches_tracked counts first."""
    value = batch_value * count / (count - 1) if count else batch_value
    factor = momentum if momentum is not None else 1.0 / float(buffers["num_batches_tracked"])
    buffers[name] = (1 - factor) * buffers[name] + factor * value


def momentum_of(keys):
    """keys['momentum'] as normlab reads it: a float, or None for a cumulative average."""
    momentum = keys.get("momentum", "0.1")
    return None if momentum in (None, "none") else float(momentum)


# ----------------------------------------------------------------------------------------------
# family2 formulas: (x, parameters, buffers, keys, training) -> y; buffers updated in place.
# keys["momentum"] is already parsed (momentum_of).

def frn(x, p, buffers, keys, training):
    """y = max(weight·x/sqrt(ν² + eps) + bias, tau), ν² = mean of x² over the spatial dims."""
    eps = float(keys.get("eps", "1e-6"))
    nu2 = x.pow(2).mean(dim=tuple(range(2, x.dim())), keepdim=True) if x.dim() > 2 else x.pow(2)
    y = x * torch.rsqrt(nu2 + eps) * channel_view(p["weight"], x) + channel_view(p["bias"], x)
    return torch.max(y, channel_view(p["tau"], x)) if "tau" in p else y


def evonorm_b0(x, p, buffers, keys, training):
    """y = x / max(sqrt(var_B + eps), v·x + sqrt(var_I + eps)) · weight + bias."""
    eps = float(keys.get("eps", "1e-5"))
    spatial = tuple(range(2, x.dim()))
    if training:
        var_b = x.var(dim=(0,) + spatial, unbiased=False)
        with torch.no_grad():
            buffers["num_batches_tracked"] = buffers["num_batches_tracked"] + 1
            update_running(buffers, "running_var", var_b.detach(), x.numel() / x.shape[1], keys["momentum"])
    else:
        var_b = buffers["running_var"]
    left = channel_view((var_b + eps).sqrt(), x)
    right = x * channel_view(p["v"], x) + (x.var(dim=spatial, unbiased=False, keepdim=True) + eps).sqrt()
    return x / torch.max(left, right) * channel_view(p["weight"], x) + channel_view(p["bias"], x)


def evonorm_s0(x, p, buffers, keys, training):
    """y = x·sigmoid(v·x) / sqrt(var_G + eps) · weight + bias, var_G as nn.GroupNorm's."""
    eps, groups = float(keys.get("eps", "1e-5")), int(keys.get("num_groups", "32"))
    grouped = x.reshape(x.shape[0], groups, -1)
    std = (grouped.var(dim=2, unbiased=False, keepdim=True) + eps).sqrt()
    numerator = (x * torch.sigmoid(x * channel_view(p["v"], x))).reshape(grouped.shape)
    y = (numerator / std).reshape(x.shape)
    return y * channel_view(p["weight"], x) + channel_view(p["bias"], x)


def switchable(x, p, buffers, keys, training):
    """Softmax mixes of instance, layer and batch means and variances, as issue 10 defines them."""
    eps = float(keys.get("eps", "1e-5"))
    N, C = x.shape[:2]
    flat = x.reshape(N, C, -1)
    mean_in = flat.mean(-1, keepdim=True)
    var_in = flat.var(-1, unbiased=False, keepdim=True)
    second = var_in + mean_in ** 2
    mean_ln = mean_in.mean(1, keepdim=True)
    var_ln = second.mean(1, keepdim=True) - mean_ln ** 2
    if training:
        mean_bn = mean_in.mean(0, keepdim=True)
        var_bn = second.mean(0, keepdim=True) - mean_bn ** 2
        with torch.no_grad():
            buffers["num_batches_tracked"] = buffers["num_batches_tracked"] + 1
            update_running(buffers, "running_mean", mean_bn.detach().reshape(C), 0, keys["momentum"])
            update_running(buffers, "running_var", var_bn.detach().reshape(C), N * flat.shape[2], keys["momentum"])
    else:
        mean_bn = buffers["running_mean"].view(1, C, 1)
        var_bn = buffers["running_var"].view(1, C, 1)
    wm, wv = torch.softmax(p["mean_weight"], 0), torch.softmax(p["var_weight"], 0)
    mean = wm[0] * mean_in + wm[1] * mean_ln + wm[2] * mean_bn
    var = wv[0] * var_in + wv[1] * var_ln + wv[2] * var_bn
    y = ((flat - mean) / (var + eps).sqrt()).reshape(x.shape)
    return y * channel_view(p["weight"], x) + channel_view(p["bias"], x)


FAMILY2_FORMULAS = {"frn": frn, "evonorm_b0": evonorm_b0, "evonorm_s0": evonorm_s0, "switchable": switchable}


def family2_state(kind, keys, C):
    """normlab's parameters (name -> default, numpy) and buffers of a family2 kind."""
    ones, zeros = np.ones(C), np.zeros(C)
    params = {"weight": ones, "bias": zeros}
    buffers = {}
    if kind == "frn" and keys.get("tlu", "true") == "true":
        params["tau"] = zeros
    if kind in ("evonorm_b0", "evonorm_s0"):
        params["v"] = ones
    if kind == "evonorm_b0":
        buffers = {"running_var": ones, "num_batches_tracked": np.array(0.0)}
    if kind == "switchable":
        params.update({"mean_weight": np.ones(3), "var_weight": np.ones(3)})
        buffers = {"running_mean": zeros, "running_var": ones, "num_batches_tracked": np.array(0.0)}
    return params, buffers


# ----------------------------------------------------------------------------------------------
# family1 formulas (rms, batch_renorm, mean_only, weight_std). Spectral norm and ghost batch norm
# are PyTorch's own torch.nn.utils.spectral_norm and nn.BatchNorm on chunks, so they have none.

def rms_eps(keys, dtype):
    """rms's eps: none means the machine epsilon of the dtype, as torch.nn.RMSNorm (>= 2.4)."""
    eps = keys.get("eps", "none")
    return torch.finfo(dtype).eps if eps == "none" else float(eps)


def rms_norm(x, weight, eps):
    """torch.nn.RMSNorm(x.shape[1:]) of PyTorch >= 2.4 as a formula: x/sqrt(mean(x²) + eps)·weight."""
    dims = tuple(range(1, x.dim()))
    y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
    return y * weight if weight is not None else y


def running_factor(momentum, t):
    """BatchNorm's factor for the running update: momentum, or 1/(t + 1) (cumulative average) for
    momentum 'none', t the batches tracked before this one."""
    return 1.0 / (t + 1) if momentum == "none" else float(momentum)


def batch_renorm(x, weight, bias, running_mean, running_var, t, keys, training):
    """Batch Renormalization (Ioffe 2017) as normlab's `list` doc states it, r and d detached.
    t: num_batches_tracked before this batch (a float). Returns (y, updated buffers: {} in eval)."""
    eps = float(keys.get("eps", "1e-5"))
    momentum = keys.get("momentum", "0.1")
    rmax, dmax, warmup = float(keys.get("rmax", "3")), float(keys.get("dmax", "5")), int(keys.get("warmup", "0"))
    C = x.shape[1]
    view = lambda c: channel_view_copy(c, x)
    if not training:
        return view(weight) * (x - view(running_mean)) / view(torch.sqrt(running_var + eps)) + view(bias), {}
    dims = [0] + list(range(2, x.dim()))
    count = x.numel() // C
    mean_b, var_b = x.mean(dims), x.var(dims, unbiased=False)
    sigma_b = torch.sqrt(var_b + eps)
    sigma = torch.sqrt(running_var + eps)  # before this batch's update
    if t < warmup:
        rmax_t, dmax_t = 1.0, 0.0
    elif t < 2 * warmup:
        f = (t - warmup + 1) / warmup
        rmax_t, dmax_t = 1 + (rmax - 1) * f, dmax * f
    else:
        rmax_t, dmax_t = rmax, dmax
    r = torch.clamp(sigma_b.detach() / sigma, 1 / rmax_t, rmax_t)
    d = torch.clamp((mean_b.detach() - running_mean) / sigma, -dmax_t, dmax_t)
    y = view(weight) * ((x - view(mean_b)) / view(sigma_b) * view(r) + view(d)) + view(bias)
    factor = running_factor(momentum, t)
    with torch.no_grad():
        updated = {"running_mean": (1 - factor) * running_mean + factor * mean_b,
                   "running_var": (1 - factor) * running_var + factor * (var_b * count / (count - 1)),
                   "num_batches_tracked": torch.tensor(t + 1, dtype=x.dtype)}
    return y, updated


def mean_only(x, bias, running_mean, t, keys, training):
    """Mean-only batch norm (Salimans & Kingma 2016): y = x - μ_B + bias, running_mean in evaluation.
    t: num_batches_tracked before this batch. Returns (y, updated buffers: {} in eval)."""
    updated = {}
    if training:
        mean_b = x.mean([0] + list(range(2, x.dim())))
        y = x - channel_view_copy(mean_b, x)
        factor = running_factor(keys.get("momentum", "0.1"), t)
        with torch.no_grad():
            updated["running_mean"] = (1 - factor) * running_mean + factor * mean_b
            updated["num_batches_tracked"] = torch.tensor(t + 1, dtype=x.dtype)
    else:
        y = x - channel_view_copy(running_mean, x)
    if bias is not None:
        y = y + channel_view_copy(bias, x)
    return y, updated


def weight_std(w, eps):
    """timm's StdConv2d standardization of a weight (out, *in), per output row, biased variance."""
    dims = tuple(range(1, w.dim()))
    return (w - w.mean(dims, keepdim=True)) / torch.sqrt(w.var(dims, unbiased=False, keepdim=True) + eps)


def channel_view_copy(t, x):
    """channel_view for tensors that may not be contiguous (reshape instead of view)."""
    return t.reshape((1, -1) + (1,) * (x.dim() - 2))


# ----------------------------------------------------------------------------------------------
# Modules, for building models around the formulas.

class FormulaNorm(torch.nn.Module):
    """A formula of this module as an activation normalizer layer: parameters and buffers named and
    initialized as normlab's (weight, bias, tau, v, ...; running_var, num_batches_tracked, ...).

    includes_activation: the formula ends in its own nonlinearity (FRN's TLU, EvoNorm), so a model
    adds no activation after it, as normlab's model builder does."""

    def __init__(self, kind, spec_keys, shape):
        super().__init__()
        self.kind, self.keys = kind, dict(spec_keys)
        C = shape[1]
        if kind in FAMILY2_FORMULAS:
            self.keys["momentum"] = momentum_of(self.keys)
            params, buffers = family2_state(kind, self.keys, C)
            # EvoNorm ends in its own max / sigmoid, FRN in its TLU (tau) when tlu=true; switchable does not.
            self.includes_activation = kind in ("evonorm_b0", "evonorm_s0") or "tau" in params
        else:
            params, buffers = family1_state(kind, self.keys, shape)
            self.includes_activation = False
        for name, value in params.items():
            self.register_parameter(name, torch.nn.Parameter(torch.tensor(value, dtype=torch.float32)))
        for name, value in buffers.items():
            self.register_buffer(name, torch.tensor(value, dtype=torch.float32))

    def forward(self, x):
        p = dict(self.named_parameters(recurse=False))
        buffers = dict(self.named_buffers(recurse=False))
        if self.kind in FAMILY2_FORMULAS:
            y = FAMILY2_FORMULAS[self.kind](x, p, buffers, self.keys, self.training)
        elif self.kind == "rms":
            y = rms_norm(x, p.get("weight"), rms_eps(self.keys, x.dtype))
        else:
            t = float(buffers["num_batches_tracked"])
            if self.kind == "batch_renorm":
                y, updated = batch_renorm(x, p["weight"], p["bias"], buffers["running_mean"], buffers["running_var"],
                                          t, self.keys, self.training)
            elif self.kind == "mean_only":
                y, updated = mean_only(x, p.get("bias"), buffers["running_mean"], t, self.keys, self.training)
            else:
                raise ValueError(self.kind)
            buffers.update(updated)
        with torch.no_grad():  # the formulas return updated buffers; keep them
            for name, value in buffers.items():
                getattr(self, name).copy_(value)
        return y


def family1_state(kind, keys, shape):
    """normlab's parameters and buffers (name -> numpy default) of rms, batch_renorm, mean_only."""
    C = shape[1]
    ones, zeros = np.ones(C), np.zeros(C)
    if kind == "rms":
        return ({"weight": np.ones(shape[1:])} if boolean(keys, "elementwise_affine", "true") else {}), {}
    if kind == "batch_renorm":
        return ({"weight": ones, "bias": zeros},
                {"running_mean": zeros, "running_var": ones, "num_batches_tracked": np.array(0.0)})
    if kind == "mean_only":
        return ({"bias": zeros} if boolean(keys, "affine", "true") else {},
                {"running_mean": zeros, "num_batches_tracked": np.array(0.0)})
    raise ValueError(kind)


class WeightStandardization(torch.nn.Module):
    """weight_std as a torch.nn.utils.parametrize parametrization: the layer computes its weight
    as weight_std(raw weight) at every forward, as normlab's LayerWeight does."""

    def __init__(self, eps):
        super().__init__()
        self.eps = eps

    def forward(self, w):
        return weight_std(w, self.eps)
