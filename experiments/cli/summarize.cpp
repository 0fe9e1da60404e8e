// normlab summarize: the final metric of a sweep grouped by configuration keys, mean ± 95% CI.
#include <iostream>

#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/harness/csv.hpp"
#include "experiments/harness/directory_lock.hpp"
#include "experiments/harness/manifest.hpp"
#include "experiments/harness/manifest_reader.hpp"
#include "experiments/harness/summary_table.hpp"
#include "norms/core/errors.hpp"

namespace normlab::cli {

int summarize_command(int argc, char** argv, int first) {
  Args args("summarize", "Prints a table of a sweep's final metric grouped by configuration keys: mean ± the\n"
                         "half-width of the 95% confidence interval over the group's runs (Student's t), n, and\n"
                         "the diverged and failed runs, which are left out of the mean and marked with †.");
  args.positional("DIR", "results directory of normlab run (holds runs.csv)")
      .option("by", "KEY,...", "group by these configuration columns (default: every column that varies, except seed)")
      .option("metric", "NAME", "train_loss, train_accuracy, test_loss, test_accuracy, steps_done or wall_seconds",
              "test_accuracy")
      .option("format", "FORMAT", "md, latex or csv", "md");
  if (!args.parse(argc, argv, first)) return 0;

  SummaryOptions options;
  options.metric = args.get("metric");
  options.format = args.get("format");
  if (options.format != "md" && options.format != "latex" && options.format != "csv")
    throw InputError("--format: '" + options.format + "' is not a format; valid: md, latex, csv");
  if (args.has("by")) {
    std::string by = args.get("by");
    for (std::size_t start = 0; start <= by.size();) {
      std::size_t comma = by.find(',', start);
      if (comma == std::string::npos) comma = by.size();
      if (comma > start) options.by.push_back(by.substr(start, comma - start));
      start = comma + 1;
    }
  }
  // A sweep still running, or killed, has a partial view: say so, and report what is there.
  const std::string dir = args.get("DIR");
  const std::string note = incomplete_note(read_manifest_summary(dir + "/manifest.json"), directory_locked(dir));
  if (!note.empty()) std::cerr << "normlab summarize: " << dir << ": " << note << "\n";
  const std::string file = dir + "/runs.csv";
  const Summary summary = summarize_runs(read_csv(file), file, options);
  std::cout << format_summary(summary, options.format);
  return 0;
}

}  // namespace normlab::cli
