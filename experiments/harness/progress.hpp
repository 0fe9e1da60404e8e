// What a sweep shows while it runs. On a terminal: one line, rewritten in place with \r, with the
// runs done of total, the run being trained (and its step), elapsed time and an ETA from the
// time per run so far (finished runs and the
// finished fraction of the runs in flight). Otherwise (a log file, a pipe): one plain line per finished run.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace normlab {

class Progress {
 public:
  Progress(std::FILE* out, bool terminal, std::size_t total, std::size_t already_done);

  void started(const std::string& run_id, const std::string& description);
  void step(const std::string& run_id, std::size_t step, std::size_t total_steps);
  void finished(const std::string& run_id, const std::string& description, const std::string& status,
                const std::string& detail, double seconds);
  // Ends the terminal line before other output.
  void close();

 private:
  void redraw_locked(bool force);
  std::string elapsed_text() const;

  std::FILE* out_;
  bool terminal_;
  std::size_t total_, done_, done_here_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::string current_;  // "r0003 norm=batch ... step 120/500"
  std::map<std::string, double> in_flight_;  // run id -> fraction of its steps done (for the ETA)
  bool line_open_ = false;
  std::mutex mutex_;
};

std::string format_duration(double seconds);  // "42s", "3m05s", "1h02m"

}  // namespace normlab
