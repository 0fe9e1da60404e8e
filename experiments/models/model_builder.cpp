#include "experiments/models/model_builder.hpp"

#include "experiments/layers/dropout.hpp"
#include "norms/core/errors.hpp"
#include "norms/registry.hpp"

namespace normlab {

void check_reparam_spec(const std::string& spec) {
  validate_normalizer_spec(spec);
  const NormRole role = normalizer_traits(spec).role;
  if (role == NormRole::weight || role == NormRole::identity) return;
  std::vector<std::string> allowed;
  for (const auto& info : normalizer_registry().entries())
    if (info.traits.role != NormRole::activation) allowed.push_back(info.kind);
  throw InputError("reparam '" + spec + "' is an " + role_name(role) +
                   " normalizer; reparam takes a weight reparameterization or the identity: " + join(allowed, ", ") +
                   " (an activation normalizer goes in norm)");
}

BlockDropout parse_block_dropout(const Spec& spec) {
  BlockDropout dropout;
  dropout.p = spec.get_double("dropout");
  if (!(dropout.p >= 0 && dropout.p < 1)) spec.fail("dropout", "must be in [0, 1)");
  dropout.position = spec.get_choice("dropout_position", {"after_norm", "before_norm"}) == "before_norm"
                         ? DropoutPosition::before_norm
                         : DropoutPosition::after_norm;
  return dropout;
}

namespace {

Placement parse_placement(const std::string& text) {
  if (text == "pre") return Placement::pre;
  if (text == "post") return Placement::post;
  if (text == "none") return Placement::none;
  throw InputError("placement '" + text + "' is not valid; valid: pre, post, none");
}

Shape with_batch(const Shape& sample) {
  Shape shape{1};
  shape.insert(shape.end(), sample.begin(), sample.end());
  return shape;
}

}  // namespace

template <class T>
ModelBuilder<T>::ModelBuilder(const ModelOptions& options, const Spec& model_spec, const Shape& sample_shape,
                              Rng& init_rng)
    : options_(options),
      model_spec_(model_spec),
      init_(Initializer::parse(options.init)),
      rng_(init_rng),
      placement_(parse_placement(options.placement)),
      shape_(sample_shape) {
  if (options.bias != "auto" && options.bias != "true" && options.bias != "false")
    throw InputError("bias '" + options.bias + "' is not valid; valid: auto, true, false");
  validate_normalizer_spec(options.norm);
  const NormRole role = normalizer_traits(options.norm).role;
  activation_norms_ = placement_ != Placement::none && role == NormRole::activation;
  check_reparam_spec(options.reparam);
  const bool reparam = normalizer_traits(options.reparam).role == NormRole::weight;
  if (role == NormRole::weight && reparam)
    throw InputError("norm '" + options.norm + "' and reparam '" + options.reparam +
                     "' both reparameterize the weights; a layer's weight takes one: set reparam = \"none\" or "
                     "give norm an activation normalizer");
  if (reparam) weight_spec_ = options.reparam;
  else if (role == NormRole::weight && placement_ != Placement::none) weight_spec_ = options.norm;
}

template <class T>
void ModelBuilder<T>::add(std::unique_ptr<Layer<T>> layer) {
  const Shape out = layer->output_shape(with_batch(shape_));
  shape_.assign(out.begin() + 1, out.end());
  model_.add(std::move(layer));
}

template <class T>
std::string ModelBuilder<T>::where_next(const std::string& what) const {
  return "layer " + std::to_string(model_.layers().size()) + " (" + what + ")";
}

template <class T>
std::unique_ptr<NormLayer<T>> ModelBuilder<T>::make_norm(const Shape& sample_shape, const std::string& where) const {
  if (!activation_norms_) return nullptr;
  try {
    std::unique_ptr<Normalizer<T>> normalizer = make_normalizer<T>(options_.norm, with_batch(sample_shape));
    // A normalizer with random state of its own (noisy batch norm) is seeded from the run's
    // initialization stream; the others draw nothing, so their models are unchanged.
    if (normalizer->has_random_state()) normalizer->reseed(rng_.next_u64());
    return std::make_unique<NormLayer<T>>(std::move(normalizer), sample_shape);
  } catch (const InputError& e) {
    throw InputError("model '" + model_spec_.text() + "': normalizer '" + options_.norm + "' cannot normalize the " +
                     "output " + batched_shape_string(sample_shape) + " of " + where + ": " + e.what());
  }
}

template <class T>
bool ModelBuilder<T>::keeps_bias(NormLayer<T>* directly_following) const {
  if (options_.bias == "true") return true;
  if (options_.bias == "false") return false;
  // A shift right after the layer makes its bias redundant: the normalizer subtracts the mean.
  return !(directly_following && directly_following->activation_normalizer()->has_shift());
}

template <class T>
std::unique_ptr<Conv2d<T>> ModelBuilder<T>::make_conv(const ConvGeometry& geometry, bool bias,
                                                      const std::string& gain_activation) {
  auto conv = std::make_unique<Conv2d<T>>(geometry, bias, weight_spec_);
  init_.fill(conv->weight().direction(), conv->fan_in(), conv->fan_out(), activation_gain(gain_activation), rng_);
  conv->weight().reset_scale();
  conv->weight().reseed(rng_);
  return conv;
}

template <class T>
template <class MakeLayer>
void ModelBuilder<T>::hidden_block(const Shape& out_shape, const std::string& what, MakeLayer make_layer,
                                   ActivationKind act, const BlockDropout& dropout) {
  auto norm = make_norm(out_shape, where_next(what));
  // A normalizer that includes its activation (FRN with TLU, EvoNorm) replaces the activation
  // layer: it directly follows the layer in both placements, so pre and post build the same model.
  const bool replaces_act = norm && norm->activation_normalizer()->includes_activation();
  const bool norm_first = placement_ == Placement::pre || replaces_act;
  // The dropout's seed is drawn after the layer's initialization in both positions, so that the
  // two positions differ in where the mask is applied, not in the mask stream.
  auto dropout_at = [&](DropoutPosition position) {
    if (dropout.p > 0 && dropout.position == position)
      add(std::make_unique<Dropout<T>>(dropout.p, next_seed()));
  };
  add(make_layer(keeps_bias(norm_first ? norm.get() : nullptr)));
  // The normalizer's slot: right after the layer (pre, none, or a normalizer with its activation),
  // else after the activation (post).
  const bool slot_after_layer = placement_ != Placement::post || replaces_act;
  if (slot_after_layer) dropout_at(DropoutPosition::before_norm);
  if (norm && norm_first) add(std::move(norm));
  if (!replaces_act) add(std::make_unique<Activation<T>>(act));
  if (!slot_after_layer) dropout_at(DropoutPosition::before_norm);
  if (norm && placement_ == Placement::post) add(std::move(norm));
  dropout_at(DropoutPosition::after_norm);
}

template <class T>
void ModelBuilder<T>::hidden_linear(std::size_t out_features, ActivationKind act,
                                    const BlockDropout& dropout) {
  if (shape_.size() != 1)
    throw InputError("model '" + model_spec_.text() + "': a Linear layer needs flat input, got " + shape_string(shape_));
  const std::size_t in = shape_[0];
  const std::string what = "Linear(" + std::to_string(in) + ", " + std::to_string(out_features) + ")";
  hidden_block(
      {out_features}, what,
      [&](bool bias) {
        auto linear = std::make_unique<Linear<T>>(in, out_features, bias, weight_spec_);
        init_.fill(linear->weight().direction(), in, out_features, activation_gain(activation_name(act)),
                   rng_);
        linear->weight().reset_scale();
        linear->weight().reseed(rng_);
        return linear;
      },
      act, dropout);
}

template <class T>
void ModelBuilder<T>::hidden_conv(const ConvGeometry& geometry, ActivationKind act,
                                  const BlockDropout& dropout) {
  const Shape out_shape = [&] {
    const Shape out = Conv2d<T>(geometry, false).output_shape(with_batch(shape_));
    return Shape(out.begin() + 1, out.end());
  }();
  const std::string what = "Conv2d(" + std::to_string(geometry.in_channels) + ", " +
                           std::to_string(geometry.out_channels) + ", kernel_size=" + std::to_string(geometry.kernel) + ")";
  hidden_block(
      out_shape, what, [&](bool bias) { return make_conv(geometry, bias, activation_name(act)); }, act,
      dropout);
}

template <class T>
void ModelBuilder<T>::output_linear(std::size_t classes) {
  if (shape_.size() != 1)
    throw InputError("model '" + model_spec_.text() + "': the output Linear needs flat input, got " +
                     shape_string(shape_));
  auto linear = std::make_unique<Linear<T>>(shape_[0], classes, true);
  init_.fill(linear->weight().direction(), shape_[0], classes, activation_gain("linear"), rng_);
  add(std::move(linear));
}

template class ModelBuilder<float>;
template class ModelBuilder<double>;

}  // namespace normlab
