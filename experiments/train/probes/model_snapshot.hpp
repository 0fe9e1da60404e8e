// A copy of what an instrument may disturb in a model: its parameters, their gradients, its
// running buffers and its layers' random streams (a dropout layer's mask stream), so that a probe
// can run extra passes and then leave the model bit for bit as it was. The copies are flat
// (every parameter, in Model::parameters() order, one after the other) and allocated by the first
// capture; later captures and restores allocate nothing.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "experiments/models/model.hpp"

namespace normlab {

template <class T>
class ModelSnapshot {
 public:
  enum Part : unsigned { parameters = 1, gradients = 2, buffers = 4, streams = 8, all = 15 };

  // Binds to the model's parameters, buffers and streams (the model must outlive the snapshot
  // and keep its layers).
  explicit ModelSnapshot(Model<T>& model);

  void capture(unsigned parts);
  void restore(unsigned parts) const;

  // The flat copies: parameter i of parameter_refs() occupies [offset(i), offset(i + 1)).
  const std::vector<T>& parameter_values() const { return parameters_; }
  const std::vector<T>& gradient_values() const { return gradients_; }
  std::size_t offset(std::size_t parameter) const { return offsets_[parameter]; }
  std::size_t size() const { return offsets_.back(); }  // the number of scalar parameters
  const std::vector<ParameterRef<T>>& parameter_refs() const { return parameter_refs_; }

 private:
  std::vector<ParameterRef<T>> parameter_refs_;
  std::vector<BufferRef<T>> buffer_refs_;  // the model's and its sublayers' (as Model::buffers())
  std::vector<Rng*> stream_refs_;          // every layer's and sublayer's random streams
  std::vector<std::size_t> offsets_;       // (parameters + 1) prefix sums of the parameter sizes
  std::vector<T> parameters_, gradients_;  // (size())
  std::vector<T> buffers_;                 // every buffer, concatenated
  std::vector<Rng::State> streams_;
};

// Sets every parameter to base + scale · direction (flat, as ModelSnapshot's copies); direction
// may be null (then to base). Arithmetic in double, rounded once to T.
template <class T, class D>
void set_parameters(const std::vector<ParameterRef<T>>& parameters, const std::vector<T>& base,
                    const D* direction, double scale);

// Copies every parameter's gradient into `out` (flat), resized once to the parameter count.
template <class T>
void read_gradients(const std::vector<ParameterRef<T>>& parameters, std::vector<T>& out);

}  // namespace normlab
