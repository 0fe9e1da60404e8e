#include "experiments/cli/non_finite.hpp"

#include <vector>

namespace normlab::cli {

std::string index_string(const Shape& shape, std::size_t flat) {
  std::vector<std::size_t> index(shape.size(), 0);
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return shape_string(Shape(index.begin(), index.end()));
}

std::string describe_non_finite(const std::string& path, const Shape& shape, const NonFiniteCount& found) {
  return "'" + path + "' holds " + std::to_string(found.count) + " non-finite value" +
         (found.count == 1 ? "" : "s") + " (NaN or Inf), the first at index " +
         index_string(shape, found.first);
}

}  // namespace normlab::cli
