"""Which figures each preset gets. A results directory from any other configuration gets the
generic curves figure (and the activation distributions when layer statistics were recorded)."""
from . import batch_size, curves, distributions, family, init_sensitivity, ioffe, lr_stability, placement, running_stats

PRESET_FIGURES = {
    "quickstart": [curves.draw, distributions.draw],
    "ioffe2015": [ioffe.draw, curves.draw, distributions.draw],
    "wuhe2018": [batch_size.draw, curves.draw],
    "placement": [placement.draw, curves.draw],
    "lr_stability": [lr_stability.draw, curves.draw],
    "init_sensitivity": [init_sensitivity.draw, curves.draw],
    "running_stats": [running_stats.draw, curves.draw],
    "family": [family.draw, batch_size.draw, curves.draw],
}
USES_LAYER = {ioffe.draw, running_stats.draw, distributions.draw}


def figures_for(name):
    return PRESET_FIGURES.get(name, [curves.draw, distributions.draw])


def draw(results, out_dir, formats, layer=None):
    written = []
    for figure in figures_for(results.name):
        if figure in USES_LAYER:
            written += figure(results, out_dir, formats, layer=layer)
        else:
            written += figure(results, out_dir, formats)
    return written
