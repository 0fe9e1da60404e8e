#include "experiments/layers/lstm.hpp"

#include <cmath>

#include "experiments/layers/gemm.hpp"
#include "norms/core/simd_map.hpp"
#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

namespace {

template <class T>
Tensor<T> zeros(const Shape& shape) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  t.fill(T(0));
  return t;
}

}  // namespace

template <class T>
Lstm<T>::Lstm(std::size_t input, std::size_t hidden, std::size_t steps, const std::string& norm,
              double gain_init)
    : input_(input), hidden_(hidden), steps_(steps), norm_spec_(norm) {
  if (input == 0 || hidden == 0 || steps == 0) throw InputError("an LSTM needs input, hidden and steps >= 1");
  weight_ih_ = zeros<T>({4 * hidden, input});
  weight_ih_grad_ = weight_ih_;
  weight_hh_ = zeros<T>({4 * hidden, hidden});
  weight_hh_grad_ = weight_hh_;
  bias_ih_ = zeros<T>({4 * hidden});
  bias_ih_grad_ = bias_ih_;
  bias_hh_ = bias_ih_;
  bias_hh_grad_ = bias_ih_;
  if (!norm.empty()) {
    norm_ih_ = std::make_unique<StepNormalizers<T>>(norm, steps, 4 * hidden, gain_init);
    norm_hh_ = std::make_unique<StepNormalizers<T>>(norm, steps, 4 * hidden, gain_init);
    norm_c_ = std::make_unique<StepNormalizers<T>>(norm, steps, hidden, gain_init);
  }
  for (auto* v : {&gx_, &gh_, &ngx_, &ngh_, &gates_, &cell_, &ncell_, &tanh_cell_, &hidden_state_})
    v->resize(steps);
}

template <class T>
std::string Lstm<T>::describe() const {
  return "LSTM(" + std::to_string(input_) + ", " + std::to_string(hidden_) +
         ", steps=" + std::to_string(steps_) +
         (norm_ih_ ? ", norm " + norm_ih_->at(0).describe() + " at ih, hh and c" : std::string()) + ")";
}

template <class T>
Shape Lstm<T>::output_shape(const Shape& input) const {
  if (input.size() != 2 || input[1] != input_)
    throw InputError(describe() + " expects input of shape (N·T, " + std::to_string(input_) + "), got " +
                     shape_string(input));
  return {input[0], hidden_};
}

template <class T>
const Tensor<T>& Lstm<T>::forward(const Tensor<T>& x, Mode mode) {
  if (x.dimension() != 2 || x.shape()[1] != input_) output_shape(shape_of(x));  // throws
  const std::size_t rows = x.shape()[0], S = steps_, H = hidden_, G = 4 * hidden_, I = input_;
  if (rows % S != 0)
    throw InputError(describe() + ": " + std::to_string(rows) + " rows are not whole windows of " +
                     std::to_string(S));
  const std::size_t N = batch_ = rows / S;
  x_ = &x;
  ensure_dims(y_, std::array<std::size_t, 2>{rows, H});
  if (norm_ih_) {
    norm_ih_->sync();
    norm_hh_->sync();
    norm_c_->sync();
  }
  for (std::size_t t = 0; t < S; ++t) {
    for (auto* v : {&gx_, &gh_, &gates_})
      ensure_dims((*v)[t], std::array<std::size_t, 2>{N, G});
    for (auto* v : {&cell_, &tanh_cell_, &hidden_state_})
      ensure_dims((*v)[t], std::array<std::size_t, 2>{N, H});
    // gx_t (N, 4H) = x_t (N, I) · W_ihᵀ; x_t is every T-th row of x, starting at row t.
    gemm(Transpose::no, Transpose::yes, N, G, I, T(1), x.data() + t * I, S * I, weight_ih_.data(), I, T(0),
         gx_[t].data(), G);
    // gh_t (N, 4H) = h_{t-1} (N, H) · W_hhᵀ, zero at t = 0.
    if (t == 0)
      gh_[t].fill(T(0));
    else
      gemm(Transpose::no, Transpose::yes, N, G, H, T(1), hidden_state_[t - 1].data(), H, weight_hh_.data(), H,
           T(0), gh_[t].data(), G);
    const T* a = gx_[t].data();
    const T* b = gh_[t].data();
    if (norm_ih_) {
      norm_ih_->at(t).forward(gx_[t], ngx_[t], mode);
      norm_hh_->at(t).forward(gh_[t], ngh_[t], mode);
      a = ngx_[t].data();
      b = ngh_[t].data();
    }
    T* gate = gates_[t].data();
    T* c = cell_[t].data();
    const T* c_prev = t > 0 ? cell_[t - 1].data() : nullptr;
    for (std::size_t n = 0; n < N; ++n) {
      T* gn = gate + n * G;
      for (std::size_t j = 0; j < G; ++j)
        gn[j] = a[n * G + j] + bias_ih_.data()[j] + b[n * G + j] + bias_hh_.data()[j];
      // the gates (i, f, g, o), each H wide: i, f, o through σ, g through tanh
      sigmoid_map(gn, gn, 2 * H);
      tanh_map(gn + 2 * H, gn + 2 * H, H);
      sigmoid_map(gn + 3 * H, gn + 3 * H, H);
      for (std::size_t k = 0; k < H; ++k)
        c[n * H + k] = (c_prev ? gn[H + k] * c_prev[n * H + k] : T(0)) + gn[k] * gn[2 * H + k];
    }
    const T* nc = c;
    if (norm_c_) {
      norm_c_->at(t).forward(cell_[t], ncell_[t], mode);
      nc = ncell_[t].data();
    }
    T* tc = tanh_cell_[t].data();
    T* h = hidden_state_[t].data();
    tanh_map(tc, nc, N * H);
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t k = 0; k < H; ++k) {
        h[n * H + k] = gate[n * G + 3 * H + k] * tc[n * H + k];
        y_.data()[(n * S + t) * H + k] = h[n * H + k];
      }
  }
  return y_;
}

template <class T>
const Tensor<T>& Lstm<T>::backward(const Tensor<T>& dy) {
  if (!x_) throw InputError(describe() + ": backward before forward");
  check_output_grad(*this, dy, y_);
  const std::size_t N = batch_, S = steps_, H = hidden_, G = 4 * hidden_, I = input_;
  const Tensor<T>& x = *x_;
  for (auto* t : {&dh_, &dc_, &dc_next_, &dcell_})
    ensure_dims(*t, std::array<std::size_t, 2>{N, H});
  ensure_dims(dpre_, std::array<std::size_t, 2>{N, G});
  dh_.fill(T(0));
  dc_next_.fill(T(0));
  if (this->input_grad_needed_) ensure_shape_like(dx_, x);
  for (std::size_t t = S; t-- > 0;) {
    const T* gate = gates_[t].data();
    const T* tc = tanh_cell_[t].data();
    const T* c_prev = t > 0 ? cell_[t - 1].data() : nullptr;
    // dh = dy_t + (the recurrent gradient from step t + 1, already in dh_); d tanh(nc) = dh·o.
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t k = 0; k < H; ++k) {
        T& dh = dh_.data()[n * H + k];
        dh += dy.data()[(n * S + t) * H + k];
        const T o = gate[n * G + 3 * H + k], th = tc[n * H + k];
        dcell_.data()[n * H + k] = dh * o * (T(1) - th * th);  // d norm_c(c_t)
      }
    const Tensor<T>* dc = &dcell_;
    if (norm_c_) {
      norm_c_->at(t).backward(cell_[t], dcell_, dc_);
      dc = &dc_;
    }
    T* dpre = dpre_.data();
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t k = 0; k < H; ++k) {
        const std::size_t e = n * H + k;
        const T* gn = gate + n * G;
        const T i = gn[k], f = gn[H + k], g = gn[2 * H + k], o = gn[3 * H + k];
        const T dct = dc->data()[e] + dc_next_.data()[e];  // through c_t's two uses
        const T cp = c_prev ? c_prev[e] : T(0);
        dpre[n * G + k] = dct * g * i * (T(1) - i);
        dpre[n * G + H + k] = dct * cp * f * (T(1) - f);
        dpre[n * G + 2 * H + k] = dct * i * (T(1) - g * g);
        dpre[n * G + 3 * H + k] = dh_.data()[e] * tc[e] * o * (T(1) - o);
        dc_next_.data()[e] = dct * f;
      }
    // db_ih = db_hh += Σ_n dpre
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t j = 0; j < G; ++j) {
        bias_ih_grad_.data()[j] += dpre[n * G + j];
        bias_hh_grad_.data()[j] += dpre[n * G + j];
      }
    const Tensor<T>* dgx = &dpre_;
    const Tensor<T>* dgh = &dpre_;
    if (norm_ih_) {
      norm_ih_->at(t).backward(gx_[t], dpre_, dgx_);
      norm_hh_->at(t).backward(gh_[t], dpre_, dgh_);
      dgx = &dgx_;
      dgh = &dgh_;
    }
    // dW_ih (4H, I) += dgxᵀ (4H, N) · x_t (N, I);  dx_t (N, I) = dgx (N, 4H) · W_ih (4H, I)
    gemm(Transpose::yes, Transpose::no, G, I, N, T(1), dgx->data(), G, x.data() + t * I, S * I, T(1),
         weight_ih_grad_.data(), I);
    if (this->input_grad_needed_)
      gemm(Transpose::no, Transpose::no, N, I, G, T(1), dgx->data(), G, weight_ih_.data(), I, T(0),
           dx_.data() + t * I, S * I);
    if (t > 0) {
      // dW_hh (4H, H) += dghᵀ (4H, N) · h_{t-1} (N, H);  dh_{t-1} (N, H) = dgh (N, 4H) · W_hh (4H, H)
      gemm(Transpose::yes, Transpose::no, G, H, N, T(1), dgh->data(), G, hidden_state_[t - 1].data(), H, T(1),
           weight_hh_grad_.data(), H);
      gemm(Transpose::no, Transpose::no, N, H, G, T(1), dgh->data(), G, weight_hh_.data(), H, T(0),
           dh_.data(), H);
    }
  }
  if (norm_ih_) {
    norm_ih_->fold_grads();
    norm_hh_->fold_grads();
    norm_c_->fold_grads();
  }
  return dx_;
}

template <class T>
std::vector<ParameterRef<T>> Lstm<T>::parameters() {
  std::vector<ParameterRef<T>> all{{"weight_ih", &weight_ih_, &weight_ih_grad_},
                                   {"weight_hh", &weight_hh_, &weight_hh_grad_},
                                   {"bias_ih", &bias_ih_, &bias_ih_grad_},
                                   {"bias_hh", &bias_hh_, &bias_hh_grad_}};
  if (norm_ih_)
    for (auto [name, norms] : {std::pair<const char*, StepNormalizers<T>*>{"norm_ih", norm_ih_.get()},
                               {"norm_hh", norm_hh_.get()},
                               {"norm_c", norm_c_.get()}})
      for (auto& p : norms->parameters())
        all.push_back({std::string(name) + "." + p.name, p.value, p.grad});
  return all;
}

template <class T>
std::vector<BufferRef<T>> Lstm<T>::buffers() {
  std::vector<BufferRef<T>> all;
  if (norm_ih_)
    for (auto [name, norms] : {std::pair<const char*, StepNormalizers<T>*>{"norm_ih", norm_ih_.get()},
                               {"norm_hh", norm_hh_.get()},
                               {"norm_c", norm_c_.get()}})
      for (auto& b : norms->buffers())
        all.push_back({std::string(name) + "." + b.name, b.value});
  return all;
}

template <class T>
void Lstm<T>::join_replicas(ReplicaGroup* group) {
  for (StepNormalizers<T>* norms : {norm_ih_.get(), norm_hh_.get(), norm_c_.get()})
    if (norms) norms->join_replicas(group);
}

template class Lstm<float>;
template class Lstm<double>;

}  // namespace normlab
