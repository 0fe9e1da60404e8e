"""The look shared by every figure: paper sizes, embedded TrueType fonts, and one fixed colour and
marker per normalizer kind (from the kind's place in normlab's registry), the same in every figure."""
import colorsys

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import normlab_registry  # noqa: E402  (scripts/, on sys.path through plot.py)

ONE_COLUMN_IN = 3.3  # figure widths that fit a two-column paper
TWO_COLUMN_IN = 6.9
PNG_DPI = 300

# One colour and marker per normalizer kind, by the kind's position in normlab's registry
# (normlab_registry.py): Okabe & Ito's (2008) colour-blind-safe colours first (yellow left out: it
# vanishes on white paper), then Tol's muted scheme. The identity baseline is always black.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#117733",
           "#332288", "#999933", "#AA4499", "#44AA99", "#661100", "#88CCEE", "#DDCC77", "#6699CC"]
MARKERS = ["o", "s", "^", "D", "v", "<", ">", "p", "*", "h", "H", "X", "d", "8", "P", "1"]
BASELINE_COLOUR = "#000000"
BASELINE_MARKER = "P"
OTHER_COLOUR = "#777777"  # for kinds this normlab's registry does not know (results of another version)
OTHER_MARKER = "x"
DIVERGED_MARKER = "x"     # where a diverged run's curve ends, or a diverged cell/point
LINESTYLES = ["-", "--", ":", "-."]


def apply_paper_style():
    """rcParams for paper figures: TrueType (Type 42) fonts in PDF, small type, light grids."""
    plt.rcdefaults()
    plt.rcParams.update({
        "pdf.fonttype": 42,  # embed TrueType, not Type 3: editable text, accepted by publishers
        "ps.fonttype": 42,
        "font.family": "DejaVu Sans",
        "font.size": 8,
        "axes.titlesize": 8,
        "axes.labelsize": 8,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "legend.fontsize": 7,
        "legend.frameon": False,
        "lines.linewidth": 1.2,
        "lines.markersize": 4,
        "axes.grid": True,
        "grid.linewidth": 0.4,
        "grid.alpha": 0.4,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "savefig.bbox": "tight",
        "savefig.pad_inches": 0.02,
        "figure.dpi": 100,
    })


def norm_kind(spec):
    """The normalizer kind of a spec string: 'group:num_groups=8' -> 'group'."""
    return normlab_registry.kind_of(spec)


def norm_label(spec):
    """A compact legend label: 'group:num_groups=8' -> 'group (num_groups=8)'."""
    text = str(spec)
    if ":" not in text:
        return text
    kind, keys = text.split(":", 1)
    return f"{kind} ({keys.replace(',', ', ')})"


def _look_table():
    """{kind: (colour, marker)} from the registry's order; the identity role gets the baseline's look."""
    table, index = {}, 0
    for entry in normlab_registry.normalizers():
        if entry["role"] == "identity":
            table[entry["kind"]] = (BASELINE_COLOUR, BASELINE_MARKER)
        else:
            table[entry["kind"]] = (PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)])
            index += 1
    return table


def kind_colour(kind):
    return _look_table().get(kind, (OTHER_COLOUR, OTHER_MARKER))[0]


def kind_marker(kind):
    return _look_table().get(kind, (OTHER_COLOUR, OTHER_MARKER))[1]


def kind_sort_key(spec):
    """Sort normalizer specs in the registry's kind order, then by spec text."""
    order = [entry["kind"] for entry in normlab_registry.normalizers()]
    kind = norm_kind(spec)
    position = order.index(kind) if kind in order else len(order)
    return (position, str(spec))


def kind_role(kind):
    """The registry role of a kind ('activation', 'weight', 'identity'), or None if unknown."""
    entry = normlab_registry.normalizer(kind)
    return entry["role"] if entry else None


def uses_running_batch_statistics(kind):
    """A kind that normalizes with batch statistics and keeps running estimates of them (the ones
    whose layer statistics include batch_mean/batch_var and running_mean/running_var)."""
    entry = normlab_registry.normalizer(kind)
    return bool(entry and entry["batch_statistics"] and entry["running_buffers"])


def shade(colour, index, count):
    """The index-th of `count` shades of one kind's colour (darkest first), to tell apart variants
    of one kind (e.g. batch norm momenta) while keeping the kind's hue."""
    if count <= 1:
        return colour
    r, g, b = mcolors.to_rgb(colour)
    h, l, s = colorsys.rgb_to_hls(r, g, b)
    lo, hi = max(0.0, l - 0.18), min(0.85, l + 0.25)
    if colour == BASELINE_COLOUR:
        lo, hi = 0.0, 0.6  # black has no darker shade
    lightness = lo + (hi - lo) * index / (count - 1)
    return colorsys.hls_to_rgb(h, lightness, s)


def save(fig, out_dir, stem, formats):
    """Writes fig as out_dir/stem.<fmt> for each format; returns the paths written."""
    paths = []
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        fig.savefig(path, format=fmt, dpi=PNG_DPI if fmt == "png" else None,
                    metadata={"Creator": "normlab scripts/plot.py"} if fmt == "pdf" else None)
        paths.append(path)
    plt.close(fig)
    return paths
