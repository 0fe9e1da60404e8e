#include "experiments/harness/sweep_runner.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <cblas.h>
#include <omp.h>

#include "experiments/harness/atomic_file.hpp"
#include "experiments/harness/config_value.hpp"
#include "experiments/harness/csv.hpp"
#include "experiments/harness/directory_lock.hpp"
#include "experiments/harness/manifest.hpp"
#include "experiments/harness/manifest_reader.hpp"
#include "experiments/harness/progress.hpp"
#include "experiments/harness/run_identity.hpp"
#include "experiments/harness/run_store.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

// Keeps a run's records as CSV rows until the run ends.
class CollectingSink : public MetricSink {
 public:
  explicit CollectingSink(const std::string& run_id) : prefix_(csv_field(run_id) + ",") {}

  void metric(std::size_t step, double epoch, const std::string& split, const std::string& metric,
              double value) override {
    curves += prefix_ + std::to_string(step) + "," + shortest_number(epoch) + "," + csv_field(split) + "," +
              csv_field(metric) + "," + shortest_number(value) + "\n";
    last_step = std::max(last_step, step);
    if (split == "train" && metric == "loss" && !std::isfinite(value) && !saw_nonfinite_loss) {
      saw_nonfinite_loss = true;
      nonfinite_step = step;
    }
  }
  void layer_stat(std::size_t step, const std::string& layer, const std::string& stat, double value) override {
    stats += prefix_ + std::to_string(step) + "," + csv_field(layer) + "," + csv_field(stat) + "," +
             shortest_number(value) + "\n";
  }

  void probe(std::size_t step, const std::string& layer, const std::string& probe, const std::string& stat,
             double value) override {
    probes += prefix_ + std::to_string(step) + "," + csv_field(layer) + "," + csv_field(probe) + "," +
              csv_field(stat) + "," + shortest_number(value) + "\n";
  }

  std::string curves, stats, probes;
  std::size_t last_step = 0;
  bool saw_nonfinite_loss = false;
  std::size_t nonfinite_step = 0;

 private:
  std::string prefix_;
};

RunOutcome execute(const RunConfig& run, const RunFunction& function, const StepProgress& progress) {
  RunOutcome outcome;
  CollectingSink sink(run.id);
  const auto start = std::chrono::steady_clock::now();
  try {
    outcome.result = function(run, sink, progress);
    outcome.status = outcome.result.status;
    outcome.diverged_step = outcome.result.diverged_step;
    // A trainer that reported a non-finite training loss but not the divergence: the harness's rule wins.
    if (outcome.status == "ok" && sink.saw_nonfinite_loss) {
      outcome.status = "diverged";
      outcome.diverged_step = sink.nonfinite_step;
    }
  } catch (const std::exception& e) {
    outcome.status = "failed";
    outcome.error = e.what();
    outcome.result = TrainResult{};
    outcome.result.steps_done = sink.last_step;
  }
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.curves_rows = std::move(sink.curves);
  outcome.stats_rows = std::move(sink.stats);
  outcome.probe_rows = std::move(sink.probes);
  return outcome;
}

void count(SweepCounts& counts, const std::string& status) {
  if (status == "ok") ++counts.ok;
  else if (status == "diverged") ++counts.diverged;
  else ++counts.failed;
}


// The tables now show another set of runs than the figures beside them were drawn from: move
// the figures aside (never delete them) so that nothing describes data that is not there.
void set_aside_stale_figures(const std::string& dir, const ManifestSummary& previous, const std::string& view_id,
                             std::FILE* out) {
  namespace fs = std::filesystem;
  const fs::path figures = fs::path(dir) / "figures";
  std::error_code ec;
  if (!previous.exists || previous.view_id == view_id || !fs::is_directory(figures, ec)) return;
  fs::path aside = fs::path(dir) / ("figures." + (previous.view_id.empty() ? std::string("old") : previous.view_id));
  for (int n = 2; fs::exists(aside, ec); ++n) aside = fs::path(dir) / ("figures." + previous.view_id + "." + std::to_string(n));
  fs::rename(figures, aside, ec);
  if (ec) throw std::runtime_error("cannot move the stale " + figures.string() + " aside: " + ec.message());
  std::fprintf(out, "note: %s was drawn from another set of runs; moved to %s\n", figures.c_str(), aside.c_str());
}

}  // namespace

SweepCounts run_sweep(const SweepConfig& config, const RunPlan& plan, const SweepOptions& options) {
  // A path that cannot be a directory (a file there or on the way) is a usage error (exit 2);
  // a directory that cannot be written (permissions, a full disk) a runtime failure (exit 1).
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec == std::errc::not_a_directory || ec == std::errc::file_exists ||
      (!ec && !std::filesystem::is_directory(options.out_dir)))
    throw InputError("--out " + options.out_dir + ": a file is in the way (" +
                     (ec ? ec.message() : std::string("not a directory")) + "); give a directory");
  if (ec) throw std::runtime_error("cannot create " + options.out_dir + ": " + ec.message());
  DirectoryLock lock(options.out_dir);  // before touching anything another sweep may be writing
  const ManifestSummary previous = read_manifest_summary(options.out_dir + "/manifest.json");
  if (previous.exists && !previous.name.empty() && previous.name != config.name)
    throw InputError(options.out_dir + " holds the results of the sweep '" + previous.name + "', not '" +
                     config.name + "'; give another --out (normlab never mixes two sweeps' results)");
  RunStore store(options.out_dir);
  store.prepare();

  SweepRecord record;
  record.command_line = options.command_line;
  record.jobs = options.jobs;
  record.out_dir = options.out_dir;
  record.start_time = utc_now_iso();
  record.view_id = view_id_of(plan);
  record.shard = options.shard;
  set_aside_stale_figures(options.out_dir, previous, record.view_id, options.progress_out);

  SweepCounts counts;
  std::vector<const RunConfig*> pending;
  for (const auto& run : plan.runs) {
    if (store.is_done(run)) {
      ++counts.reused;
      count(counts, store.status_of(run));
    } else {
      pending.push_back(&run);
    }
  }
  std::mutex mutex;  // guards counts, record, first_error and the view
  // The view and the manifest say how far the sweep is, after every finished run.
  auto publish = [&](const std::string& state) {
    record.done = store.write_view(plan);
    record.state = state;
    record.ok = counts.ok, record.diverged = counts.diverged, record.failed = counts.failed;
    if (state != "running") record.end_time = utc_now_iso();
    write_file_atomically(options.out_dir + "/manifest.json", manifest_json(config, plan, record));
  };
  publish("running");

  if (options.expect) options.expect(pending);
  Progress progress(options.progress_out, options.terminal, plan.runs.size(), counts.reused);
  const std::size_t workers = std::max<std::size_t>(1, std::min(options.jobs, pending.size()));
  // One core per run unless --threads says otherwise: runs are small, so threads inside a run
  // cost more than they give (and spin against each other on a shared machine); parallelism
  // comes from running runs side by side. BLAS's thread count is process-wide, OpenMP's per thread.
  const int threads = int(std::max<std::size_t>(1, options.threads));
  openblas_set_num_threads(threads);

  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr first_error;
  auto worker = [&]() {
    omp_set_num_threads(threads);
    while (!stop) {
      const std::size_t i = next++;
      if (i >= pending.size()) return;
      const RunConfig& run = *pending[i];
      try {
        progress.started(run.id, run.label);
        const StepProgress step = [&](std::size_t s, std::size_t total) { progress.step(run.id, s, total); };
        RunConfig job = run;  // the run as configured, and where its checkpoints go
        if (run.checkpoint_every > 0) job.checkpoint_file = store.prepare_checkpoint(run.id);
        RunOutcome outcome = execute(job, options.run, step);
        outcome.finished = utc_now_iso();
        store.save(run, outcome);
        std::string detail;
        if (outcome.status == "ok") detail = "test_accuracy=" + shortest_number(outcome.result.test_accuracy);
        if (outcome.status == "diverged") detail = "at step " + std::to_string(outcome.diverged_step);
        if (outcome.status == "failed") detail = outcome.error;
        if (outcome.result.resumed_from_step > 0)  // a killed run continued from its checkpoint
          detail += " (resumed from step " + std::to_string(outcome.result.resumed_from_step) + ")";
        std::lock_guard<std::mutex> guard(mutex);
        count(counts, outcome.status);
        publish("running");
        progress.finished(run.id, run.label, outcome.status, detail, outcome.wall_seconds);
      } catch (...) {  // the output directory failed us: stop the sweep (exit 1)
        std::lock_guard<std::mutex> guard(mutex);
        if (!first_error) first_error = std::current_exception();
        stop = true;
      }
    }
  };
  if (workers == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < workers; ++w) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  progress.close();
  if (first_error) {
    try {
      publish("stopped");  // best effort: the disk that failed may refuse this too
    } catch (...) {
    }
    std::rethrow_exception(first_error);
  }
  publish("complete");
  return counts;
}

}  // namespace normlab
