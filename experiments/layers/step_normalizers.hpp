// One normalizer per time step of a recurrent layer, with parameters shared across the steps and
// statistics (and running buffers) of their own: what Ba et al. (2016) use for layer norm (the
// per-step statistics are per sample anyway) and Cooijmans et al. (2017) for recurrent batch norm
// (separate statistics per time step, shared γ and β).
//
// Step 0's normalizer holds the shared parameters: sync() copies them to the other steps before a
// forward, and fold_grads() adds the other steps' gradients into step 0's (and clears them) after
// a backward, so the layer's gradient contract (ACCUMULATE) holds for the shared parameters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "norms/normalizer.hpp"

namespace normlab {

template <class T>
class StepNormalizers {
 public:
  // steps normalizers of `spec` for (N, features) inputs; weight_init: the initial gain.
  StepNormalizers(const std::string& spec, std::size_t steps, std::size_t features, double weight_init);

  Normalizer<T>& at(std::size_t step) { return *steps_[step]; }
  const Normalizer<T>& at(std::size_t step) const { return *steps_[step]; }
  void sync();
  void fold_grads();
  void join_replicas(ReplicaGroup* group) {
    for (auto& step : steps_) step->join_replicas(group);
  }
  std::vector<ParameterRef<T>> parameters() { return parameters_[0]; }
  // Every step's buffers, named "<step>.<name>" (e.g. "3.running_mean").
  std::vector<BufferRef<T>> buffers();

 private:
  std::vector<std::unique_ptr<Normalizer<T>>> steps_;
  // Each step's parameters, listed once (a step must not allocate); [0] are the shared ones.
  std::vector<std::vector<ParameterRef<T>>> parameters_;
};

}  // namespace normlab
