"""Which figures each preset gets. A results directory from any other configuration gets the
generic curves figure (and the activation distributions when layer statistics were recorded)."""
import sys

from . import curves


def draw(results, out_dir, formats, layer=None):
    written = curves.draw(results, out_dir, formats)
    return written
