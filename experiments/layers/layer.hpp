// The Layer interface of the models in experiments/.
//
// Layers own their outputs and input gradients, so a steady-state training step allocates
// nothing: forward() returns a reference to the layer's output tensor, valid until its next
// forward(); backward() returns a reference to its dx. A layer may keep a pointer to its last
// input (the previous layer's output, which stays alive until backward).
//
// Gradient contract (the same as the Normalizer's): backward() ASSIGNS dx and ACCUMULATES into
// every parameter's grad; Model::zero_grad() clears them between steps.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "norms/normalizer.hpp"

namespace normlab {

class Rng;

// A batch of samples shaped `sample` (no batch dim), as "(N, 16, 32, 32)".
inline std::string batched_shape_string(const Shape& sample) {
  std::string text = "(N";
  for (std::size_t d : sample) text += ", " + std::to_string(d);
  return text + ")";
}

template <class T>
class Layer {
 public:
  virtual ~Layer() = default;

  // Describes the layer as PyTorch would print it, e.g. "Linear(256, 128, bias=false)".
  virtual std::string describe() const = 0;
  // Output shape for an input shape (with batch dim); throws InputError on a mismatch.
  virtual Shape output_shape(const Shape& input) const = 0;

  virtual const Tensor<T>& forward(const Tensor<T>& x, Mode mode) = 0;
  virtual const Tensor<T>& backward(const Tensor<T>& dy) = 0;

  // Learnable parameters and running buffers, named as PyTorch names them ("weight", "bias",
  // "running_mean", ...); the model prefixes them with the layer index.
  virtual std::vector<ParameterRef<T>> parameters() { return {}; }
  virtual std::vector<BufferRef<T>> buffers() { return {}; }
  // The layer's random streams by name ("rng" of a dropout layer): state that is neither a
  // parameter nor a buffer but that a checkpoint must save for a resumed run to continue exactly.
  virtual std::vector<std::pair<std::string, Rng*>> random_streams() { return {}; }

  // The normalizer this layer applies to activations, if it is a normalization layer (the
  // harness records statistics of its input for layer_stats.csv).
  virtual Normalizer<T>* activation_normalizer() { return nullptr; }
  // The input of the last forward() (for statistics); null if the layer keeps none.
  virtual const Tensor<T>* last_input() const { return nullptr; }

  // The named layers inside a composite layer (a residual block's "conv1", "norm1", ...), so that
  // listings and layer statistics can reach its normalizers; empty for a plain layer.
  virtual std::vector<std::pair<std::string, Layer<T>*>> sublayers() { return {}; }

  // Data-parallel runs: passes the group of the training step to every normalizer of the layer
  // (Normalizer::join_replicas); nullptr leaves it. Layers whose normalizers are neither their
  // activation_normalizer() nor in sublayers() (a recurrent layer's per-step ones) override it.
  virtual void join_replicas(ReplicaGroup* group) {
    if (Normalizer<T>* normalizer = activation_normalizer()) normalizer->join_replicas(group);
    for (const auto& [name, sublayer] : sublayers()) sublayer->join_replicas(group);
  }

  // Whether backward() must compute dx. The model turns it off for its first trainable layer,
  // where nothing below needs dx (it saves a first Linear layer's largest GEMM); backward() then
  // returns an unspecified tensor.
  void set_input_grad_needed(bool needed) { input_grad_needed_ = needed; }
  bool input_grad_needed() const { return input_grad_needed_; }

 protected:
  bool input_grad_needed_ = true;
};

}  // namespace normlab
