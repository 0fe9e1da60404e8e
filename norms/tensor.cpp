#include "norms/tensor.hpp"

#include <algorithm>

namespace normlab {

std::string shape_string(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::size_t shape_product(const Shape& shape, std::size_t begin, std::size_t end) {
  end = std::min(end, shape.size());
  std::size_t n = 1;
  for (std::size_t i = begin; i < end; ++i) n *= shape[i];
  return n;
}

}  // namespace normlab

#include <cstdio>

#include "norms/options.hpp"

namespace normlab {

std::string format_number(double v) {
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace normlab
