// The placement builder shared by the model kinds (mlp.cpp, vgg.cpp, resnet.cpp): it puts the
// chosen normalizer at every hidden layer in the chosen placement,
//   pre:  Linear/Conv -> Norm -> act   (Ioffe & Szegedy's placement)
//   post: Linear/Conv -> act -> Norm
//   none: Linear/Conv -> act
// A normalizer that includes its activation (Normalizer::includes_activation: FRN with TLU,
// EvoNorm) takes the activation's place: Linear/Conv -> Norm in both placements.
// decides biases (bias=auto drops the bias of a layer directly followed by a normalizer with a
// shift; true/false override for every hidden layer), reparameterizes every hidden Linear and
// Conv2d weight under a weight reparameterization instead of adding a layer, and initializes weights.
// The weight reparameterization is `norm` itself when its role is weight (norm="weight", as
// before, only with a placement), or `reparam` beside an activation normalizer (GN + WS); it
// does not depend on the placement, which says where an activation normalizer sits.
#pragma once

#include <memory>
#include <string>

#include "experiments/init/init.hpp"
#include "experiments/layers/activation.hpp"
#include "experiments/layers/conv2d.hpp"
#include "experiments/layers/linear.hpp"
#include "experiments/layers/norm_layer.hpp"
#include "experiments/models/model.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

enum class Placement { pre, post, none };

// Where a hidden block's dropout sits relative to its normalizer (model key dropout_position):
//   after_norm:  at the end of the block, after the normalizer and the activation
//                pre: Linear -> Norm -> act -> Dropout      post: Linear -> act -> Norm -> Dropout
//   before_norm: directly before the normalizer, so that it sees the dropped-out values
//                pre: Linear -> Dropout -> Norm -> act      post: Linear -> act -> Dropout -> Norm
// Without a normalizer layer (norm none or a weight reparameterization, placement none) before_norm
// puts the dropout where the normalizer would be: Linear -> Dropout -> act (pre, none) and
// Linear -> act -> Dropout (post). With ReLU, Dropout and ReLU commute (a mask scaled by
// 1/(1 - p) is non-negative), so without a normalizer both positions compute the same model.
enum class DropoutPosition { after_norm, before_norm };
struct BlockDropout {
  double p = 0;  // 0: no dropout layer
  DropoutPosition position = DropoutPosition::after_norm;
};
// The keys dropout (in [0, 1)) and dropout_position (after_norm | before_norm) of a model spec.
BlockDropout parse_block_dropout(const Spec& model_spec);

// Checks a `reparam` spec: a normalizer whose registry role is weight or identity. An InputError
// naming the allowed kinds (from the registry) otherwise.
void check_reparam_spec(const std::string& spec);

template <class T>
class ModelBuilder {
 public:
  ModelBuilder(const ModelOptions& options, const Spec& model_spec, const Shape& sample_shape, Rng& init_rng);

  // The sample shape (no batch dim) that the next layer receives.
  const Shape& shape() const { return shape_; }
  Placement placement() const { return placement_; }
  const ModelOptions& options() const { return options_; }

  // Appends a layer to the model and advances shape().
  void add(std::unique_ptr<Layer<T>> layer);

  // A hidden layer with its normalizer and activation in the chosen placement, and its dropout.
  void hidden_linear(std::size_t out_features, ActivationKind act, const BlockDropout& dropout = {});
  void hidden_conv(const ConvGeometry& geometry, ActivationKind act, const BlockDropout& dropout = {});
  // The output layer: bias, no normalizer, gain 1.
  void output_linear(std::size_t classes);

  // Pieces for composite layers (the residual block). `where` names the position for messages.
  // A normalization layer for activations of `sample_shape`, or null when none is placed there.
  std::unique_ptr<NormLayer<T>> make_norm(const Shape& sample_shape, const std::string& where) const;
  // Whether a hidden layer directly followed by `norm` (null: no normalizer) keeps its bias.
  bool keeps_bias(NormLayer<T>* directly_following) const;
  // A hidden conv, initialized for the activation `gain_activation` that follows it.
  std::unique_ptr<Conv2d<T>> make_conv(const ConvGeometry& geometry, bool bias, const std::string& gain_activation);
  std::string where_next(const std::string& what) const;  // "layer 3 (Linear(128, 64))"

  // A seed for a layer's own random stream (dropout), drawn from the initialization stream.
  std::uint64_t next_seed() { return rng_.next_u64(); }

  Model<T> take() { return std::move(model_); }

 private:
  template <class MakeLayer>
  void hidden_block(const Shape& out_shape, const std::string& what, MakeLayer make_layer, ActivationKind act,
                    const BlockDropout& dropout);

  const ModelOptions& options_;
  const Spec& model_spec_;
  Initializer init_;
  Rng& rng_;
  Placement placement_;
  bool activation_norms_;  // a normalization layer at each hidden layer
  std::string weight_spec_;  // the reparameterization of hidden weights; "" for plain weights
  Shape shape_;
  Model<T> model_;
};

}  // namespace normlab
