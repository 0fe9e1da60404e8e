// The table of `normlab summarize`: a final metric of runs.csv grouped by configuration keys,
// as mean ± half-width of the 95% confidence interval over the group's runs (Student's t with
// n-1 degrees of freedom, from Boost.Math), with n, and the diverged and failed runs counted.
// Diverged and failed runs have no final metric: they are left out of the mean and counted,
// and a group with any of them is marked (†) so that a reader cannot miss them.
#pragma once

#include <string>
#include <vector>

#include "experiments/harness/csv.hpp"

namespace normlab {

struct SummaryOptions {
  std::vector<std::string> by;  // empty: every configuration column that varies, except seed
  std::string metric = "test_accuracy";
  std::string format = "md";    // md | latex | csv
};

struct SummaryRow {
  std::vector<std::string> keys;  // values of the `by` columns
  std::size_t n = 0, diverged = 0, failed = 0;
  double mean = 0, std = 0, ci95 = 0;  // ci95: NaN when n < 2
};

struct Summary {
  std::vector<std::string> by;
  std::string metric;
  std::vector<SummaryRow> rows;  // groups in order of their first run
};

// `runs` is runs.csv; `file` names it in messages.
Summary summarize_runs(const CsvTable& runs, const std::string& file, const SummaryOptions& options);
std::string format_summary(const Summary& summary, const std::string& format);

}  // namespace normlab
