// normlab summarize's table: grouping, mean ± 95% CI (Student's t), diverged runs marked.
#include <catch2/catch.hpp>

#include <cmath>

#include "experiments/harness/csv.hpp"
#include "experiments/harness/summary_table.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

const char* const kRuns =
    "run_id,norm,lr,seed,status,diverged_step,error,train_loss,train_accuracy,test_loss,test_accuracy,steps_done,"
    "wall_seconds\n"
    "r0000,batch,0.1,0,ok,,,0.1,0.9,0.2,0.80,10,1.0\n"
    "r0001,batch,0.1,1,ok,,,0.1,0.9,0.2,0.90,10,1.0\n"
    "r0002,batch,0.1,2,ok,,,0.1,0.9,0.2,0.70,10,1.0\n"
    "r0003,\"group:num_groups=2,eps=1e-5\",0.1,0,ok,,,0.1,0.9,0.2,0.60,10,1.0\n"
    "r0004,\"group:num_groups=2,eps=1e-5\",0.1,1,diverged,4,,,,,,4,1.0\n"
    "r0005,\"group:num_groups=2,eps=1e-5\",0.1,2,ok,,,0.1,0.9,0.2,0.64,10,1.0\n";

}  // namespace

TEST_CASE("summary: mean and 95% CI over seeds per group, diverged runs counted and marked") {
  const Summary s = summarize_runs(parse_csv(kRuns, "runs.csv"), "runs.csv", SummaryOptions{});
  REQUIRE(s.by == std::vector<std::string>{"norm"});  // lr does not vary; seed is what is averaged
  REQUIRE(s.rows.size() == 2);
  CHECK(s.rows[0].n == 3);
  CHECK(s.rows[0].mean == Approx(0.8).epsilon(1e-14));
  // std 0.1; Student's t quantiles in closed form: df=2: (2p-1)*sqrt(2/(4p(1-p))), df=1: tan(pi(p-1/2)).
  const double t2 = 0.95 * std::sqrt(2 / (4 * 0.975 * 0.025)), t1 = std::tan(M_PI * 0.475);
  CHECK(s.rows[0].ci95 == Approx(t2 * 0.1 / std::sqrt(3.0)).epsilon(1e-12));
  CHECK(s.rows[1].n == 2);
  CHECK(s.rows[1].diverged == 1);
  CHECK(s.rows[1].ci95 == Approx(t1 * std::sqrt(0.0008) / std::sqrt(2.0)).epsilon(1e-12));

  const std::string md = format_summary(s, "md");
  CHECK(md ==
        "| norm | test_accuracy (mean ± 95% CI) | n | diverged | failed |\n"
        "|---|---:|---:|---:|---:|\n"
        "| batch | 0.8000 ± 0.2484 | 3 | 0 | 0 |\n"
        "| group:num_groups=2,eps=1e-5 | 0.6200 ± 0.2541 † | 2 | 1 | 0 |\n"
        "\n† some runs of this group diverged or failed; the mean is over the runs that finished.\n");
  const std::string latex = format_summary(s, "latex");
  CHECK(latex.find("\\texttt{batch} & 0.8000 $\\pm$ 0.2484 & 3 & 0 & 0 \\\\") != std::string::npos);
  const CsvTable csv = parse_csv(format_summary(s, "csv"), "summary");
  CHECK(csv.header == std::vector<std::string>{"norm", "test_accuracy_mean", "test_accuracy_ci95", "test_accuracy_std",
                                                "n", "diverged", "failed"});
  CHECK(csv.rows[1][0] == "group:num_groups=2,eps=1e-5");
}

TEST_CASE("summary: explicit grouping, other metrics and bad arguments") {
  const CsvTable runs = parse_csv(kRuns, "runs.csv");
  SummaryOptions by_seed;
  by_seed.by = {"seed"};
  by_seed.metric = "test_loss";
  const Summary s = summarize_runs(runs, "runs.csv", by_seed);
  REQUIRE(s.rows.size() == 3);
  CHECK(s.rows[1].n == 1);
  CHECK(std::isnan(s.rows[1].ci95));
  CHECK_THAT(format_summary(s, "md"), Catch::Contains("| 1 | 0.2000 † | 1 | 1 | 0 |"));

  SummaryOptions bad_key;
  bad_key.by = {"colour"};
  CHECK_THROWS_WITH(summarize_runs(runs, "runs.csv", bad_key), Catch::Contains("--by: 'colour'"));
  SummaryOptions bad_metric;
  bad_metric.metric = "f1";
  CHECK_THROWS_WITH(summarize_runs(runs, "runs.csv", bad_metric), Catch::Contains("--metric: 'f1'"));
}
