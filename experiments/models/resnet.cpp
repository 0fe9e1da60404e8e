// resnet:depth=8,width=16 — a CIFAR-style ResNet (He et al., 2016, section 4.2):
//   stem: Conv2d 3x3 (C -> width) with its normalizer and ReLU in the placement;
//   3 stages of n = (depth - 2)/6 basic blocks with width, 2·width, 4·width channels, the first
//   block of stages 2 and 3 with stride 2 and a projection shortcut (1x1 conv stride 2 + norm);
//   global average pooling -> Linear(4·width, classes).
// Basic block branch by placement (its normalizers sit inside the branch, the ReLU after the add):
//   pre:  conv1 -> norm1 -> relu -> conv2 -> norm2
//   post: conv1 -> relu -> norm1 -> conv2 -> norm2   (no activation precedes the add, so norm2
//         stays at the end of the branch)
//   none / weight norm: conv1 -> relu -> conv2
//   a normalizer that includes its activation (FRN with TLU, EvoNorm), either placement:
//         conv1 -> norm1 -> conv2 -> norm2   (norm1 replaces relu1; the ReLU after the add stays)
// bias=auto drops the bias of every conv directly followed by a shifting normalizer.
// A weight reparameterization (norm = "weight", or `reparam` beside the normalizer: GN + WS)
// reparameterizes every conv, the stem's and the projection shortcut's included.
#include <algorithm>
#include <memory>

#include "experiments/layers/pooling.hpp"
#include "experiments/layers/residual_block.hpp"
#include "experiments/models/model_kinds.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

template <class T>
std::unique_ptr<Layer<T>> basic_block(ModelBuilder<T>& builder, std::size_t in, std::size_t out, std::size_t stride) {
  using Named = typename ResidualBlock<T>::NamedLayer;
  const std::string description =
      "BasicBlock(" + std::to_string(in) + ", " + std::to_string(out) + ", stride=" + std::to_string(stride) + ")";
  const std::string where = builder.where_next(description);
  const Shape& input = builder.shape();
  const ConvGeometry conv1{in, out, 3, stride, 1}, conv2{out, out, 3, 1, 1}, projection{in, out, 1, stride, 0};
  const Shape out_shape = [&] {
    Shape s = Conv2d<T>(conv1, false).output_shape({1, input[0], input[1], input[2]});
    return Shape(s.begin() + 1, s.end());
  }();

  std::vector<Named> branch, shortcut;
  auto norm1 = builder.make_norm(out_shape, where + " norm1");
  auto norm2 = builder.make_norm(out_shape, where + " norm2");
  // A normalizer that includes its activation (FRN with TLU, EvoNorm) replaces relu1 and sits
  // right after conv1 in both placements.
  const bool replaces_act = norm1 && norm1->activation_normalizer()->includes_activation();
  const bool pre = builder.placement() == Placement::pre || replaces_act;
  branch.emplace_back("conv1", builder.make_conv(conv1, builder.keeps_bias(pre ? norm1.get() : nullptr), "relu"));
  if (norm1 && pre) branch.emplace_back("norm1", std::move(norm1));
  if (!replaces_act) branch.emplace_back("relu1", std::make_unique<Activation<T>>(ActivationKind::relu));
  if (norm1) branch.emplace_back("norm1", std::move(norm1));
  branch.emplace_back("conv2", builder.make_conv(conv2, builder.keeps_bias(norm2.get()), "relu"));
  if (norm2) branch.emplace_back("norm2", std::move(norm2));
  if (stride != 1 || in != out) {
    auto norm = builder.make_norm(out_shape, where + " shortcut");
    shortcut.emplace_back("shortcut.0", builder.make_conv(projection, builder.keeps_bias(norm.get()), "relu"));
    if (norm) shortcut.emplace_back("shortcut.1", std::move(norm));
  }
  return std::make_unique<ResidualBlock<T>>(description, std::move(branch), std::move(shortcut));
}

}  // namespace

template <class T>
void build_resnet(ModelBuilder<T>& builder, const Spec& spec, std::size_t num_classes) {
  const long depth = spec.get_int("depth"), width = spec.get_int("width");
  if (depth < 8 || (depth - 2) % 6 != 0) spec.fail("depth", "must be 6n+2 with n >= 1: 8, 14, 20, 26, ...");
  if (width < 1) spec.fail("width", "must be >= 1");
  if (builder.shape().size() != 3)
    throw InputError("model '" + spec.text() + "' needs image samples (C, H, W), got " + shape_string(builder.shape()));
  const std::size_t blocks = std::size_t(depth - 2) / 6;
  builder.hidden_conv({builder.shape()[0], std::size_t(width), 3, 1, 1}, ActivationKind::relu);
  for (std::size_t stage = 0; stage < 3; ++stage) {
    const std::size_t channels = std::size_t(width) << stage;
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::size_t stride = (stage > 0 && b == 0) ? 2 : 1;
      builder.add(basic_block(builder, builder.shape()[0], channels, stride));
    }
  }
  builder.add(std::make_unique<GlobalAvgPool<T>>());
  builder.output_linear(num_classes);
}

namespace {

// Per stage (width·2^s channels): n blocks of two 3x3 convolutions, a projection, normalizers.
double resnet_parameter_bound(const Spec& spec, const Shape& sample_shape, std::size_t num_classes) {
  const double depth = double(spec.get_int("depth")), width = double(spec.get_int("width"));
  const double blocks = std::max(1.0, (depth - 2) / 6), in = sample_shape.empty() ? 1 : double(sample_shape[0]);
  double total = (9 * in + 5) * width, previous = width;
  for (int stage = 0; stage < 3; ++stage) {
    const double channels = width * double(1 << stage);
    total += blocks * 2 * (9 * channels + 5) * channels + (previous + 5) * channels;
    previous = channels;
  }
  return total + (previous + 1) * double(num_classes);
}

}  // namespace

ModelInfo resnet_info() {
  return kind_entry<ModelInfo>("resnet",
                               "CIFAR-style ResNet (He et al. 2016) for 32x32 inputs: 3 stages of basic blocks, "
                               "normalizers inside the residual branch",
                               {{"depth", "8", "6n+2: 8, 14, 20, ... (n basic blocks per stage)"},
                                {"width", "16", "channels of the first stage (then 2x and 4x)"}},
                               {build_resnet<float>, build_resnet<double>}, {{}, "", "", resnet_parameter_bound});
}

}  // namespace normlab
