// The weight of a Linear or Conv2d layer. Plainly it is the parameter "weight"; under a weight
// reparameterization (a normalizer whose registry role is `weight`, e.g. weight normalization
// w = g·v/‖v‖ with one g per output row) it is computed from a raw weight by that normalizer,
// with PyTorch's names: the normalizer's parameters and buffers as weight_<name> ("weight_g"),
// the raw weight as weight_<raw_weight_name> ("weight_v"; "weight" when the trait is empty).
//
// A layer uses it in three steps per training step:
//   forward:  w = weight.compute()  (under weight norm, recomputed from g and v);
//   backward: write dL/dw into grad_buffer() with GEMM beta = grad_beta() for its first
//             contribution (and 1 after), then call finish_backward(), which turns dL/dw into
//             the gradients of g and v under weight norm.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "experiments/util/rng.hpp"
#include "norms/normalizer.hpp"

namespace normlab {

template <class T>
class LayerWeight {
 public:
  // shape: (out, *in). weight_norm_spec: "" for a plain weight, else the spec of a normalizer
  // whose role is `weight` (InputError otherwise).
  LayerWeight(const Shape& shape, const std::string& weight_norm_spec);

  bool reparameterized() const { return normalizer_ != nullptr; }
  const Shape& shape() const { return shape_; }
  // The plain weight, or v under weight norm: what an initializer fills.
  Tensor<T>& direction() { return v_; }
  // Under weight norm, sets g = ‖v‖ per row so that w = v (call after initializing v).
  void reset_scale();
  // Redraws a reparameterization's random state (spectral norm's u, v) with a seed from `rng`;
  // draws nothing from rng otherwise, so models without one initialize exactly as before.
  void reseed(Rng& rng);

  // The weight for this forward; valid until the next compute(). The mode reaches the
  // reparameterization: spectral norm iterates u, v in training only, as PyTorch's does.
  const Tensor<T>& compute(Mode mode = Mode::train);
  // The reparameterization's spec ("weight", "spectral", ...), "" for a plain weight.
  const std::string& spec() const { return weight_norm_spec_; }
  const Tensor<T>& value() const { return normalizer_ ? w_ : v_; }

  T* grad_buffer() { return normalizer_ ? w_grad_.data() : v_grad_.data(); }
  // 1 for a plain weight (backward accumulates into its grad); 0 under weight norm (dL/dw is
  // assigned into a scratch tensor first).
  T grad_beta() const { return normalizer_ ? T(0) : T(1); }
  void finish_backward();

  // "weight", or e.g. "weight_g" and "weight_v".
  std::vector<ParameterRef<T>> parameters();
  // The reparameterization's buffers as weight_<name>; none for a plain weight.
  std::vector<BufferRef<T>> buffers();

 private:
  Shape shape_;
  std::string weight_norm_spec_;
  std::string raw_name_ = "weight";  // the raw weight's parameter name
  Tensor<T> v_, v_grad_;                     // (out, *in): the weight, or v
  std::unique_ptr<Normalizer<T>> normalizer_;  // weight norm, or null
  Tensor<T> w_, w_grad_, v_grad_step_;       // (out, *in): w, dL/dw, this step's dL/dv
};

}  // namespace normlab
