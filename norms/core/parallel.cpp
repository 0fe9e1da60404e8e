#include "norms/core/parallel.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <mutex>

#include <fcntl.h>
#include <unistd.h>

namespace normlab {

namespace {

// Long enough for /proc/stat's 10 ms ticks to resolve a fraction of a core, short enough to
// follow a load that comes and goes.
constexpr double kSampleSeconds = 0.2;

std::atomic<int> always_teams{0};
// The last sample's verdict; false until the first interval is measured: 0.2 s on one thread
// costs at most 0.1 s on an idle machine, a team on a busy one milliseconds per loop.
std::atomic<bool> spare{false};
std::atomic<std::int64_t> next_sample_ns{0};  // steady clock
std::mutex sampling;                          // one thread samples; the others use the verdict

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Busy seconds of all cores since boot (user, nice, system, irq, softirq, steal), or < 0. Read
// with open/read into a stack buffer: no allocation, as it may be called from a training step.
double machine_busy_seconds() {
  const int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[256];
  const ssize_t got = read(fd, text, sizeof(text) - 1);
  close(fd);
  if (got <= 0) return -1;
  text[got] = '\0';
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (std::sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle, &iowait,
                  &irq, &softirq, &steal) != 8)
    return -1;
  static const double tick = 1.0 / double(sysconf(_SC_CLK_TCK));
  return double(user + nice + system + irq + softirq + steal) * tick;
}

double own_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

struct Sample {
  double wall = 0, busy = 0, own = 0;
};

}  // namespace

bool spare_cores_for_team() {
  if (always_teams.load(std::memory_order_relaxed) > 0) return true;
  const std::int64_t now = steady_ns();
  if (now < next_sample_ns.load(std::memory_order_relaxed)) return spare.load(std::memory_order_relaxed);
  std::unique_lock<std::mutex> lock(sampling, std::try_to_lock);
  if (!lock.owns_lock()) return spare.load(std::memory_order_relaxed);
  static Sample last;
  const Sample current{1e-9 * double(now), machine_busy_seconds(), own_cpu_seconds()};
  if (current.busy < 0) {  // no /proc/stat: assume the cores are free, as OpenMP does, and stop asking
    spare.store(true);
    next_sample_ns.store(std::numeric_limits<std::int64_t>::max());
    return true;
  }
  if (last.wall > 0) {
    const double interval = current.wall - last.wall;
    const double others = (current.busy - last.busy) - (current.own - last.own);  // core-seconds
    spare.store(team_fits(double(sysconf(_SC_NPROCESSORS_ONLN)), others / interval, omp_get_max_threads()),
                std::memory_order_relaxed);
  }
  last = current;
  next_sample_ns.store(now + std::int64_t(kSampleSeconds * 1e9), std::memory_order_relaxed);
  return spare.load(std::memory_order_relaxed);
}

AlwaysStartTeams::AlwaysStartTeams() {
  always_teams.fetch_add(1);
}
AlwaysStartTeams::~AlwaysStartTeams() {
  always_teams.fetch_sub(1);
}

}  // namespace normlab
