"""The entry point's work: parse arguments, load and validate the results directory, draw the
preset's figures (and tables), report what was written. User-fixable problems exit 2 with one line."""
import argparse
import sys
from pathlib import Path

import normlab_registry

from . import load

FORMATS = ("pdf", "png")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="plot.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="figures by preset (each as .pdf and .png):\n"
               "  quickstart        curves, distributions\n"
               "  ioffe2015         ioffe_figure1, curves, distributions\n"
               "  wuhe2018          batch_size, curves\n"
               "  placement         placement, curves\n"
               "  lr_stability      lr_stability, curves\n"
               "  init_sensitivity  init_sensitivity, curves\n"
               "  running_stats     running_stats, curves\n"
               "  family            family, batch_size, curves\n"
               "  any other         curves (and distributions when layer statistics were recorded)\n"
               "--tables adds summary.md and summary.tex. Errors in the inputs: one line, exit status 2.\n"
               "See results/README.md for what each figure shows.",
        description="Draw the figures (and tables) of a normlab results directory. The preset that made "
                    "the results (manifest.json's \"name\") picks the figures; any other directory gets "
                    "the generic training-curves figure.")
    parser.add_argument("results", help="results directory written by `normlab run` (manifest.json, runs.csv, ...)")
    parser.add_argument("--out", help="where to write the figures (default: RESULTS/figures)")
    parser.add_argument("--format", default="pdf,png", help="comma-separated formats among pdf, png (default: pdf,png)")
    parser.add_argument("--tables", action="store_true",
                        help="also write the final metrics (mean ± 95%% CI over seeds) as Markdown and LaTeX tables")
    parser.add_argument("--normlab", help="the normlab executable whose registry (`normlab list --json`) gives the "
                                          "normalizers' order, colours and roles (default: $NORMLAB, then "
                                          "build/normlab in this checkout)")
    parser.add_argument("--layer", help="the layer (as named in layer_stats.csv) for the per-layer figures "
                                        "(default: the preset's choice)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        print(f"plot.py: error: --format {args.format!r}: allowed formats are {', '.join(FORMATS)}", file=sys.stderr)
        return 2
    normlab_registry.configure(args.normlab)
    try:
        normlab_registry.find_normlab()
        results = load.Results(args.results)
        note = results.incomplete_note()
        if note:
            print(f"plot.py: warning: {results.dir}: {note}", file=sys.stderr)
        out_dir = Path(args.out) if args.out else results.dir / "figures"
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise load.ResultsError(f"{out_dir}: cannot create the output directory ({error.strerror})")
        from . import presets, style, tables  # matplotlib is imported only once the inputs look sane
        style.apply_paper_style()
        written = presets.draw(results, out_dir, formats, layer=args.layer)
        if args.tables:
            written += tables.write(results, out_dir)
    except (load.ResultsError, normlab_registry.RegistryError) as error:
        print(f"plot.py: error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0
