#include "experiments/harness/summary_table.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include "experiments/harness/config_value.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

namespace {

// The configuration columns of runs.csv: between run_id (and its label) and status.
std::vector<std::string> config_columns(const CsvTable& runs) {
  std::vector<std::string> columns;
  for (std::size_t c = 1; c < runs.header.size() && runs.header[c] != "status"; ++c)
    if (runs.header[c] != "label") columns.push_back(runs.header[c]);
  return columns;
}

std::vector<std::string> default_by(const CsvTable& runs, const std::string& file) {
  std::vector<std::string> by;
  for (const auto& column : config_columns(runs)) {
    if (column == "seed") continue;
    std::set<std::string> values;
    const std::size_t c = runs.column(column, file);
    for (const auto& row : runs.rows) values.insert(row[c]);
    if (values.size() > 1) by.push_back(column);
  }
  return by;
}

// Decimals for a group's numbers: four significant digits of the mean, and the same decimals
// for its confidence interval, as tables in papers print them ("0.6540 ± 0.0127").
int decimals_for(double mean) {
  if (!std::isfinite(mean) || mean == 0) return 4;
  const int d = 3 - static_cast<int>(std::floor(std::log10(std::fabs(mean))));
  return std::max(0, std::min(12, d));
}

std::string number(double v, int decimals) {
  if (std::isnan(v)) return "n/a";
  return fmt::format("{:.{}f}", v, decimals);
}

std::string latex_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '_' || c == '&' || c == '%' || c == '#' || c == '$' || c == '{' || c == '}') out += '\\';
    out += c;
  }
  return out;
}

// "0.9123 ± 0.0101", "0.9100" (n = 1), "diverged" when no run finished, with † when runs are missing.
std::string cell(const SummaryRow& row, const std::string& pm) {
  if (row.n == 0) return row.diverged ? "diverged" : "failed";
  const int decimals = decimals_for(row.mean);
  std::string text = number(row.mean, decimals) + (row.n > 1 ? pm + number(row.ci95, decimals) : std::string());
  if (row.diverged || row.failed) text += " †";
  return text;
}

}  // namespace

Summary summarize_runs(const CsvTable& runs, const std::string& file, const SummaryOptions& options) {
  Summary summary;
  summary.metric = options.metric;
  summary.by = options.by.empty() ? default_by(runs, file) : options.by;
  const auto configs = config_columns(runs);
  for (const auto& key : summary.by) {
    bool known = false;
    for (const auto& c : configs) known = known || c == key;
    if (!known) throw InputError("--by: '" + key + "' is not a configuration column of " + file + "; valid: " + join(configs, ", "));
  }
  static const std::vector<std::string> metrics = {"train_loss", "train_accuracy", "test_loss", "test_accuracy",
                                                   "steps_done", "wall_seconds"};
  bool metric_known = false;
  for (const auto& m : metrics) metric_known = metric_known || m == options.metric;
  if (!metric_known) throw InputError("--metric: '" + options.metric + "' is not a metric of runs.csv; valid: " + join(metrics, ", "));

  std::vector<std::size_t> key_columns;
  for (const auto& key : summary.by) key_columns.push_back(runs.column(key, file));
  const std::size_t status_column = runs.column("status", file), metric_column = runs.column(options.metric, file);

  std::map<std::vector<std::string>, std::size_t> group_of;
  std::vector<std::vector<double>> values;
  for (const auto& row : runs.rows) {
    std::vector<std::string> keys;
    for (const auto c : key_columns) keys.push_back(row[c]);
    auto found = group_of.find(keys);
    if (found == group_of.end()) {
      found = group_of.emplace(keys, summary.rows.size()).first;
      summary.rows.push_back(SummaryRow{keys});
      values.emplace_back();
    }
    SummaryRow& group = summary.rows[found->second];
    const std::string& status = row[status_column];
    if (status == "diverged") ++group.diverged;
    else if (status != "ok") ++group.failed;
    else if (!row[metric_column].empty()) values[found->second].push_back(std::stod(row[metric_column]));
  }
  for (std::size_t g = 0; g < summary.rows.size(); ++g) {
    SummaryRow& row = summary.rows[g];
    const auto& v = values[g];
    row.n = v.size();
    row.mean = row.std = row.ci95 = std::numeric_limits<double>::quiet_NaN();
    if (row.n == 0) continue;
    double sum = 0;
    for (const double x : v) sum += x;
    row.mean = sum / double(row.n);
    if (row.n < 2) continue;
    double squares = 0;
    for (const double x : v) squares += (x - row.mean) * (x - row.mean);
    row.std = std::sqrt(squares / double(row.n - 1));
    const boost::math::students_t t(double(row.n - 1));
    row.ci95 = boost::math::quantile(t, 0.975) * row.std / std::sqrt(double(row.n));
  }
  return summary;
}

std::string format_summary(const Summary& s, const std::string& format) {
  std::string out;
  bool marked = false;
  for (const auto& row : s.rows) marked = marked || ((row.diverged || row.failed) && row.n > 0);
  const std::string note = "† some runs of this group diverged or failed; the mean is over the runs that finished.\n";
  if (format == "csv") {
    std::vector<std::string> header = s.by;
    for (const char* c : {"_mean", "_ci95", "_std"}) header.push_back(s.metric + c);
    for (const char* c : {"n", "diverged", "failed"}) header.push_back(c);
    out += csv_row(header);
    for (const auto& row : s.rows) {
      std::vector<std::string> fields = row.keys;
      for (const double v : {row.mean, row.ci95, row.std}) fields.push_back(std::isnan(v) ? "" : shortest_number(v));
      for (const std::size_t v : {row.n, row.diverged, row.failed}) fields.push_back(std::to_string(v));
      out += csv_row(fields);
    }
    return out;
  }
  if (format == "md") {
    std::string header = "|", rule = "|";
    for (const auto& key : s.by) header += " " + key + " |", rule += "---|";
    header += " " + s.metric + " (mean ± 95% CI) | n | diverged | failed |\n";
    rule += "---:|---:|---:|---:|\n";
    out += header + rule;
    for (const auto& row : s.rows) {
      out += "|";
      for (const auto& k : row.keys) out += " " + k + " |";
      out += fmt::format(" {} | {} | {} | {} |\n", cell(row, " ± "), row.n, row.diverged, row.failed);
    }
    if (marked) out += "\n" + note;
    return out;
  }
  if (format == "latex") {
    out += "\\begin{tabular}{" + std::string(s.by.size(), 'l') + "rrrr}\n\\toprule\n";
    for (const auto& key : s.by) out += latex_escape(key) + " & ";
    out += latex_escape(s.metric) + " (mean $\\pm$ 95\\% CI) & $n$ & diverged & failed \\\\\n\\midrule\n";
    for (const auto& row : s.rows) {
      for (const auto& k : row.keys) out += "\\texttt{" + latex_escape(k) + "} & ";
      std::string c = cell(row, " $\\pm$ ");
      const auto dagger = c.find(" †");
      if (dagger != std::string::npos) c = c.substr(0, dagger) + "$^\\dagger$";
      out += fmt::format("{} & {} & {} & {} \\\\\n", c, row.n, row.diverged, row.failed);
    }
    out += "\\bottomrule\n\\end{tabular}\n";
    if (marked) out += "% $^\\dagger$ some runs of this group diverged or failed; the mean is over the runs that finished.\n";
    return out;
  }
  throw InputError("--format: '" + format + "' is not a format; valid: md, latex, csv");
}

}  // namespace normlab
