// build_model: resolves the model's input and output sizes, then lets the model kind append its
// layers through the placement builder.
#include "experiments/models/model.hpp"
#include "experiments/models/model_kinds.hpp"
#include "experiments/models/model_registry.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

template <class T>
Model<T> build_model(const ModelOptions& options, const Shape& sample_shape, std::size_t num_classes, Rng& init_rng) {
  const Spec spec = parse_model_spec(options.model);
  Shape input_shape = sample_shape;
  std::size_t classes = num_classes;
  const ModelInfo& info = model_registry().find(spec.kind());
  if (info.traits.resolve_sizes) info.traits.resolve_sizes(spec, input_shape, classes);
  if (input_shape.empty() || shape_product(input_shape) == 0)
    throw InputError("model '" + spec.text() + "': the input shape is unknown or empty; give the data's sample shape (normlab model: --input)" +
                     (info.traits.input_key.empty() ? std::string() : " or " + info.traits.input_key + "="));
  if (classes == 0)
    throw InputError("model '" + spec.text() + "': the number of classes is unknown; give it (normlab model: --classes)" +
                     (info.traits.classes_key.empty() ? std::string() : " or " + info.traits.classes_key + "="));

  ModelBuilder<T> builder(options, spec, input_shape, init_rng);
  info.make.template get<T>()(builder, spec, classes);
  Model<T> model = builder.take();
  model.sample_shape = input_shape;
  model.num_classes = classes;
  return model;
}

template Model<float> build_model<float>(const ModelOptions&, const Shape&, std::size_t, Rng&);
template Model<double> build_model<double>(const ModelOptions&, const Shape&, std::size_t, Rng&);

}  // namespace normlab
