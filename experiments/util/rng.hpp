// Deterministic random numbers. Every random stream of a run (initialization, shuffling, dropout,
// data generation) is an Rng derived from the run's seed and a stream name, so streams are
// independent of each other and of the order in which runs execute.
//
// The distributions are implemented here rather than taken from <random>, whose
// normal_distribution differs between standard libraries: the same seed gives the same numbers
// everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace normlab {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  // A stream named `name` of the run seeded with `seed`, e.g. Rng::stream(seed, "init").
  static Rng stream(std::uint64_t seed, const std::string& name) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a of the name, mixed with the seed
    for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
    Rng mixer(seed ^ h);
    return Rng(mixer.next_u64());
  }

  // splitmix64: small state, good statistical quality, trivially reproducible.
  std::uint64_t next_u64() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n ? next_u64() % n : 0; }
  // Standard normal by Box-Muller (both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = uniform();
    while (u1 <= 0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * M_PI * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  // The whole state, for checkpoints: a stream restored from it continues exactly where it was.
  struct State {
    std::uint64_t state = 0;
    double spare = 0;
    bool has_spare = false;
  };
  State state() const { return {state_, spare_, has_spare_}; }
  void restore(const State& s) {
    state_ = s.state;
    spare_ = s.spare;
    has_spare_ = s.has_spare;
  }

 private:
  std::uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace normlab
