#include "experiments/harness/progress.hpp"

#include <fmt/format.h>

namespace normlab {

std::string format_duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

Progress::Progress(std::FILE* out, bool terminal, std::size_t total, std::size_t already_done)
    : out_(out), terminal_(terminal), total_(total), done_(already_done), start_(std::chrono::steady_clock::now()) {}

std::string Progress::elapsed_text() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string text = "elapsed " + format_duration(elapsed);
  double progressed = double(done_here_);  // runs' worth of work done by this invocation
  for (const auto& [id, fraction] : in_flight_) progressed += fraction;
  if (progressed > 0.05 && done_ < total_)
    text += ", ETA " + format_duration(elapsed / progressed * (double(total_ - done_) - (progressed - double(done_here_))));
  return text;
}

void Progress::redraw_locked(bool force) {
  if (!terminal_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  std::string line = fmt::format("[{}/{}] {} | {}", done_, total_, current_, elapsed_text());
  if (line.size() > 150) line = line.substr(0, 147) + "...";
  std::fprintf(out_, "\r\033[K%s", line.c_str());
  std::fflush(out_);
  line_open_ = true;
}

void Progress::started(const std::string& run_id, const std::string& description) {
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = run_id + " " + description;
  in_flight_[run_id] = 0;
  redraw_locked(true);
}

void Progress::step(const std::string& run_id, std::size_t step, std::size_t total_steps) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (total_steps > 0) in_flight_[run_id] = double(step) / double(total_steps);
  if (!terminal_) return;
  if (current_.compare(0, run_id.size(), run_id) != 0) return;  // show only the latest started run
  const auto bar = current_.find(" step ");
  current_ = current_.substr(0, bar) + fmt::format(" step {}/{}", step, total_steps);
  redraw_locked(false);
}

void Progress::finished(const std::string& run_id, const std::string& description, const std::string& status,
                        const std::string& detail, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++done_;
  ++done_here_;
  in_flight_.erase(run_id);
  if (terminal_) {
    if (status != "ok") {  // keep problems on screen
      std::fprintf(out_, "\r\033[K%s %s: %s %s\n", run_id.c_str(), description.c_str(), status.c_str(), detail.c_str());
      line_open_ = false;
    }
    redraw_locked(true);
    return;
  }
  std::fprintf(out_, "[%zu/%zu] %s %s: %s %s (%.1fs; %s)\n", done_, total_, run_id.c_str(), description.c_str(),
               status.c_str(), detail.c_str(), seconds, elapsed_text().c_str());
  std::fflush(out_);
}

void Progress::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (terminal_ && line_open_) {
    std::fprintf(out_, "\n");
    std::fflush(out_);
    line_open_ = false;
  }
}

}  // namespace normlab
