// A steady-state forward and backward of every registered normalizer allocates nothing:
// caches are sized once, or resized to the same size. Counted by replacing the global operator
// new for this test executable (the count is only read here).

#include <catch2/catch.hpp>

#include "allocation_counter.hpp"

#include "registry_cases.hpp"
#include "test_support.hpp"


namespace normlab::testing {

TEST_CASE("every registered normalizer allocates nothing per forward and backward in steady state",
          "[allocations]") {
  std::vector<NormCase> cases = registry_cases({{8, 4}, {8, 4, 6}, {4, 4, 3, 3}});
  const NormalizerInfo& batch = normalizer_registry().find("batch");
  cases.push_back({&batch, "batch:virtual_batch_size=2", {8, 4, 6}});  // ghost batches: no loop example divides N
  for (const NormCase& c : cases) {
    INFO(c.spec << " on " << shape_string(c.shape));
    auto norm = make_normalizer<float>(c.spec, c.shape);
    const Tensor<float> x = random_tensor<float>(c.shape, "alloc/x", 0.3, 1.7);
    const Tensor<float> dy = random_tensor<float>(c.shape, "alloc/dy");
    Tensor<float> y, dx;
    for (Mode mode : {Mode::train, Mode::eval}) {  // the first pass sizes y, dx and every cache
      norm->forward(x, y, mode);
      norm->backward(x, dy, dx);
    }
    const long before = normlab::testing::allocation_count();
    for (Mode mode : {Mode::train, Mode::eval, Mode::train}) {
      norm->forward(x, y, mode);
      norm->backward(x, dy, dx);
    }
    CHECK(normlab::testing::allocation_count() - before == 0);
  }
}

}  // namespace normlab::testing
