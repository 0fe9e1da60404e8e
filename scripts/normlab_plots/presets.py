"""Which figures a results directory gets: chosen by what it contains, never by the sweep's name,
so that a renamed copy of a preset keeps its figures. A `figures = [...]` list in the configuration
(manifest.json "config" -> "figures") overrides the choice.

Rules (every applicable figure is drawn, in this order):
  ioffe_figure1     the model is an MLP with sigmoid activations, norm varies, and layer_stats.csv
                    has the 15/50/85th percentiles
  family            norm varies over at least FAMILY_MIN_KINDS normalizer kinds
  batch_size        norm (at least two normalizer kinds) and batch_size both vary
  placement         placement varies (over at least two of pre/post; `n/a` does not count)
  lr_stability      lr varies (a key of its own, not set by the batch size) and norm or placement varies
  init_sensitivity  init varies
  depth             model varies, and some model kind appears at two or more depths (hidden layers)
  dropout           model varies in its dropout rate (model key dropout)
  noniid            the training data order (order) varies
  syncbn            the number of data-parallel ranks (ranks) varies with the normalizer
  running_stats     layer_stats.csv has running_mean/running_var (with batch_mean/batch_var) and the
                    normalizers vary only in their running-statistics settings (e.g. batch norm momentum)
  santurkar         probes.csv has landscape, predictiveness or ics records (Santurkar et al. 2018)
  curves            always
  distributions     layer_stats.csv has the mean, std and 15/50/85th percentiles (except for a
                    running-statistics sweep, whose layer statistics running_stats draws)
"""
import re

from . import batch_size, curves, depth, distributions, dropout, family, init_sensitivity, ioffe, lr_stability
from . import model_specs, noniid, placement, running_stats, santurkar, style, syncbn
from .load import ResultsError

FIGURES = {  # stem -> (draw, takes the layer / run choice)
    "ioffe_figure1": (ioffe.draw, True),
    "family": (family.draw, False),
    "batch_size": (batch_size.draw, False),
    "placement": (placement.draw, False),
    "lr_stability": (lr_stability.draw, False),
    "init_sensitivity": (init_sensitivity.draw, False),
    "depth": (depth.draw, False),
    "dropout": (dropout.draw, False),
    "noniid": (noniid.draw, False),
    "syncbn": (syncbn.draw, False),
    "running_stats": (running_stats.draw, True),
    "santurkar": (santurkar.draw, False),
    "curves": (curves.draw, False),
    "distributions": (distributions.draw, True),
}
FAMILY_MIN_KINDS = 8
LR_MIN_VALUES = 2  # the quick lr_stability sweep has two learning rates and keeps its heatmap


def _values(results, key):
    if key not in results.runs.columns:
        return []
    return [v for v in results.runs[key].dropna().unique().tolist() if str(v).lower() != "n/a"]


def _stats(results):
    if not results.has_layer_stats():
        return set()
    try:
        return set(results.layer_stats["stat"].unique())
    except ResultsError:
        return set()


def chosen_figures(results):
    """Figure stems for this results directory, in drawing order."""
    configured = (results.manifest.get("config") or {}).get("figures")
    if configured is not None:
        if isinstance(configured, str):
            configured = [configured]
        if not isinstance(configured, list) or not all(isinstance(f, str) for f in configured):
            raise ResultsError(f"{results.dir / 'manifest.json'}: config \"figures\" must be a list of names")
        unknown = [f for f in configured if f not in FIGURES]
        if unknown:
            raise ResultsError(f"{results.dir / 'manifest.json'}: config \"figures\": unknown figure(s) "
                               f"{', '.join(unknown)}; known: {', '.join(FIGURES)}")
        return list(dict.fromkeys(configured))
    keys = results.varying_keys()
    stats = _stats(results)
    norms = _values(results, "norm")
    kinds = {style.norm_kind(n) for n in norms}
    norm_varies = "norm" in keys
    models = [str(m) for m in _values(results, "model")]
    chosen = []
    percentiles = {"p15", "p50", "p85"} <= stats
    if (norm_varies and percentiles and models
            and all(m.startswith("mlp") and re.search(r"act=sigmoid", m) for m in models)):
        chosen.append("ioffe_figure1")
    if norm_varies and len(kinds) >= FAMILY_MIN_KINDS:
        chosen.append("family")
    if norm_varies and len(kinds) >= 2 and len(_values(results, "batch_size")) >= 2 and "batch_size" in keys:
        chosen.append("batch_size")
    if len({str(p).lower() for p in _values(results, "placement")} & {"pre", "post"}) >= 2:
        chosen.append("placement")
    # With one normalizer, a placement sweep over rates (Pre- vs Post-LN, Xiong et al. 2020) too.
    if (norm_varies or "placement" in keys) and "lr" in keys and len(_values(results, "lr")) >= LR_MIN_VALUES:
        chosen.append("lr_stability")
    if "init" in keys:
        chosen.append("init_sensitivity")
    if "model" in keys and model_specs.depth_varies(models):
        chosen.append("depth")
    if "model" in keys and model_specs.dropout_varies(models):
        chosen.append("dropout")
    if "order" in keys:
        chosen.append("noniid")
    if "ranks" in keys and norm_varies:
        chosen.append("syncbn")
    running = {"running_mean", "running_var", "batch_mean", "batch_var"} <= stats
    if running and norm_varies and len(kinds) == 1 and style.uses_running_batch_statistics(next(iter(kinds))):
        chosen.append("running_stats")
    if santurkar.applies(results):
        chosen.append("santurkar")
    chosen.append("curves")
    if {"mean", "std"} | {"p15", "p50", "p85"} <= stats and "running_stats" not in chosen:
        chosen.append("distributions")
    return chosen


def draw(results, out_dir, formats, layer=None, run_choice=None):
    written = []
    for stem in chosen_figures(results):
        figure, per_layer = FIGURES[stem]
        if stem == "distributions":
            written += figure(results, out_dir, formats, layer=layer, choice=run_choice)
        elif per_layer:
            written += figure(results, out_dir, formats, layer=layer)
        else:
            written += figure(results, out_dir, formats)
    return written
