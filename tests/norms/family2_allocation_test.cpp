// A steady-state forward and backward of the family2 normalizers (issue 10) allocates nothing:
// their caches are sized by the first step and resized only when the batch size changes.
// Counted by replacing the global operator new for this test executable; only the steps between
// `counting = true` and `counting = false` are counted, so the other tests are unaffected.
#include <atomic>
#include <cstdlib>
#include <new>

#include <catch2/catch.hpp>

#include "test_support.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
// noinline: GCC 12 otherwise sees free() of an inlined operator new's pointer and warns
// (-Wmismatched-new-delete), although both are this file's malloc/free pair.
__attribute__((noinline)) void operator delete(void* p) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace normlab::testing {

TEST_CASE("family2: a steady-state forward and backward allocates nothing", "[family2]") {
  for (const Shape& shape : {Shape{4, 4, 3, 3}, Shape{4, 16, 32, 32}}) {  // inline and threaded paths
    const Tensor<float> x = random_tensor<float>(shape, "f2/alloc/x", 0.3, 1.7);
    const Tensor<float> dy = random_tensor<float>(shape, "f2/alloc/dy");
    for (const std::string spec :
         {"frn", "frn:tlu=false", "evonorm_b0", "evonorm_s0:num_groups=2", "switchable"})
      for (Mode mode : {Mode::train, Mode::eval}) {
        INFO(spec << ", " << shape_string(shape) << ", " << (mode == Mode::train ? "train" : "eval"));
        auto norm = make_normalizer<float>(spec, shape);
        Tensor<float> y, dx;
        norm->forward(x, y, mode);  // the first step sizes every buffer
        norm->backward(x, dy, dx);
        allocations = 0;
        counting = true;
        for (int step = 0; step < 2; ++step) {
          norm->forward(x, y, mode);
          norm->backward(x, dy, dx);
        }
        counting = false;
        CHECK(allocations == 0);
      }
  }
}

}  // namespace normlab::testing
