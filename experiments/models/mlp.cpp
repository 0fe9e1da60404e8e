// mlp:in=auto,widths=128x64,out=auto,act=relu,dropout=0,dropout_position=after_norm
//   [Flatten] -> per width: Linear -> (norm, act in the placement; dropout where
//   dropout_position says, model_builder.hpp) -> Linear(classes)
#include <memory>

#include "experiments/layers/flatten.hpp"
#include "experiments/models/model_kinds.hpp"

namespace normlab {

template <class T>
void build_mlp(ModelBuilder<T>& builder, const Spec& spec, std::size_t num_classes) {
  const auto widths = parse_widths(spec, "widths");
  const ActivationKind act = parse_activation(spec.get_choice("act", {"relu", "sigmoid", "tanh"}));
  const BlockDropout dropout = parse_block_dropout(spec);
  if (builder.shape().size() > 1) builder.add(std::make_unique<Flatten<T>>());
  for (const std::size_t width : widths)
    builder.hidden_linear(width, act, dropout);
  builder.output_linear(num_classes);
}

namespace {

// in= and out=: "auto", or a size that must agree with the data when both are known.
std::size_t resolve_size(const Spec& spec, const std::string& key, std::size_t from_data,
                         const std::string& data_what) {
  if (spec.raw(key) == "auto") return from_data;
  const long value = spec.get_int(key);
  if (value < 1) spec.fail(key, "must be auto or an integer >= 1");
  if (from_data != 0 && std::size_t(value) != from_data)
    spec.fail(key, "the data has " + std::to_string(from_data) + " " + data_what + "; use " + key +
                       "=auto or " + key + "=" + std::to_string(from_data));
  return std::size_t(value);
}

void resolve_mlp_sizes(const Spec& spec, Shape& sample_shape, std::size_t& num_classes) {
  const std::size_t features = resolve_size(
      spec, "in", sample_shape.empty() ? 0 : shape_product(sample_shape), "input features per sample");
  if (sample_shape.empty() && features != 0) sample_shape = {features};
  num_classes = resolve_size(spec, "out", num_classes, "classes");
}

// Linear layers with biases, and up to 4 values per feature for a normalizer.
double mlp_parameter_bound(const Spec& spec, const Shape& sample_shape, std::size_t num_classes) {
  double previous = double(shape_product(sample_shape)), total = 0;
  for (const std::size_t width : parse_widths(spec, "widths")) {
    total += (previous + 1) * double(width) + 4 * double(width);
    previous = double(width);
  }
  return total + (previous + 1) * double(num_classes);
}

}  // namespace

ModelInfo mlp_info() {
  return kind_entry<ModelInfo>(
      "mlp",
      "multilayer perceptron: per width Linear -> norm -> act (placement pre), then Linear to the classes",
      {{"in", "auto", "input features; auto = the dataset's sample size"},
       {"widths", "128x64", "hidden widths separated by x, or none"},
       {"out", "auto", "outputs; auto = the dataset's number of classes"},
       {"act", "relu", "relu | sigmoid | tanh"},
       {"dropout", "0", "dropout probability in every hidden block (0 = no dropout layer)"},
       {"dropout_position", "after_norm",
        "after_norm: at the block's end (pre: Linear-Norm-act-Dropout, post: Linear-act-Norm-Dropout) | "
        "before_norm: just before the normalizer (pre: Linear-Dropout-Norm-act, post: "
        "Linear-act-Dropout-Norm)"}},
      {build_mlp<float>, build_mlp<double>}, {resolve_mlp_sizes, "in", "out", mlp_parameter_bound});
}

}  // namespace normlab
