// checked_size.hpp: the overflow-checked size arithmetic behind the .npy, IDX and CIFAR-10
// readers. Products that wrap around 2^64 (the shapes of issue 12) must be reported, not wrapped.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "norms/core/checked_size.hpp"

using namespace normlab;

TEST_CASE("checked_mul and checked_add report overflow", "[checked_size][issue12]") {
  const std::size_t max = std::size_t(-1);
  CHECK(checked_mul(3, 4) == std::size_t(12));
  CHECK(checked_mul(max, 1) == max);
  CHECK(checked_mul(std::size_t(1) << 32, std::size_t(1) << 32) == std::nullopt);
  CHECK(checked_mul(0, max) == std::size_t(0));
  CHECK(checked_add(max - 1, 1) == max);
  CHECK(checked_add(max, 1) == std::nullopt);
}

TEST_CASE("checked_product: a limit, a factor, and zeros that do not hide an overflow",
          "[checked_size][issue12]") {
  using Sizes = std::vector<std::size_t>;
  CHECK(checked_product(Sizes{}) == std::size_t(1));
  CHECK(checked_product(Sizes{2, 3, 4}, 4) == std::size_t(96));
  CHECK(checked_product(Sizes{std::size_t(1) << 62}, 4) == std::nullopt);           // wrapped to 0 before
  CHECK(checked_product(Sizes{std::size_t(1) << 61, 2, 2, 2}, 4) == std::nullopt);  // wrapped to 0 before
  CHECK(checked_product(Sizes{std::size_t(1) << 40, std::size_t(1) << 40}) == std::nullopt);
  CHECK(checked_product(Sizes{0, std::size_t(1) << 40, std::size_t(1) << 40}) == std::nullopt);
  CHECK(checked_product(Sizes{0, 5, 7}) == std::size_t(0));
  CHECK(checked_product(Sizes{100, 100}, 1, 10000) == std::size_t(10000));
  CHECK(checked_product(Sizes{100, 101}, 1, 10000) == std::nullopt);
  CHECK(checked_product(Sizes{}, 9, 8) == std::nullopt);  // the factor alone over the limit
  CHECK(checked_product(std::vector<std::uint32_t>{1u << 16, 1u << 24, 1u << 24}) == std::nullopt);
}
