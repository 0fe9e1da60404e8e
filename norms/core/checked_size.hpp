// Size arithmetic on numbers that come from input (file headers, shapes, counts): products and
// sums that report overflow instead of wrapping around. A wrapped size passes a length check and
// fails later in an allocation that no longer names the file; these make the check exact.
#pragma once

#include <cstddef>
#include <optional>

namespace normlab {

// a * b, or std::nullopt when it does not fit in std::size_t.
inline std::optional<std::size_t> checked_mul(std::size_t a, std::size_t b) {
  std::size_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

// a + b, or std::nullopt when it does not fit in std::size_t.
inline std::optional<std::size_t> checked_add(std::size_t a, std::size_t b) {
  std::size_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

// The product of the sizes in `sizes` times `factor`, or std::nullopt when it exceeds `limit`.
// Zero sizes are skipped in the check and then make the result 0, so that a shape such as
// (0, 2^40, 2^40) is rejected like (2^40, 2^40): its strides would overflow all the same
// (numpy refuses such shapes for the same reason).
template <class S>
std::optional<std::size_t> checked_product(const S& sizes, std::size_t factor = 1,
                                           std::size_t limit = std::size_t(-1)) {
  std::optional<std::size_t> product = factor;
  bool has_zero = false;
  for (const auto size : sizes) {
    if (size == 0) {
      has_zero = true;
      continue;
    }
    product = checked_mul(*product, std::size_t(size));
    if (!product || *product > limit) return std::nullopt;
  }
  if (*product > limit) return std::nullopt;
  return has_zero ? 0 : *product;
}

}  // namespace normlab
