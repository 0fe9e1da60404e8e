// The Normalizer interface: what every normalizer implements and what layers, the CLI, the
// benchmarks and the tests drive without knowing which normalizer they hold.
//
// Input layout is row-major (N, C) or (N, C, *spatial); weight normalization takes a weight
// tensor (out, *in) instead. A normalizer is built for one example input shape (see
// registry.hpp) and accepts any batch size N afterwards; the other dims must match.
//
// Gradient contract (tested by pre-filling the buffers with garbage):
//   - backward() ASSIGNS dx (resized to x's shape);
//   - backward() ACCUMULATES into the gradient of every learnable parameter (`grad` below), as
//     PyTorch accumulates into .grad; call zero_grad() between steps.
// backward(x, dy, dx) must follow forward(x, ...) on the same x: forward caches only the small
// per-group statistics (mean, rstd), and backward recomputes x̂ from x.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "norms/core/tensor.hpp"

namespace normlab {

class ReplicaGroup;  // norms/core/replica_group.hpp

enum class Mode { train, eval };

template <class T>
struct ParameterRef {
  std::string name;  // PyTorch's name: "weight", "bias", "g"
  Tensor<T>* value;
  Tensor<T>* grad;   // same shape as value; accumulated by backward()
};

template <class T>
struct BufferRef {
  std::string name;  // "running_mean", "running_var", "num_batches_tracked"
  Tensor<T>* value;  // updated by forward() in training mode
};

template <class T>
class Normalizer {
 public:
  virtual ~Normalizer() = default;

  // The registry kind ("batch", "layer", ...) and a one-line description with resolved settings,
  // e.g. "BatchNorm(64, eps=1e-05, momentum=0.1, affine=true)".
  virtual std::string kind() const = 0;
  virtual std::string describe() const = 0;

  // y = norm(x); y is resized to x's shape. Training mode updates running buffers.
  virtual void forward(const Tensor<T>& x, Tensor<T>& y, Mode mode) = 0;
  // dx (assigned) and parameter gradients (accumulated) for the last forward() on x.
  virtual void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) = 0;

  virtual std::vector<ParameterRef<T>> parameters() { return {}; }
  virtual std::vector<BufferRef<T>> buffers() { return {}; }

  // Redraws the normalizer's random initial state from `seed` (spectral norm's u and v); a no-op for
  // normalizers without one. The model builder passes a seed from the run's initialization stream.
  virtual void reseed(std::uint64_t /*seed*/) {}
  virtual bool has_random_state() const { return false; }

  // True when the normalizer adds a learnable shift after normalizing (a preceding bias is then
  // redundant; the model builder drops it under bias=auto).
  virtual bool has_shift() const { return false; }

  // True when the normalizer ends in its own nonlinearity (FRN's TLU, EvoNorm's max or sigmoid):
  // the model builder then adds no separate activation layer after it.
  virtual bool includes_activation() const { return false; }

  // PreciseBN (Wu & Johnson 2021): between begin_ and end_precise_statistics(), training-mode
  // forwards leave the running buffers unchanged and collect their batch statistics instead;
  // end_ sets each running buffer to the equal-weight average of the statistics of those
  // forwards (as PyTorch with momentum=None after reset_running_stats). A no-op for normalizers
  // without running buffers of batch statistics; the trainer calls it on those whose registry
  // traits say batch_statistics && running_buffers.
  virtual void begin_precise_statistics() {}
  virtual void end_precise_statistics() {}

  // Data-parallel runs (the sweep key ranks > 1): the group of processes whose shares together
  // form the batch of a training forward, set by the trainer around each training step; nullptr:
  // this process alone. Batch normalization combines its statistics through it (sync=true) or its
  // running-buffer updates (per device); normalizers without batch statistics ignore it.
  virtual void join_replicas(ReplicaGroup* /*group*/) {}

  // By-name access; unknown names are InputErrors that list the valid names.
  Tensor<T>& parameter(const std::string& name);
  Tensor<T>& buffer(const std::string& name);
  // Sets a parameter or buffer by name, checking the shape; marks it as user-set.
  void set(const std::string& name, const Tensor<T>& value);
  void zero_grad();
  std::size_t parameter_count();
  std::size_t buffer_count();

 protected:
  // Called by set() after a value was assigned (weight normalization uses it to skip its
  // data-dependent initialization of g).
  virtual void on_set(const std::string& /*name*/) {}
};

}  // namespace normlab
