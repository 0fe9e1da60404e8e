// normlab lr-range: Smith's learning-rate range test (experiments/train/lr_range.hpp) for every
// run of a sweep, or its first N: the loss per step as the rate rises geometrically, and per run
// the largest rate at which the smoothed loss still falls and the rate at which it diverges.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/cli/sweep_setup.hpp"
#include "experiments/data/make_dataset.hpp"
#include "experiments/harness/config_value.hpp"
#include "experiments/harness/csv.hpp"
#include "experiments/train/lr_range.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/io.hpp"

namespace normlab::cli {

namespace {

std::string summary_path(const std::string& out) {
  const std::string stem =
      out.size() > 4 && out.compare(out.size() - 4, 4, ".csv") == 0 ? out.substr(0, out.size() - 4) : out;
  return stem + "_summary.csv";
}

// A finished file is the user's: refused before anything is computed (exit 2).
void check_fresh(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    throw InputError(path + " exists; normlab lr-range never overwrites a file: give another --out");
}

void write_fresh(const std::string& path, const std::string& text) {
  if (!write_new_file_atomically(path, text))
    throw std::runtime_error(
        path + " appeared while the test ran; it was left as it is and nothing was written there");
}

}  // namespace

int lr_range_command(int argc, char** argv, int first) {
  Args args(
      "lr-range",
      "Smith's (2017) learning-rate range test for each run of a sweep: a fresh model trains for --steps\n"
      "steps while the learning rate rises geometrically from --min-lr to --max-lr (the run's optimizer,\n"
      "batches and seed; its lr and schedule are replaced). Writes the loss per step (run_id, label, step,\n"
      "lr, loss, smoothed_loss) to --out and per run, to <out>_summary.csv and the terminal, the largest lr\n"
      "at which the smoothed loss still decreases (its minimum) and the lr at which it diverges (a\n"
      "non-finite loss or a smoothed loss above 4x its minimum; the test stops there).");
  args.positional("CONFIG", "sweep configuration (TOML), e.g. experiments/configs/lr_stability.toml")
      .repeated("set", "KEY=VALUE", "override a key, as in normlab run")
      .flag("quick", "apply the configuration's [quick] table")
      .option("runs", "N", "test only the first N runs of the sweep (0 = all)", "0")
      .option("min-lr", "LR", "the first step's learning rate", "1e-05")
      .option("max-lr", "LR", "the last step's learning rate", "10")
      .option("steps", "N", "steps of each test (>= 2)", "100")
      .option("smoothing", "BETA", "beta of the bias-corrected moving average of the loss, in [0, 1)", "0.9")
      .option("out", "FILE",
              "the per-step CSV (default runs/<name>-lr-range.csv); never overwritten: an existing "
              "file (or its _summary.csv) is refused")
      .epilog(
          "Exit status: 0 when every test ran, 1 on a runtime failure, 2 for a usage or configuration error\n"
          "(an existing output file included).");
  if (!args.parse(argc, argv, first)) return 0;

  LrRangeOptions options;
  options.min_lr = parse_double("--min-lr", args.get("min-lr"));
  options.max_lr = parse_double("--max-lr", args.get("max-lr"));
  options.steps = std::size_t(parse_long("--steps", args.get("steps"), 2));
  options.smoothing = parse_double("--smoothing", args.get("smoothing"));
  check_lr_range_options(options);
  const std::size_t limit = std::size_t(parse_long("--runs", args.get("runs"), 0));

  const CheckedSweep sweep = load_checked_sweep(args);
  const std::string out =
      args.has("out") ? args.get("out")
                      : "runs/" + sweep.config.name + (sweep.config.quick ? "-quick" : "") + "-lr-range.csv";
  if (out.empty()) throw InputError("--out: an empty path; give a file, e.g. --out lr-range.csv");
  check_fresh(out);
  check_fresh(summary_path(out));
  const std::filesystem::path parent = std::filesystem::path(out).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw InputError("--out " + out + ": cannot create " + parent.string() + ": " + ec.message());
  }

  std::string steps_csv = csv_row({"run_id", "label", "step", "lr", "loss", "smoothed_loss"});
  std::string summary = csv_row({"run_id", "label", "lr_max_decreasing", "lr_diverged", "diverged_step",
                                 "min_smoothed_loss", "steps_done"});
  const std::size_t count = limit == 0 ? sweep.plan.runs.size() : std::min(limit, sweep.plan.runs.size());
  std::cout << fmt::format("{:<40} {:>18} {:>12}\n", "run", "lr_max_decreasing", "lr_diverged");
  for (std::size_t r = 0; r < count; ++r) {
    const RunConfig& run = sweep.plan.runs[r];
    const Dataset data = make_dataset(run.data, run.train.seed);
    // The model `normlab run` would train, in the run's dtype.
    const auto test_as = [&](auto zero) {
      using T = decltype(zero);
      Rng init_rng = Rng::stream(run.train.seed, "init");
      Model<T> model = build_model<T>(run.model, data.sample_shape, data.num_classes, init_rng);
      return lr_range_test(model, data, run.train, options);
    };
    const LrRangeResult result = run.dtype == "float64" ? test_as(0.0) : test_as(0.0f);
    for (const LrRangePoint& p : result.points)
      steps_csv += csv_row({run.id, run.label, std::to_string(p.step), shortest_number(p.lr),
                            shortest_number(p.loss), shortest_number(p.smoothed_loss)});
    const bool diverged = result.diverged_step > 0;
    summary += csv_row({run.id, run.label, shortest_number(result.lr_max_decreasing),
                        diverged ? shortest_number(result.lr_diverged) : "",
                        diverged ? std::to_string(result.diverged_step) : "",
                        shortest_number(result.min_smoothed_loss), std::to_string(result.points.size())});
    std::cout << fmt::format("{:<40} {:>18.4g} {:>12}\n", run.label, result.lr_max_decreasing,
                             diverged ? fmt::format("{:.4g}", result.lr_diverged) : "none");
  }
  write_fresh(out, steps_csv);
  write_fresh(summary_path(out), summary);
  std::cout << "wrote " << out << " and " << summary_path(out) << "\n";
  return 0;
}

}  // namespace normlab::cli
