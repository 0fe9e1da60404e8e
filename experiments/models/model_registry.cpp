#include "experiments/models/model_registry.hpp"

#include <limits>

#include "norms/core/errors.hpp"

namespace normlab {

// One line per model kind; each is defined in its own file.
ModelInfo mlp_info();
ModelInfo vgg_info();
ModelInfo resnet_info();
ModelInfo transformer_info();
ModelInfo lstm_info();

const KindRegistry<ModelInfo>& model_registry() {
  static const KindRegistry<ModelInfo> registry("model", {mlp_info(), vgg_info(), resnet_info(), transformer_info(), lstm_info()});
  return registry;
}

Spec parse_model_spec(const std::string& text) { return model_registry().check(text); }

std::vector<std::size_t> parse_widths(const Spec& spec, const std::string& key) {
  // A bound on the layer count, so that a typo (32*1000000000) is an error, not an allocation.
  constexpr long kMaxRepeat = 10000;
  const std::string text = spec.raw(key);
  std::vector<std::size_t> widths;
  if (text == "none") return widths;
  std::size_t begin = 0;
  auto positive = [&](const std::string& item, long limit) {
    std::size_t used = 0;
    long value = 0;
    try {
      value = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || value < 1 || value > limit)
      spec.fail(key, "must be positive integers separated by x, each optionally repeated as W*N (N <= " +
                         std::to_string(kMaxRepeat) + "), e.g. 128x64 or 64x32*8 (or none)");
    return std::size_t(value);
  };
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find('x', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    const std::size_t star = item.find('*');
    const std::size_t width = positive(item.substr(0, star), std::numeric_limits<long>::max());
    const std::size_t copies = star == std::string::npos ? 1 : positive(item.substr(star + 1), kMaxRepeat);
    if (widths.size() + copies > kMaxRepeat)
      spec.fail(key, "has more than " + std::to_string(kMaxRepeat) + " hidden layers");
    widths.insert(widths.end(), copies, width);
    begin = end + 1;
  }
  return widths;
}

}  // namespace normlab
