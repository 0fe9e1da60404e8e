#!/usr/bin/python3
"""Figures and tables for papers from a normlab results directory.

    scripts/plot.py RESULTS_DIR [--out DIR] [--format pdf,png] [--tables] [--layer NAME]

Reads RESULTS_DIR/manifest.json to learn which preset made the results and draws that preset's
figures into RESULTS_DIR/figures/ (any other sweep gets the generic training-curves figure). Run it
with Debian's /usr/bin/python3 (matplotlib, numpy, pandas). The work is in scripts/normlab_plots/.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    import matplotlib  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
except ImportError as error:
    print(f"plot.py: error: {error.name} is not installed for {sys.executable}; run with Debian's "
          f"/usr/bin/python3 (python3-matplotlib, python3-numpy, python3-pandas)", file=sys.stderr)
    sys.exit(2)

from normlab_plots.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
