#include "experiments/models/model_registry.hpp"

#include "norms/errors.hpp"

namespace normlab {

const std::vector<ModelInfo>& model_registry() {
  static const std::vector<ModelInfo> registry = {
      {"mlp",
       "multilayer perceptron: per width Linear -> norm -> act (placement pre), then Linear to the classes",
       {{"in", "auto", "input features; auto = the dataset's sample size"},
        {"widths", "128x64", "hidden widths separated by x, or none"},
        {"out", "auto", "outputs; auto = the dataset's number of classes"},
        {"act", "relu", "relu | sigmoid | tanh"},
        {"dropout", "0", "dropout probability after every hidden block (0 = no dropout layer)"}}},
      {"vgg",
       "small VGG-style CNN: per width conv3x3 -> norm -> act, then 2x2 pooling; global average pool -> Linear",
       {{"widths", "16x32x64", "channels of the conv blocks, separated by x"},
        {"act", "relu", "relu | sigmoid | tanh"},
        {"pool", "max", "max | avg: the 2x2 pooling after each block"}}},
      {"resnet",
       "CIFAR-style ResNet (He et al. 2016) for 32x32 inputs: 3 stages of basic blocks, normalizers inside the "
       "residual branch",
       {{"depth", "8", "6n+2: 8, 14, 20, ... (n basic blocks per stage)"},
        {"width", "16", "channels of the first stage (then 2x and 4x)"}}},
  };
  return registry;
}

Spec parse_model_spec(const std::string& text) { return parse_spec_of(text, "model", model_registry()); }

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
