// Results do not depend on the thread count: every output (y, dx, parameter gradients, running
// buffers) is bit-identical with omp_set_num_threads(1) and 2, on shapes with enough work to
// take the threaded paths (norms/core/parallel.hpp: n · work_per_item >= 32768), for the S == 1 and
// S > 1 kernels.
#include <catch2/catch.hpp>

#include <omp.h>

#include "norms/core/parallel.hpp"
#include "registry_cases.hpp"
#include "test_support.hpp"

namespace normlab::testing {

namespace {

template <class T>
Results<T> run_with_threads(int threads, const std::string& spec, const Shape& shape, Mode mode) {
  omp_set_num_threads(threads);
  REQUIRE(omp_get_max_threads() == threads);
  auto norm = make_normalizer<T>(spec, shape);
  set_nontrivial_state(*norm, spec);
  const Tensor<T> x = random_tensor<T>(shape, "threads/x", 0.3, 1.7);
  const Tensor<T> dy = random_tensor<T>(shape, "threads/dy");
  Results<T> out = run_normalizer(*norm, x, dy, mode);
  // A second step, so that accumulated gradients and updated buffers are compared too.
  Results<T> second = run_normalizer(*norm, x, dy, mode);
  for (auto& [name, tensor] : second)
    out["second/" + name] = tensor;
  return out;
}

template <class T>
void check_thread_independence(const std::string& spec, const Shape& shape, Mode mode) {
  INFO("spec '" << spec << "', shape " << shape_string(shape) << ", "
                << (mode == Mode::train ? "train" : "eval") << ", " << (sizeof(T) == 4 ? "float" : "double"));
  const AlwaysStartTeams teams;  // the 2-thread pass takes the threaded paths however loaded the machine is
  const int saved = omp_get_max_threads();
  Results<T> one = run_with_threads<T>(1, spec, shape, mode);
  Results<T> two = run_with_threads<T>(2, spec, shape, mode);
  omp_set_num_threads(saved);
  REQUIRE(one.size() == two.size());
  for (auto& [name, tensor] : one) {
    INFO(name);
    CHECK(describe_mismatch(two[name], tensor, Tolerance{0, 0}) == "");
  }
}

}  // namespace

// Every registered normalizer's typical example on inputs large enough to take the threaded paths.
TEST_CASE("thread count: every registered normalizer is bit-identical with 1 and 2 threads", "[threads]") {
  for (const NormCase& c : registry_cases({{4, 16, 32, 32}, {512, 128}}, /*all_examples=*/false))
    for (Mode mode : {Mode::train, Mode::eval}) {
      check_thread_independence<float>(c.spec, c.shape, mode);
      check_thread_independence<double>(c.spec, c.shape, mode);
    }
}

// The kernels' particular paths (S == 1 and S > 1, channel blocks, dγ blocks).
TEST_CASE("thread count: results are bit-identical with 1 and 2 threads", "[threads]") {
  const std::vector<std::pair<std::string, Shape>> cases = {
      {"batch", {4, 16, 32, 32}},           // S > 1: 16 channels of 4096
      {"batch:momentum=none", {512, 128}},  // S == 1: two blocks of 64 channels
      {"layer", {8, 8192}},                 // per-element affine, dγ in 32 blocks
      {"layer", {4, 8, 32, 32}},
      {"group:num_groups=4", {4, 16, 32, 32}},
      {"group:num_groups=8", {64, 1024}},  // group norm with S == 1
      {"instance:affine=true,track_running_stats=true", {4, 16, 32, 32}},
      {"weight", {256, 256}},
  };
  for (const auto& [spec, shape] : cases)
    for (Mode mode : {Mode::train, Mode::eval}) {
      // Only batch and instance norm (with running statistics) have a separate evaluation path.
      if (mode == Mode::eval && spec.rfind("batch", 0) != 0 && spec.rfind("instance", 0) != 0) continue;
      check_thread_independence<float>(spec, shape, mode);
      check_thread_independence<double>(spec, shape, mode);
    }
}

}  // namespace normlab::testing
