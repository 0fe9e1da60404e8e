// An LSTM layer as torch.nn.LSTM (one layer, batch_first, gates i, f, g, o), over windows of T
// steps, with optional normalizers at the sites of Ba et al. (2016, section 6):
//   a_t = norm_ih_t(x_t·W_ihᵀ) + b_ih + norm_hh_t(h_{t-1}·W_hhᵀ) + b_hh          (N, 4H)
//   i, f, o = σ(a_t[i, f, o]);  g = tanh(a_t[g])
//   c_t = f⊙c_{t-1} + i⊙g;       h_t = o⊙tanh(norm_c_t(c_t))                     (N, H)
// with h_{-1} = c_{-1} = 0. Without a normalizer (spec none) it is exactly torch.nn.LSTM. Each
// site has one normalizer per time step sharing its parameters (step_normalizers.hpp): layer and
// rms normalize each sample's 4H (or H) values; batch keeps separate statistics and running
// buffers per time step (Cooijmans et al. 2017), with gains initialized to 0.1 as they recommend.
// Windows always have the T steps the layer was built for, so no step beyond the trained length
// (where Cooijmans et al. reuse the last step's statistics) ever occurs.
//
// x: (N·T, I) and y: (N·T, H), rows sample-major (row n·T + t), as the embedding writes them.
// Truncated back-propagation over the window: the state starts at zero in every window.
// Backward ASSIGNS dx and ACCUMULATES every parameter's gradient.
#pragma once

#include <memory>

#include "experiments/layers/layer.hpp"
#include "experiments/layers/step_normalizers.hpp"

namespace normlab {

template <class T>
class Lstm final : public Layer<T> {
 public:
  // norm: a per-sample or per-batch activation normalizer spec for (N, F) inputs, or "" for none.
  Lstm(std::size_t input, std::size_t hidden, std::size_t steps, const std::string& norm, double gain_init);

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;  // (M, I) -> (M, H)
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  std::vector<ParameterRef<T>> parameters() override;
  std::vector<BufferRef<T>> buffers() override;
  void join_replicas(ReplicaGroup* group) override;

  // The last forward's final cell state c_{T-1}: (N, H) (the final h is y's last step).
  const Tensor<T>& final_cell() const { return cell_.back(); }
  Tensor<T>& weight_ih() { return weight_ih_; }
  Tensor<T>& weight_hh() { return weight_hh_; }

 private:
  std::size_t input_, hidden_, steps_;
  std::string norm_spec_;
  Tensor<T> weight_ih_, weight_ih_grad_;                            // (4H, I)
  Tensor<T> weight_hh_, weight_hh_grad_;                            // (4H, H)
  Tensor<T> bias_ih_, bias_ih_grad_;                                // (4H)
  Tensor<T> bias_hh_, bias_hh_grad_;                                // (4H)
  std::unique_ptr<StepNormalizers<T>> norm_ih_, norm_hh_, norm_c_;  // null without a normalizer

  std::size_t batch_ = 0;  // N of the last forward
  const Tensor<T>* x_ = nullptr;
  // Per time step t, all (N, 4H) or (N, H):
  std::vector<Tensor<T>> gx_, gh_;    // x_t·W_ihᵀ, h_{t-1}·W_hhᵀ (the normalizers' inputs)
  std::vector<Tensor<T>> ngx_, ngh_;  // their normalized values (unused without a normalizer)
  std::vector<Tensor<T>> gates_;      // i, f, g, o after their nonlinearities
  std::vector<Tensor<T>> cell_, ncell_, tanh_cell_, hidden_state_;  // c_t, norm_c(c_t), tanh of it, h_t
  Tensor<T> y_;                                                     // (N·T, H)
  Tensor<T> dx_;                                                    // (N·T, I)
  Tensor<T> dh_, dc_, dc_next_, dcell_, dpre_, dgx_, dgh_;          // backward scratch of one step
};

}  // namespace normlab
