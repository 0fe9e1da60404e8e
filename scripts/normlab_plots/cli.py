"""The entry point's work: parse arguments, load and validate the results directory, draw the
figures its content calls for (and tables), report what was written. User-fixable problems exit 2 with one line."""
import argparse
import sys
from pathlib import Path

import normlab_registry

from . import load

FORMATS = ("pdf", "png")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="plot.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="figures, chosen by what the results directory holds (or by a `figures = [...]` list in its\n"
               "configuration, manifest.json \"config\"), each as .pdf and .png:\n"
               "  ioffe_figure1     MLP with sigmoid activations, norm varies, layer percentiles recorded\n"
               "  family            norm varies over 8 or more normalizer kinds\n"
               "  batch_size        norm (2+ kinds) and batch_size vary\n"
               "  placement         placement varies (pre/post)\n"
               "  lr_stability      lr varies (not only through the batch size), with norm or placement\n"
               "  init_sensitivity  init varies\n"
               "  depth             the model varies in depth (hidden layers) within a model kind\n"
               "  dropout           the model varies in its dropout rate\n"
               "  noniid            the training data order varies\n"
               "  syncbn            the number of data-parallel ranks varies with the normalizer\n"
               "  running_stats     running/batch statistics recorded, norm varies only in running-statistics settings\n"
               "  curves            always\n"
               "  distributions     layer mean/std/percentiles recorded (not with running_stats)\n"
               "--tables adds summary.md and summary.tex. Errors in the inputs: one line, exit status 2.\n"
               "See results/README.md for what each figure shows.",
        description="Draw the figures (and tables) of a normlab results directory. The figures follow from "
                    "what the directory contains (its varying keys and layer statistics), never from its name.")
    parser.add_argument("results", help="results directory written by `normlab run` (manifest.json, runs.csv, ...)")
    parser.add_argument("--out", help="where to write the figures (default: RESULTS/figures)")
    parser.add_argument("--format", default="pdf,png", help="comma-separated formats among pdf, png (default: pdf,png)")
    parser.add_argument("--tables", action="store_true",
                        help="also write the final metrics (mean ± 95%% CI over seeds) as Markdown and LaTeX tables")
    parser.add_argument("--normlab", help="the normlab executable whose registry (`normlab list --json`) gives the "
                                          "normalizers' order, colours and roles (default: $NORMLAB, then "
                                          "build/normlab in this checkout)")
    parser.add_argument("--layer", help="the layer (as named in layer_stats.csv) for the per-layer figures "
                                        "(default: each figure's choice)")
    parser.add_argument("--run", metavar="KEY=VALUE[,...]",
                        help="which run the one-run-per-normalizer figures (distributions) draw, e.g. "
                             "seed=1,placement=post (default: the smallest seed, pre-activation)")
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
        written = presets.draw(results, out_dir, formats, layer=args.layer, run_choice=args.run)
        if args.tables:
            written += tables.write(results, out_dir)
    except (load.ResultsError, normlab_registry.RegistryError) as error:
        print(f"plot.py: error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0
