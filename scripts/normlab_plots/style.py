"""The look shared by every figure: paper sizes, embedded TrueType fonts, and one fixed colour and
marker per normalizer kind (the Okabe-Ito colour-blind-safe palette), the same in every figure."""
import colorsys

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

ONE_COLUMN_IN = 3.3  # figure widths that fit a two-column paper
TWO_COLUMN_IN = 6.9
PNG_DPI = 300

# Okabe & Ito (2008) colours; yellow is left out because it vanishes on white paper.
KIND_COLOURS = {
    "batch": "#0072B2",     # blue
    "layer": "#D55E00",     # vermillion
    "instance": "#009E73",  # bluish green
    "group": "#CC79A7",     # reddish purple
    "weight": "#E69F00",    # orange
    "none": "#000000",      # black: the baseline
}
KIND_MARKERS = {"batch": "o", "layer": "s", "instance": "^", "group": "D", "weight": "v", "none": "P"}
KIND_ORDER = ["batch", "layer", "instance", "group", "weight", "none"]
OTHER_COLOUR = "#56B4E9"  # sky blue, for kinds this module does not know
OTHER_MARKER = "h"
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
    return str(spec).split(":", 1)[0].strip()


def norm_label(spec):
    """A compact legend label: 'group:num_groups=8' -> 'group (num_groups=8)'."""
    text = str(spec)
    if ":" not in text:
        return text
    kind, keys = text.split(":", 1)
    return f"{kind} ({keys.replace(',', ', ')})"


def kind_colour(kind):
    return KIND_COLOURS.get(kind, OTHER_COLOUR)


def kind_marker(kind):
    return KIND_MARKERS.get(kind, OTHER_MARKER)


def kind_sort_key(spec):
    """Sort normalizer specs in the fixed kind order, then by spec text."""
    kind = norm_kind(spec)
    position = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return (position, str(spec))


def shade(colour, index, count):
    """The index-th of `count` shades of one kind's colour (darkest first), to tell apart variants
    of one kind (e.g. batch norm momenta) while keeping the kind's hue."""
    if count <= 1:
        return colour
    r, g, b = mcolors.to_rgb(colour)
    h, l, s = colorsys.rgb_to_hls(r, g, b)
    lo, hi = max(0.0, l - 0.18), min(0.85, l + 0.25)
    if colour == KIND_COLOURS["none"]:
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
