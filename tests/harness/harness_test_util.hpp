// Helpers for the harness tests: temporary directories, file reading, and a stand-in run
// function whose records are a deterministic function of the run's configuration.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/sweep_runner.hpp"

namespace normlab::test {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("normlab-" + tag + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// runs.csv without its last column (wall_seconds, the one column allowed to differ).
inline std::string without_wall_seconds(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, out;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

// Trains nothing: reports a loss curve that depends on lr, batch size and seed; lr >= 100
// diverges at step 3; a model spec "explode" throws.
inline TrainResult stand_in_run(const RunConfig& run, MetricSink& sink, const StepProgress& progress) {
  if (run.model.model == "explode") throw std::runtime_error("stand-in failure, for the test");
  TrainResult result;
  const std::size_t steps = run.train.steps ? run.train.steps : 5;
  for (std::size_t step = 1; step <= steps; ++step) {
    double loss = 1.0 / (1.0 + run.train.lr * double(step)) + 0.001 * double(run.train.seed);
    if (run.train.lr >= 100 && step == 3) loss = std::nan("");
    if (step % run.train.log_every == 0 || !std::isfinite(loss)) sink.metric(step, step / 10.0, "train", "loss", loss);
    if (!std::isfinite(loss)) {
      result.status = "diverged";
      result.diverged_step = step;
      result.steps_done = step;
      return result;
    }
    if (run.train.stats_every && step % run.train.stats_every == 0)
      sink.layer_stat(step, "1.norm", "p50", loss / 3);
    if (progress) progress(step, steps);
  }
  result.steps_done = steps;
  result.train_loss = 1.0 / (1.0 + run.train.lr * double(steps));
  result.test_loss = result.train_loss + 0.1;
  result.train_accuracy = 1 - result.train_loss / 2;
  result.test_accuracy = 1 - result.test_loss / 2 + 0.01 * double(run.train.seed % 3);
  sink.metric(steps, steps / 10.0, "test", "accuracy", result.test_accuracy);
  return result;
}

}  // namespace normlab::test
