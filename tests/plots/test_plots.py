#!/usr/bin/python3
"""End-to-end test of scripts/plot.py, run by ctest (`ctest -R plots`):

1. Student's t quantiles and the init-scale parser against known values.
2. For every preset: on the output of its quick sweep (`normlab run CONFIG --quick`) when the preset
   exists, and always on a synthetic results directory in the same format (tests/plots/synthetic.py),
   plot.py --tables writes every expected figure as a valid PDF (header %PDF, embedded TrueType
   fonts: FontFile2 present, no /Type1 or /Type3 fonts) and PNG (signature, pHYs >= 200 dpi), and
   the tables.
3. A results directory with a missing or malformed manifest/CSV gives exit status 2 and a one-line
   error naming the file, never a traceback.

usage: test_plots.py --normlab PATH/TO/normlab --source SOURCE_DIR
"""
import argparse
import json
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import synthetic  # noqa: E402
import figure_fixes  # noqa: E402

FAILURES = []
NORMLAB = ""  # the normlab executable (--normlab), for plot.py to read the registry

# Figures each preset must produce (stems; each as .pdf and .png).
EXPECTED = {
    "quickstart": ["curves"],
    "ioffe2015": ["ioffe_figure1", "curves", "distributions"],
    "wuhe2018": ["batch_size", "curves"],
    "placement": ["placement", "curves"],
    "lr_stability": ["lr_stability", "curves"],
    "init_sensitivity": ["init_sensitivity", "curves"],
    "running_stats": ["running_stats", "curves"],
    "family": ["family", "batch_size", "curves"],
    "depth": ["depth", "curves", "distributions"],
    "dropout": ["dropout", "curves"],
    "noniid": ["noniid", "curves"],
    "santurkar2018": ["santurkar", "curves"],
    "generic": ["curves"],
}
SYNTHETIC_EXTRA = {"quickstart": ["distributions"], "generic": ["distributions"]}  # they record layer stats
TABLES = ["summary.md", "summary.tex"]


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print(f"FAIL: {message}")
    return condition


def check_pdf(path):
    data = path.read_bytes()
    ok = check(data.startswith(b"%PDF-"), f"{path}: does not start with %PDF")
    ok &= check(len(data) > 2000, f"{path}: suspiciously small ({len(data)} bytes)")
    ok &= check(b"/Type1" not in data, f"{path}: contains a Type 1 font (expected TrueType, pdf.fonttype 42)")
    ok &= check(b"/Type3" not in data, f"{path}: contains a Type 3 font (expected TrueType, pdf.fonttype 42)")
    ok &= check(b"/FontFile2" in data, f"{path}: no embedded TrueType font program (/FontFile2)")
    ok &= check(data.rstrip().endswith(b"%%EOF"), f"{path}: truncated (no %%EOF)")
    return ok


def png_dpi(data):
    """(x dpi, y dpi) from the pHYs chunk, or None."""
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind == b"pHYs":
            x, y, unit = struct.unpack(">IIB", data[position + 8:position + 17])
            return (x * 0.0254, y * 0.0254) if unit == 1 else None
        if kind == b"IEND":
            return None
        position += 12 + length
    return None


def check_png(path):
    data = path.read_bytes()
    ok = check(data.startswith(b"\x89PNG\r\n\x1a\n"), f"{path}: not a PNG (bad signature)")
    ok &= check(len(data) > 5000, f"{path}: suspiciously small ({len(data)} bytes)")
    dpi = png_dpi(data)
    ok &= check(dpi is not None and min(dpi) >= 200, f"{path}: resolution {dpi} dpi, expected >= 200 (pHYs)")
    width, height = struct.unpack(">II", data[16:24])
    # Paper widths: at most ~7.5 in wide (two columns plus a legend's overhang) at the recorded dpi.
    if dpi:
        ok &= check(width / dpi[0] <= 7.6, f"{path}: {width / dpi[0]:.1f} in wide, expected <= 7.6 in")
    return ok


def run_plot(results_dir, *extra):
    normlab = ["--normlab", NORMLAB] if NORMLAB else []
    return subprocess.run([sys.executable, str(PLOT), str(results_dir), *normlab, *extra], capture_output=True,
                          text=True, timeout=300)


def check_figures(name, results_dir, stems, formats=("pdf", "png")):
    result = run_plot(results_dir, "--tables", "--format", ",".join(formats))
    if not check(result.returncode == 0, f"{results_dir}: plot.py exited {result.returncode}: "
                                         f"{result.stderr.strip()[-2000:]}"):
        return
    check("Traceback" not in result.stderr, f"{results_dir}: plot.py printed a traceback")
    figures = results_dir / "figures"
    for stem in stems:
        for fmt, checker in (("pdf", check_pdf), ("png", check_png)):
            if fmt not in formats:
                continue
            path = figures / f"{stem}.{fmt}"
            if check(path.is_file(), f"{name}: expected {path}"):
                checker(path)
    for table in TABLES:
        path = figures / table
        if check(path.is_file() and path.stat().st_size > 50, f"{name}: expected a non-empty {path}"):
            text = path.read_text()
            check("±" in text or r"\pm" in text or "—" in text or "---" in text,
                  f"{path}: no mean ± CI cells")
    listed = {Path(line).name for line in result.stdout.split()}
    written = {p.name for p in figures.iterdir()}
    check(listed == written, f"{name}: plot.py listed {sorted(listed)} but wrote {sorted(written)}")
    print(f"ok: {name}: {len(written)} files in {figures}")


def check_stats():
    sys.path.insert(0, str(SOURCE / "scripts"))
    from normlab_plots import init_sensitivity, stats
    table = {1: 12.706204736, 2: 4.302652730, 3: 3.182446305, 4: 2.776445105, 5: 2.570581836,
             10: 2.228138852, 30: 2.042272456, 100: 1.983971519}  # t_{0.975, df}
    for df, expected in table.items():
        got = stats.t_quantile(0.975, df)
        check(abs(got - expected) < 1e-7 * expected, f"t_quantile(0.975, {df}) = {got}, expected {expected}")
    check(abs(stats.t_quantile(0.995, 3) - 5.840909309) < 1e-7, "t_quantile(0.995, 3)")
    check(abs(stats.t_quantile(0.025, 4) + 2.776445105) < 1e-7, "t_quantile(0.025, 4) (lower tail)")
    mean, half, n = stats.mean_ci([1.0, 2.0, 3.0, float("nan")])
    check(n == 3 and mean == 2.0 and abs(half - 4.302652730 / 3 ** 0.5) < 1e-8, f"mean_ci: {mean}, {half}, {n}")
    _, half, n = stats.mean_ci([5.0])
    check(n == 1 and half != half, "mean_ci of one value has no interval (NaN half-width)")
    for spec, scale in (("normal:std=0.1", 0.1), ("kaiming:scale=2", 2.0), ("xavier", 1.0),
                        ("uniform:scale=1e-2", 0.01)):
        check(init_sensitivity.init_scale(spec) == scale, f"init_scale({spec!r}) != {scale}")


def check_edge_cases(workdir):
    """Degenerate but valid sweeps draw without error: one run, every run diverged, no curve rows."""
    cases = {
        "single_run": ("quickstart", {"norm": ["batch"]}, ["curves", "distributions"]),
        "all_diverged": ("lr_stability", {"norm": ["none", "layer"], "lr": [3.0, 10.0], "seed": [0, 1]},
                         ["lr_stability", "curves"]),
        "init_all_diverged": ("init_sensitivity", {"norm": ["none"], "init": ["normal:std=10", "normal:std=100"]},
                              ["init_sensitivity", "curves"]),
        "batch_size_some_diverged": ("wuhe2018", {"norm": ["none", "batch"], "batch_size": [2, 4], "lr": [3.0],
                                                  "seed": [0, 1]}, ["batch_size", "curves"]),
        "placement_pre_only": ("placement", {"norm": ["batch", "none"], "placement": ["pre"], "seed": [0, 1]},
                               ["placement", "curves"]),
    }
    # Figures follow the content: a sweep whose placement does not vary gets no placement figure
    # unless its configuration asks for one (config "figures"), which this degenerate case tests.
    configured = {"placement_pre_only": ["placement", "curves"]}
    for label, (preset, axes, stems) in cases.items():
        directory = synthetic.make(workdir / f"edge_{label}", preset, axes)
        if label in configured:
            set_config_figures(directory, configured[label])
        check_figures(f"edge case {label}", directory, stems, formats=("png",))
    empty = synthetic.make(workdir / "edge_no_curve_rows", "quickstart", {"norm": ["batch", "none"]})
    (empty / "curves.csv").write_text("run_id,step,epoch,split,metric,value\n")
    check_figures("edge case no_curve_rows", empty, ["curves"], formats=("png",))


def check_errors(workdir, template):
    """Each broken copy of a good results directory must give exit 2 and one line naming the file."""
    def broken(label, mutate, expect_in_message):
        target = workdir / f"broken_{label}"
        shutil.copytree(template, target)
        shutil.rmtree(target / "figures", ignore_errors=True)
        mutate(target)
        result = run_plot(target)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        check(result.returncode == 2, f"{label}: exit status {result.returncode}, expected 2 ({result.stderr.strip()})")
        check("Traceback" not in result.stderr, f"{label}: traceback instead of an error line")
        check(len(lines) == 1, f"{label}: expected one error line, got {len(lines)}: {result.stderr.strip()[:500]}")
        check(expect_in_message in result.stderr, f"{label}: message does not name {expect_in_message!r}: "
                                                  f"{result.stderr.strip()}")

    def rewrite(name, edit):
        return lambda d: (d / name).write_text(edit((d / name).read_text()))

    broken("no_manifest", lambda d: (d / "manifest.json").unlink(), "manifest.json")
    broken("manifest_not_json", rewrite("manifest.json", lambda t: t[: len(t) // 2]), "manifest.json")
    broken("manifest_no_name", rewrite("manifest.json", lambda t: json.dumps({"config": {}})), "manifest.json")
    broken("no_runs", lambda d: (d / "runs.csv").unlink(), "runs.csv")
    broken("runs_empty", rewrite("runs.csv", lambda t: ""), "runs.csv")
    broken("runs_missing_column", rewrite("runs.csv", lambda t: t.replace("test_accuracy", "test_acc", 1)), "runs.csv")
    broken("runs_bad_status", rewrite("runs.csv", lambda t: t.replace(",ok,", ",okay,", 1)), "runs.csv")
    broken("runs_bad_number", rewrite("runs.csv", lambda t: t.replace(",200,", ",two hundred,", 1)), "runs.csv")
    broken("runs_ragged", rewrite("runs.csv", lambda t: t + "r9999,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z\n"),
           "runs.csv")
    broken("no_curves", lambda d: (d / "curves.csv").unlink(), "curves.csv")
    broken("curves_header_only", rewrite("curves.csv", lambda t: t.splitlines()[0].replace("value", "val") + "\n"),
           "curves.csv")
    broken("curves_bad_value", rewrite("curves.csv", lambda t: t.replace("\n", "\nr0000,7,0.07,train,loss,abc\n", 1)),
           "curves.csv")
    broken("curves_binary", lambda d: (d / "curves.csv").write_bytes(b"\xff\xfe\x00\x01garbage\x00"), "curves.csv")
    broken("not_a_dir", lambda d: shutil.rmtree(d), "broken_not_a_dir")
    result = run_plot(template, "--format", "svgz")
    check(result.returncode == 2 and "Traceback" not in result.stderr, "--format svgz: expected exit 2, one line")
    print("ok: error paths")


def set_config_figures(directory, figures):
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest.setdefault("config", {})["figures"] = figures
    (directory / "manifest.json").write_text(json.dumps(manifest))


def check_layer_stats_errors(workdir, template):
    target = workdir / "broken_ioffe_no_layer_stats"
    shutil.copytree(template, target)
    (target / "layer_stats.csv").unlink()
    result = run_plot(target)
    # Chosen by content, ioffe_figure1 is simply not drawn without layer statistics ...
    check(result.returncode == 0 and "ioffe_figure1.png" not in result.stdout,
          f"ioffe2015 without layer_stats.csv: exit {result.returncode}, expected 0 without ioffe_figure1")
    # ... but asked for by the configuration, its absence is an error naming the file.
    shutil.rmtree(target / "figures", ignore_errors=True)
    set_config_figures(target, ["ioffe_figure1", "curves"])
    result = run_plot(target)
    check(result.returncode == 2 and "layer_stats.csv" in result.stderr and "Traceback" not in result.stderr,
          f"ioffe2015 without layer_stats.csv: exit {result.returncode}: {result.stderr.strip()}")


def harness_available(normlab):
    if not normlab or not Path(normlab).is_file():
        return False
    probe = subprocess.run([normlab, "run", "--help"], capture_output=True, text=True, timeout=60)
    return probe.returncode == 0


def main():
    global PLOT, SOURCE, NORMLAB
    parser = argparse.ArgumentParser()
    parser.add_argument("--normlab", default="")
    parser.add_argument("--source", default=str(HERE.parents[1]))
    args = parser.parse_args()
    SOURCE = Path(args.source)
    PLOT = SOURCE / "scripts" / "plot.py"
    NORMLAB = args.normlab
    check_stats()
    with tempfile.TemporaryDirectory(prefix="normlab_plots_") as tmp:
        tmp = Path(tmp)
        have_harness = harness_available(args.normlab)
        dirs = synthetic.make_all(tmp / "synthetic")
        real = []
        for name in EXPECTED:
            config = SOURCE / "experiments" / "configs" / f"{name}.toml"
            if not config.is_file() or not have_harness:
                print(f"note: {name}: no quick sweep ({'no preset' if not config.is_file() else 'no `normlab run`'}); "
                      f"synthetic results only")
                continue
            real.append(name)
            out = tmp / "quick" / name
            sweep = subprocess.run([args.normlab, "run", str(config), "--quick", "--jobs", "2", "--out", str(out)],
                                   capture_output=True, text=True, timeout=600)
            if not check(sweep.returncode == 0, f"{name}: `normlab run --quick` exited {sweep.returncode}: "
                                                f"{sweep.stderr.strip()[-1000:]}"):
                continue
            check_figures(f"quick {name}", out, EXPECTED[name])
            # Figures come from the content, not the name: a renamed copy gets the same ones.
            renamed = tmp / "quick" / f"{name}_renamed"
            shutil.copytree(out, renamed)
            shutil.rmtree(renamed / "figures", ignore_errors=True)
            manifest = json.loads((renamed / "manifest.json").read_text())
            manifest["name"] = f"copy_of_{name}"
            (renamed / "manifest.json").write_text(json.dumps(manifest))
            check_figures(f"renamed quick {name}", renamed, EXPECTED[name], formats=("png",))
        # Synthetic results cover what quick sweeps rarely show (diverged and failed runs); to keep
        # the test short they are drawn only where no quick sweep ran, plus these three.
        for name, directory in dirs.items():
            if name not in real or name in ("quickstart", "lr_stability", "generic"):
                check_figures(f"synthetic {name}", directory, EXPECTED[name] + SYNTHETIC_EXTRA.get(name, []))
        check_edge_cases(tmp)
        (tmp / "fixes").mkdir()
        figure_fixes.run(SOURCE, NORMLAB, dirs, tmp / "fixes", check)
        print("ok: figure fixes")
        check_errors(tmp, dirs["quickstart"])
        check_layer_stats_errors(tmp, dirs["ioffe2015"])
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("all plot checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
