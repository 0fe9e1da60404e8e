#include "experiments/data/data_order.hpp"

#include <charconv>

#include "norms/core/errors.hpp"

namespace normlab {

DataOrder parse_data_order(const std::string& text) {
  if (text == "shuffled") return {};
  if (text == "class_sorted") return {DataOrder::Kind::class_sorted, 0};
  const std::string blocks = "class_blocks:";
  if (text.rfind(blocks, 0) == 0) {
    const char* begin = text.data() + blocks.size();
    const char* end = text.data() + text.size();
    std::size_t k = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, k);
    if (ec == std::errc() && ptr == end && begin != end && k >= 1 && k <= 1000000)
      return {DataOrder::Kind::class_blocks, k};
  }
  throw InputError("order '" + text +
                   "' is not valid; valid: shuffled, class_sorted, class_blocks:K (K >= 1 classes "
                   "per batch)");
}

std::string data_order_name(const DataOrder& order) {
  switch (order.kind) {
    case DataOrder::Kind::shuffled:
      return "shuffled";
    case DataOrder::Kind::class_sorted:
      return "class_sorted";
    case DataOrder::Kind::class_blocks:
      return "class_blocks:" + std::to_string(order.classes_per_batch);
  }
  return "";
}

}  // namespace normlab
