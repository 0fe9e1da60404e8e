// A model: a sequence of layers, built from a model spec, a normalizer spec and a placement.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "experiments/layers/layer.hpp"
#include "experiments/util/rng.hpp"

namespace normlab {

template <class T>
class Model {
 public:
  void add(std::unique_ptr<Layer<T>> layer) { layers_.push_back(std::move(layer)); }

  // x: (N, *sample_shape); it must stay alive until backward(), as layers keep a pointer to
  // their inputs.

  // logits: (N, num_classes), owned by the last layer.
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode);
  // Backpropagates d(loss)/d(logits) through every layer, accumulating parameter gradients.
  void backward(const Tensor<T>& dlogits);

  // Named "<layer index>.<name>", e.g. "0.weight", "1.running_mean".
  std::vector<ParameterRef<T>> parameters();
  std::vector<BufferRef<T>> buffers();
  void zero_grad();

  const std::vector<std::unique_ptr<Layer<T>>>& layers() const { return layers_; }
  Shape sample_shape;  // one input sample, without the batch dim
  std::size_t num_classes = 0;

 private:
  // Decides, once per set of layers, where backward() can stop: below the first layer with
  // parameters nothing needs a gradient, and that layer need not compute its dx.
  void plan_backward();

  std::vector<std::unique_ptr<Layer<T>>> layers_;
  std::size_t planned_layer_count_ = std::size_t(-1);
  std::size_t first_trainable_ = 0;
  std::vector<ParameterRef<T>> parameter_cache_;  // for zero_grad() without allocating
};

// How a model is put together. Every field is a spec or choice as written in a configuration.
struct ModelOptions {
  std::string model = "mlp";       // e.g. "mlp:widths=128x64,act=relu", "vgg", "resnet:depth=8"
  std::string norm = "none";       // a normalizer spec, applied at every hidden layer
  std::string placement = "pre";   // pre | post | none
  std::string bias = "auto";       // auto | true | false: hidden Linear/Conv biases; auto drops one
                                   // when a normalizer with a shift directly follows the layer
  std::string init = "kaiming";    // an initialization spec, e.g. "normal:std=0.01"
  // A weight reparameterization (registry role weight, or none) of every hidden Linear/Conv2d
  // weight beside `norm` (GN + WS). Last, so that positional initializations stay valid.
  std::string reparam = "none";
};

// Builds the model for samples of `sample_shape` and `num_classes` outputs; parameters are
// initialized from `init_rng`. Spec errors are InputErrors naming the spec and what is valid.
// An empty sample_shape or num_classes = 0 takes them from the model spec (mlp's in= and out=),
// for describing a model without a dataset.
template <class T>
Model<T> build_model(const ModelOptions& options, const Shape& sample_shape, std::size_t num_classes, Rng& init_rng);

}  // namespace normlab
