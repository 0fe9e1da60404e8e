// Weight normalization (Salimans & Kingma, 2016), torch.nn.utils.weight_norm with dim=0:
// a reparameterization of a weight tensor v: (out, *in) as
//     w = g · v / ‖v‖,   ‖v‖ the L2 norm of each row v[o] over all dims but dim 0,   g: (out).
// Its "input" is v and its output is w. g starts as ‖v‖ of the first v it sees, so that the first
// forward returns v (unless g was set explicitly). A zero-norm row has no direction: an error.
#include <cmath>

#include "norms/core/reductions.hpp"
#include "norms/options.hpp"
#include "norms/core/parallel.hpp"
#include "norms/registry.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

namespace {

Shape weight_shape_of(const Shape& example) {
  if (example.empty() || shape_product(example) == 0)
    throw InputError("weight norm expects a non-empty weight tensor of shape (out, *in), got " +
                     shape_string(example));
  return example;
}

template <class T>
class WeightNorm final : public Normalizer<T> {
 public:
  WeightNorm(NoOptions, const Shape& example) : shape_(weight_shape_of(example)) {
    const std::size_t rows = shape_[0];
    g_ = Tensor<T>::from_shape({rows});
    g_.fill(T(1));
    g_grad_ = Tensor<T>::from_shape({rows});
    g_grad_.fill(T(0));
    norm_.resize(rows);
  }

  std::string kind() const override { return "weight"; }
  std::string describe() const override { return "WeightNorm(" + shape_string(shape_) + ", dim=0)"; }
  std::vector<ParameterRef<T>> parameters() override { return {{"g", &g_, &g_grad_}}; }

  void forward(const Tensor<T>& v, Tensor<T>& w, Mode /*mode*/) override {
    check_same_shape("weight norm", "v", v.shape(), shape_);
    const std::size_t rows = shape_[0], len = v.size() / rows;
    ensure_shape(w, shape_);
    // One pass per row while it is in cache: its norm, then w = (g/‖v‖)·v. g starts as ‖v‖.
    const bool init_g = !g_initialized_;
    parallel_for(rows, 2 * len, [&](std::size_t o) {
      const T* __restrict vo = v.data() + o * len;
      T* __restrict wo = w.data() + o * len;
      // ‖v‖² as Σ (v - 0)²: the same lane-accumulated double sum as the variance.
      norm_[o] = std::sqrt(kernels::sum_squared_deviation(vo, len, 0.0));
      if (!(norm_[o] > 0)) return;  // reported below, outside the parallel region
      if (init_g) g_.data()[o] = T(norm_[o]);
      const T scale = T(double(g_.data()[o]) / norm_[o]);
      for (std::size_t i = 0; i < len; ++i)
        wo[i] = scale * vo[i];
    });
    for (std::size_t o = 0; o < rows; ++o)
      if (!(norm_[o] > 0))
        throw InputError("weight norm: row " + std::to_string(o) + " of the weight " + shape_string(shape_) +
                         " has zero norm, so its direction v/‖v‖ is undefined");
    g_initialized_ = true;
  }

  // With v̂ = v/‖v‖:  dg = Σ dw·v̂  (accumulated),  dv = (g/‖v‖)·(dw - v̂·(v̂·dw))  (assigned).
  void backward(const Tensor<T>& v, const Tensor<T>& dw, Tensor<T>& dv) override {
    check_same_shape("weight norm backward", "v", v.shape(), shape_);
    check_same_shape("weight norm backward", "dw", dw.shape(), shape_);
    const std::size_t rows = shape_[0], len = v.size() / rows;
    ensure_shape(dv, shape_);
    parallel_for(rows, 2 * len, [&](std::size_t o) {
      const T* __restrict vo = v.data() + o * len;
      const T* __restrict dwo = dw.data() + o * len;
      const double dot = kernels::dot(dwo, vo, len);  // Σ dw·v
      const double norm = norm_[o], g = double(g_.data()[o]);
      const double dg = dot / norm;  // Σ dw·v̂
      g_grad_.data()[o] = T(double(g_grad_.data()[o]) + dg);
      const T direct = T(g / norm);                             // (g/‖v‖)·dw
      const T projection = T(-g * dot / (norm * norm * norm));  // -(g/‖v‖)·v̂·(v̂·dw) = -(g·(v·dw)/‖v‖³)·v
      T* __restrict dvo = dv.data() + o * len;
      for (std::size_t i = 0; i < len; ++i)
        dvo[i] = direct * dwo[i] + projection * vo[i];
    });
  }

 protected:
  void on_set(const std::string& name) override {
    if (name == "g") g_initialized_ = true;
  }

 private:
  Shape shape_;
  Tensor<T> g_, g_grad_;      // (out)
  std::vector<double> norm_;  // (out): ‖v[o]‖ of the last forward
  bool g_initialized_ = false;
};

}  // namespace

NormalizerInfo weight_norm_info() {
  return normalizer_info<WeightNorm, NoOptions>("weight",
                                                "weight normalization of a weight tensor: w = g·v/‖v‖ per "
                                                "output row (torch.nn.utils.weight_norm, dim=0)",
                                                {}, {NormRole::weight, false, false, 1, "v", {"weight"}, /*includes_activation=*/{}});
}

}  // namespace normlab
