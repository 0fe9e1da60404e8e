"""How a group of runs is drawn: colour and marker from its normalizer kind (fixed across all
figures), a shade of that colour for variants of one kind (e.g. batch:momentum=0.1 vs =none), and a
line style for the other sweep keys."""
from dataclasses import dataclass

from . import style


@dataclass
class Look:
    colour: object
    marker: str
    linestyle: str
    label: str


def describe(key, value):
    """'placement', 'pre' -> 'placement=pre'; numbers without trailing zeros."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{key}={value}"


def _spec_parts(value):
    kind, _, rest = str(value).partition(":")
    return kind, [item for item in rest.split(",") if item]


def short_specs(values):
    """{value: label} for spec strings of one sweep key, keeping only what tells them apart: the
    items (key=value) that every spec shares are left out, and the kind too when all share it
    ('mlp:widths=128x128,dropout=0.2' and 'mlp:widths=128x128,dropout=0' -> 'dropout=0.2' and
    'dropout=0'), so that legends of model sweeps stay within the figure's width."""
    texts = [str(v) for v in values]
    if len(texts) < 2 or not all(":" in t for t in texts):
        return {v: str(v) for v in values}
    parts = [_spec_parts(t) for t in texts]
    same_kind = len({kind for kind, _ in parts}) == 1
    common = set.intersection(*(set(items) for _, items in parts))
    out = {}
    for value, (kind, items) in zip(values, parts):
        kept = [item for item in items if item not in common]
        text = ",".join(kept) if same_kind else kind + (":" + ",".join(kept) if kept else "")
        out[value] = text or kind
    return out


def looks(keys, group_values, default_norm):
    """{values tuple: Look} for groups over `keys`. default_norm is the normalizer of all runs when
    norm is not a key."""
    other_keys = [k for k in keys if k != "norm"]

    def norm_of(values):
        return values[keys.index("norm")] if "norm" in keys else default_norm

    def others_of(values):
        return tuple(values[keys.index(k)] for k in other_keys)

    variants = {}  # kind -> distinct specs of that kind, in order
    for values in group_values:
        spec = norm_of(values)
        variants.setdefault(style.norm_kind(spec), [])
        if spec not in variants[style.norm_kind(spec)]:
            variants[style.norm_kind(spec)].append(spec)
    other_combos = []
    for values in group_values:
        if others_of(values) not in other_combos:
            other_combos.append(others_of(values))

    shorter = {k: short_specs(list(dict.fromkeys(v[keys.index(k)] for v in group_values))) for k in other_keys}
    out = {}
    for values in group_values:
        spec = norm_of(values)
        kind = style.norm_kind(spec)
        specs = variants[kind]
        colour = style.shade(style.kind_colour(kind), specs.index(spec), len(specs))
        linestyle = style.LINESTYLES[other_combos.index(others_of(values)) % len(style.LINESTYLES)]
        parts = [style.norm_label(spec)] if ("norm" in keys or not other_keys) else []
        parts += [describe(k, shorter[k].get(v, v)) for k, v in zip(other_keys, others_of(values))]
        out[values] = Look(colour, style.kind_marker(kind), linestyle, ", ".join(parts))
    return out


def status_note(counts):
    """' (1/3 diverged)' style suffix for a legend label; empty when every run finished."""
    total = sum(counts.values())
    parts = [f"{counts[s]}/{total} {s}" for s in ("diverged", "failed") if counts.get(s)]
    return f" ({', '.join(parts)})" if parts else ""
