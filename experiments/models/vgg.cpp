// vgg:widths=16x32x64,act=relu,pool=max,pool_every=1,dropout=0,dropout_position=after_norm —
// a small VGG-style CNN:
//   per width: Conv2d 3x3 (padding 1) -> (norm, act in the placement; dropout where
//   dropout_position says, model_builder.hpp), and after every pool_every-th block 2x2 pooling
//   (stride 2); then global average pooling -> Linear(last width, classes). pool_every > 1 gives
//   deep plain CNNs (widths=8*16,pool_every=4: sixteen convs, four poolings).
#include <memory>

#include "experiments/layers/pooling.hpp"
#include "experiments/models/model_kinds.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

template <class T>
void build_vgg(ModelBuilder<T>& builder, const Spec& spec, std::size_t num_classes) {
  const auto widths = parse_widths(spec, "widths");
  if (widths.empty()) spec.fail("widths", "needs at least one conv block, e.g. 16x32x64");
  const ActivationKind act = parse_activation(spec.get_choice("act", {"relu", "sigmoid", "tanh"}));
  const bool max_pool = spec.get_choice("pool", {"max", "avg"}) == "max";
  const long pool_every = spec.get_int("pool_every");
  if (pool_every < 1) spec.fail("pool_every", "must be an integer >= 1");
  const BlockDropout dropout = parse_block_dropout(spec);
  if (builder.shape().size() != 3)
    throw InputError("model '" + spec.text() + "' needs image samples (C, H, W), got " +
                     shape_string(builder.shape()));
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const Shape& in = builder.shape();
    const bool pooled = (i + 1) % std::size_t(pool_every) == 0;
    if (pooled && (in[1] < 2 || in[2] < 2))
      throw InputError(
          "model '" + spec.text() + "': " + std::to_string(widths.size() / std::size_t(pool_every)) +
          " 2x2 poolings shrink the input below 1x1; use fewer widths, a larger pool_every or larger "
          "images");
    builder.hidden_conv({in[0], widths[i], 3, 1, 1}, act, dropout);
    if (!pooled) continue;
    if (max_pool)
      builder.add(std::make_unique<MaxPool2d<T>>(2, 2));
    else
      builder.add(std::make_unique<AvgPool2d<T>>(2, 2));
  }
  builder.add(std::make_unique<GlobalAvgPool<T>>());
  builder.output_linear(num_classes);
}

namespace {

// 3x3 convolutions with biases, up to 4 values per channel for a normalizer, the output Linear.
double vgg_parameter_bound(const Spec& spec, const Shape& sample_shape, std::size_t num_classes) {
  double previous = sample_shape.empty() ? 1 : double(sample_shape[0]), total = 0;
  for (const std::size_t width : parse_widths(spec, "widths")) {
    total += (9 * previous + 1) * double(width) + 4 * double(width);
    previous = double(width);
  }
  return total + (previous + 1) * double(num_classes);
}

}  // namespace

ModelInfo vgg_info() {
  return kind_entry<ModelInfo>(
      "vgg",
      "small VGG-style CNN: per width conv3x3 -> norm -> act, then 2x2 pooling; global average pool -> "
      "Linear",
      {{"widths", "16x32x64", "channels of the conv blocks, separated by x"},
       {"act", "relu", "relu | sigmoid | tanh"},
       {"pool", "max", "max | avg: the 2x2 pooling"},
       {"pool_every", "1", "a 2x2 pooling after every pool_every-th block (1: after each)"},
       {"dropout", "0", "dropout probability in every conv block (0 = no dropout layer)"},
       {"dropout_position", "after_norm",
        "after_norm: at the block's end, before its pooling | before_norm: just before the normalizer "
        "(as mlp's)"}},
      {build_vgg<float>, build_vgg<double>}, {{}, "", "", vgg_parameter_bound});
}

}  // namespace normlab
