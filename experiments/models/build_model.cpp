// build_model: resolves the model's input and output sizes, then lets the model kind append its
// layers through the placement builder.
#include "experiments/models/model.hpp"
#include "experiments/models/model_kinds.hpp"
#include "experiments/models/model_registry.hpp"
#include "norms/errors.hpp"

namespace normlab {

namespace {

// mlp's in= and out=: "auto", or a size that must agree with the data when both are known.
std::size_t resolve_size(const Spec& spec, const std::string& key, std::size_t from_data, const std::string& data_what) {
  if (spec.raw(key) == "auto") return from_data;
  const long value = spec.get_int(key);
  if (value < 1) spec.fail(key, "must be auto or an integer >= 1");
  if (from_data != 0 && std::size_t(value) != from_data)
    spec.fail(key, "the data has " + std::to_string(from_data) + " " + data_what + "; use " + key +
                       "=auto or " + key + "=" + std::to_string(from_data));
  return std::size_t(value);
}

}  // namespace

template <class T>
Model<T> build_model(const ModelOptions& options, const Shape& sample_shape, std::size_t num_classes, Rng& init_rng) {
  const Spec spec = parse_model_spec(options.model);
  Shape input_shape = sample_shape;
  std::size_t classes = num_classes;
  if (spec.kind() == "mlp") {
    const std::size_t features = resolve_size(spec, "in", sample_shape.empty() ? 0 : shape_product(sample_shape),
                                              "input features per sample");
    if (input_shape.empty() && features != 0) input_shape = {features};
    classes = resolve_size(spec, "out", num_classes, "classes");
  }
  if (input_shape.empty() || shape_product(input_shape) == 0)
    throw InputError("model '" + spec.text() + "': the input shape is unknown or empty; give the data's sample shape (normlab model: --input)" +
                     (spec.kind() == "mlp" ? std::string(" or in=") : std::string()));
  if (classes == 0)
    throw InputError("model '" + spec.text() + "': the number of classes is unknown; give it (normlab model: --classes)" +
                     (spec.kind() == "mlp" ? std::string(" or out=") : std::string()));

  ModelBuilder<T> builder(options, spec, input_shape, init_rng);
  if (spec.kind() == "mlp") build_mlp(builder, spec, classes);
  else if (spec.kind() == "vgg") build_vgg(builder, spec, classes);
  else if (spec.kind() == "resnet") build_resnet(builder, spec, classes);
  Model<T> model = builder.take();
  model.sample_shape = input_shape;
  model.num_classes = classes;
  return model;
}

template Model<float> build_model<float>(const ModelOptions&, const Shape&, std::size_t, Rng&);
template Model<double> build_model<double>(const ModelOptions&, const Shape&, std::size_t, Rng&);

}  // namespace normlab
