#include "experiments/models/model_registry.hpp"

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
  const std::string text = spec.raw(key);
  std::vector<std::size_t> widths;
  if (text == "none") return widths;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find('x', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    std::size_t used = 0;
    long width = 0;
    try {
      width = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || width < 1)
      spec.fail(key, "must be positive integers separated by x, e.g. 128x64 (or none)");
    widths.push_back(std::size_t(width));
    begin = end + 1;
  }
  return widths;
}

}  // namespace normlab
